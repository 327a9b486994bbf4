package middleware

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upvest-go/upvest/internal/redact"
	"github.com/upvest-go/upvest/internal/secrettest"
)

// TestTokenErrorScrubsEveryEncoding: a token endpoint that echoes what it
// got (the form, the secret JSON-escaped, Basic credentials) in its error
// answer yields a *TokenError whose text, printed any way, holds the
// secret in no encoding.
func TestTokenErrorScrubsEveryEncoding(t *testing.T) {
	t.Parallel()
	secrets := []string{secrettest.Hostile, "plain-secret-0123456789", "a b+c/d=e&f%g", "ünïcødé-sécret-☃-𝄞"}
	echoes := map[string]func(form []byte, secret string) (string, string){
		"form as text": func(form []byte, _ string) (string, string) { return "text/plain", "you sent: " + string(form) },
		"form in oauth2 JSON": func(form []byte, _ string) (string, string) {
			b, _ := json.Marshal(map[string]string{"error": "invalid_client", "error_description": string(form), "error_uri": "https://x/?" + string(form)})
			return "application/json", string(b)
		},
		"secret in problem+json": func(_ []byte, secret string) (string, string) {
			b, _ := json.Marshal(map[string]any{"type": "unauthorized", "status": 401, "title": secret, "detail": "bad secret " + secret + " " + url.PathEscape(secret)})
			return "application/problem+json", string(b)
		},
		"secret JSON-escaped as ASCII": func(_ []byte, secret string) (string, string) {
			return "application/json", `{"error":"invalid_client","error_description":"` + asciiJSON(secret) + `"}`
		},
		"basic credentials": func(_ []byte, secret string) (string, string) {
			basic := base64.StdEncoding.EncodeToString([]byte(testClientID + ":" + secret))
			basicEnc := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(testClientID) + ":" + url.QueryEscape(secret)))
			return "application/json", `{"error":"invalid_client","error_description":"Basic ` + basic + ` or ` + basicEnc + `"}`
		},
	}
	for _, secret := range secrets {
		for name, echo := range echoes {
			t.Run(name, func(t *testing.T) {
				r := newRig(t, "ed25519-pkcs8.pem")
				r.tokens.ClientSecret = secret
				r.token.respond = func(req *http.Request, body []byte) *http.Response {
					ct, text := echo(body, secret)
					resp := jsonResponse(401, text)
					resp.Header.Set("Content-Type", ct)
					return resp
				}
				_, err := r.tokens.Token(context.Background(), "accounts:read")
				var te *TokenError
				if !errors.As(err, &te) || te.StatusCode != 401 {
					t.Fatalf("err is %T, want *TokenError with status 401", err)
				}
				text := fmt.Sprintf("%v\n%+v\n%#v\n%s", err, err, err, err.Error())
				text += fmt.Sprintf("%+v %#v", *te, *te)
				for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
					text += fmt.Sprintf("\n%+v %#v", e, e)
				}
				if leaks := secrettest.Leaks(text, secret); len(leaks) > 0 {
					t.Fatalf("error shows %v:\n%s", leaks, text)
				}
				if secrettest.Contains(text, secrettest.BasicForms(testClientID, secret)...) {
					t.Fatalf("error shows the Basic credentials:\n%s", text)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("error is not one line: %q", err)
				}
			})
		}
	}
}

func asciiJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04X\u%04X`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&b, `\u%04X`, r)
		}
	}
	return b.String()
}

// TestScrubInvalidUTF8: an answer holding bytes that are not UTF-8 (a
// Latin-1 error page echoing the form) is scrubbed at the right offsets:
// no byte of the secret leaks, nothing panics.
func TestScrubInvalidUTF8(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-VALUE-0123456789"
	for _, body := range []string{
		"\xff\xff" + secret + " was wrong",
		"bad client_secret: \xff\xff\xff\xff\xff" + secret,
		"Ung\xfcltige Anfrage \xfc\xfc\xfc\xfc\xfc\xfc\xfc\xfc\xfc\xfc\xfc: " + secret + "\xfc",
	} {
		r := newRig(t, "ed25519-pkcs8.pem")
		r.tokens.ClientSecret = secret
		r.tokens.Retry.MaxAttempts = 1
		r.token.respond = func(*http.Request, []byte) *http.Response {
			resp := jsonResponse(401, body)
			resp.Header.Set("Content-Type", "text/plain; charset=iso-8859-1")
			return resp
		}
		_, err := r.tokens.Token(context.Background(), "accounts:read")
		if err == nil || strings.Contains(err.Error(), secret[:4]) || strings.Contains(err.Error(), secret[len(secret)-4:]) {
			t.Errorf("secret bytes in the error (%d bytes)", len(fmt.Sprint(err)))
		}
	}
	if got := redact.Scrub("\xff\xffAbC\xff", []string{"abc"}); got != "\xff\xff"+redacted+"\xff" {
		t.Fatalf("scrub = %q", got)
	}
}
