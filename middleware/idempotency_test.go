package middleware

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	req, _ := http.NewRequest(http.MethodPost, "https://x/account_groups", nil)
	ctx := context.Background()
	if err := IdempotencyKeyEditor("")(ctx, req); err != nil {
		t.Fatal(err)
	}
	k := req.Header.Get("Idempotency-Key")
	if !isIdempotencyKey(k) || len(k) != 36 || k[14] != '4' || !strings.ContainsRune("89ab", rune(k[19])) {
		t.Fatalf("generated key %q is not a UUID v4", k)
	}
	if k2 := NewIdempotencyKey(); k2 == k {
		t.Fatal("keys repeat")
	}
	for _, bad := range []string{"nope", "f1150421-2e34-42b6-aae9-52ef157065b", "f1150421x2e34-42b6-aae9-52ef157065b9", "g1150421-2e34-42b6-aae9-52ef157065b9"} {
		if err := IdempotencyKeyEditor(bad)(ctx, req); !errors.Is(err, ErrInvalidIdempotencyKey) {
			t.Errorf("key %q accepted", bad)
		}
	}
	if err := IdempotencyKeyEditor(testIdemKey)(ctx, req); err != nil || req.Header.Get("Idempotency-Key") != testIdemKey {
		t.Fatalf("given key not used: %v", err)
	}
}
