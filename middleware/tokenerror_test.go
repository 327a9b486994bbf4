package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/upvest-go/upvest/internal/secrettest"
)

// TestTokenExchangeErrorsScrubbed: a token endpoint answering 200 with a
// body x/oauth2 cannot parse makes it return an error of its own (not a
// *oauth2.RetrieveError) that quotes the value it choked on. When that
// value is the client secret (echoed into expires_in, say), the secret is
// scrubbed from the *TokenError and from every error it wraps.
func TestTokenExchangeErrorsScrubbed(t *testing.T) {
	t.Parallel()
	jsonString := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	expiresIn := func(s string) string { return `{"access_token":"tok","token_type":"bearer","expires_in":` + s + `}` }
	for _, tc := range []struct {
		name, secret string
		body         string
		quoted       bool // x/oauth2's message quotes the value
	}{
		{"expires_in holds the secret", "plain-secret-0123456789", expiresIn(jsonString("plain-secret-0123456789")), true},
		{"expires_in holds a hostile secret", secrettest.Hostile, expiresIn(jsonString(secrettest.Hostile)), true},
		{"expires_in holds a numeric secret out of range", "98765432109876543210987", expiresIn("98765432109876543210987"), true},
		{"access_token holds the secret as a number", "1234567890123", `{"access_token":1234567890123,"token_type":"bearer"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, "ed25519-pkcs8.pem")
			r.tokens.ClientSecret = tc.secret
			r.tokens.Retry.MaxAttempts = 1
			r.token.respond = func(*http.Request, []byte) *http.Response {
				return jsonResponse(200, tc.body)
			}
			_, err := r.tokens.Token(context.Background(), "accounts:read")
			var te *TokenError
			if !errors.As(err, &te) || te.Err == nil {
				t.Fatalf("err is %T, want a *TokenError holding x/oauth2's error", err)
			}
			text := fmt.Sprintf("%v\n%+v\n%#v\n%+v %#v", err, err, err, *te, *te)
			for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
				text += fmt.Sprintf("\n%v %+v %#v", e, e, e)
			}
			if leaks := secrettest.Leaks(text, tc.secret); len(leaks) > 0 {
				t.Fatalf("the error shows %v:\n%s", leaks, text)
			}
			// encoding/json quotes the JSON text it refused with %q: the
			// secret JSON-escaped, then Go-quoted.
			for _, f := range secrettest.Forms(tc.secret) {
				if q := strconv.Quote(f); len(f) >= 6 && strings.Contains(text, q[1:len(q)-1]) {
					t.Fatalf("the error shows a Go-quoted form of the secret:\n%s", text)
				}
			}
			if tc.quoted && !strings.Contains(err.Error(), redacted) {
				t.Fatalf("error %q: want x/oauth2's message kept, the secret in it %s", err, redacted)
			}
		})
	}
}
