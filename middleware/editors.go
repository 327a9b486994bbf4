package middleware

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"

	"github.com/upvest-go/upvest/gen"
)

// APIVersion is the only upvest-api-version there is.
const APIVersion = "1"

// ClientIDEditor sets upvest-client-id, the tenant's client id, which
// Upvest requires on every call.
func ClientIDEditor(clientID string) gen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header[hClientID] = []string{clientID}
		return nil
	}
}

// APIVersionEditor sets upvest-api-version: 1.
func APIVersionEditor() gen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header[hAPIVersion] = []string{APIVersion}
		return nil
	}
}

// AcceptEditor sets accept: application/json (another value can get 406).
func AcceptEditor() gen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header[hAccept] = []string{"application/json"}
		return nil
	}
}

// ErrInvalidIdempotencyKey reports an idempotency key that is not a UUID in
// its canonical text form.
var ErrInvalidIdempotencyKey = errors.New("middleware: idempotency key must be a UUID such as f1150421-2e34-42b6-aae9-52ef157065b9")

// IdempotencyKeyEditor sets idempotency-key to key, or, when key is empty, to
// a new random UUID v4 each time the editor runs. The generated client runs
// editors once per logical call, before any retry, so every attempt of one
// call carries the same key. A key that is not a UUID makes the call fail
// with ErrInvalidIdempotencyKey before anything is sent.
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

// CheckIdempotencyKey returns ErrInvalidIdempotencyKey unless key is a UUID
// in canonical form (8-4-4-4-12 hexadecimal digits).
func CheckIdempotencyKey(key string) error {
	if !IsUUID(key) {
		return ErrInvalidIdempotencyKey
	}
	return nil
}

// IsUUID reports whether s is a UUID in canonical 8-4-4-4-12 hex form.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
