package sandbox

import (
	"crypto/subtle"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/upvest-go/upvest/gen"
)

// issue makes a token for scopes.
func (a *auth) issue(scopes []string, now time.Time) string {
	access := randomString(32)
	a.mu.Lock()
	a.sweepLocked(now)
	a.tokens[access] = token{scopes: scopes, expires: now.Add(a.cfg.TokenTTL)}
	a.mu.Unlock()
	return access
}

func (a *auth) token(raw string) (token, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.tokens[raw]
	return t, ok
}

// RevokeTokens makes every issued token unknown, as after a credential
// rotation: the next call with one gets 401.
func (s *Sandbox) RevokeTokens() {
	s.auth.mu.Lock()
	clear(s.auth.tokens)
	s.auth.mu.Unlock()
}

// RequestToken is POST /auth/token, reached after checkHeaders and
// verifySignature like every call.
func (a *api) RequestToken(w http.ResponseWriter, r *http.Request) {
	s := a.s
	if r.Header.Get("Authorization") != "" {
		s.problem(w, r, http.StatusBadRequest, "bad_request", "the token request must not carry an authorization header: client_id and client_secret go in the form")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		s.problem(w, r, http.StatusBadRequest, "bad_request", "content-type must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.problem(w, r, http.StatusBadRequest, "bad_request", "form body does not parse")
		return
	}
	form := r.PostForm
	for _, f := range []string{"client_id", "client_secret", "grant_type", "scope"} {
		if form.Get(f) == "" {
			s.problem(w, r, http.StatusBadRequest, "bad_request", "form field "+f+" is required")
			return
		}
	}
	if form.Get("grant_type") != "client_credentials" {
		s.problem(w, r, http.StatusBadRequest, "bad_request", "grant_type must be client_credentials")
		return
	}
	if form.Get("client_id") != s.auth.clientID || form.Get("client_id") != r.Header.Get("Upvest-Client-Id") ||
		subtle.ConstantTimeCompare([]byte(form.Get("client_secret")), []byte(s.auth.secret)) != 1 {
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "client_id or client_secret is wrong")
		return
	}
	scopes := strings.Fields(form.Get("scope"))
	for _, sc := range scopes {
		// The scopes the document's security scheme publishes.
		if !slices.Contains(gen.Scopes, sc) {
			s.problem(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("unknown scope %q (not one Upvest publishes)", sc))
			return
		}
		if slices.Contains(s.cfg.DeniedScopes, sc) {
			s.problem(w, r, http.StatusForbidden, "forbidden", fmt.Sprintf("this client is not granted the scope %q", sc))
			return
		}
	}
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	access := s.auth.issue(scopes, s.now())
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "expires_in": int(s.cfg.TokenTTL / time.Second), "token_type": "bearer", "scope": strings.Join(scopes, " "),
	})
}
