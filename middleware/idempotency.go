package middleware

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/upvest-go/upvest/gen"
)

// ErrInvalidIdempotencyKey reports an idempotency key that does not match
// Upvest's published pattern.
var ErrInvalidIdempotencyKey = errors.New("middleware: idempotency key must be a UUID of version 0 to 5 with variant 0, 8, 9, a or b (Upvest's published pattern), such as f1150421-2e34-42b6-aae9-52ef157065b9")

// IdempotencyKeyEditor is for callers of the generated client (package gen)
// who choose a call's key themselves: it sets idempotency-key to key, or,
// when key is empty, to a new random UUID v4 each time the editor runs. The
// generated client runs its editors once per call, before its doer; the
// retries of package upvest's doer happen below it and resend that request,
// so every attempt of one call carries the same key. (Without the editor,
// that doer gives a create a new key of its own, the same for all its
// attempts.) A key that does not match idempotencyKeyPattern makes the call
// fail with ErrInvalidIdempotencyKey before anything is sent.
func IdempotencyKeyEditor(key string) gen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		k := key
		if k == "" {
			k = NewIdempotencyKey()
		} else if err := CheckIdempotencyKey(k); err != nil {
			return err
		}
		req.Header[hIdempotencyKey] = []string{k}
		return nil
	}
}

// NewIdempotencyKey returns a random UUID v4 from crypto/rand.
func NewIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// idempotencyKeyPattern is the pattern Upvest publishes for the
// idempotency-key header: a UUID of version 0 to 5 (so name-based v5 keys
// qualify, time-ordered v7 keys do not) whose variant digit is 0, 8, 9, a
// or b, its dashes optional.
const idempotencyKeyPattern = `^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-5][0-9a-fA-F]{3}-?[089abAB][0-9a-fA-F]{3}-?[0-9a-fA-F]{12}$`

// CheckIdempotencyKey returns ErrInvalidIdempotencyKey unless key matches
// the pattern Upvest publishes for the idempotency-key header: a UUID of
// version 0 to 5 (so name-based v5 keys qualify, time-ordered v7 keys do
// not) whose variant digit is 0, 8, 9, a or b, its dashes optional.
func CheckIdempotencyKey(key string) error {
	if !isIdempotencyKey(key) {
		return ErrInvalidIdempotencyKey
	}
	return nil
}

// isIdempotencyKey reports whether s matches idempotencyKeyPattern.
func isIdempotencyKey(s string) bool {
	// The pattern's five groups: their lengths, and what the first digit
	// of the third (version) and fourth (variant) group may be.
	groups := [5]int{8, 4, 4, 4, 12}
	for g, n := range groups {
		if g > 0 && len(s) > 0 && s[0] == '-' {
			s = s[1:]
		}
		if len(s) < n {
			return false
		}
		for i := 0; i < n; i++ {
			c := s[i]
			if !isHex(c) {
				return false
			}
			switch {
			case i == 0 && g == 2 && (c < '0' || c > '5'):
				return false
			case i == 0 && g == 3 && !strings.ContainsRune("089abAB", rune(c)):
				return false
			}
		}
		s = s[n:]
	}
	return s == ""
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
