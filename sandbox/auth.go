package sandbox

import (
	"crypto"
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/internal/httpsig"
	"github.com/upvest-go/upvest/internal/routes"
)

type token struct {
	clientID string
	scopes   []string
	expires  time.Time
}

// knownScopes are the scopes the document's operations use.
var knownScopes = func() map[string]bool {
	m := map[string]bool{}
	for _, op := range gen.Operations {
		for _, alt := range op.Scopes {
			for _, sc := range alt {
				m[sc] = true
			}
		}
	}
	return m
}()

// checkHeaders checks upvest-client-id, upvest-api-version, accept and
// upvest-signature-version, answering the refusal itself.
func (s *Sandbox) checkHeaders(w http.ResponseWriter, r *http.Request) bool {
	switch id := r.Header.Get("Upvest-Client-Id"); {
	case id == "":
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "upvest-client-id header missing: send the tenant client id on every call")
	case id != s.clientID:
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", fmt.Sprintf("upvest-client-id %q is not a known client", id))
	case r.Header.Get("Upvest-Api-Version") != "1":
		s.problem(w, r, http.StatusNotAcceptable, "not_acceptable", fmt.Sprintf("upvest-api-version must be 1 (no quotes), got %q", r.Header.Get("Upvest-Api-Version")))
	case !acceptsJSON(r.Header.Get("Accept")):
		s.problem(w, r, http.StatusNotAcceptable, "not_acceptable", fmt.Sprintf("accept %q does not allow application/json", r.Header.Get("Accept")))
	case r.Header.Get("Upvest-Signature-Version") != "15":
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", fmt.Sprintf("upvest-signature-version must be 15, got %q", r.Header.Get("Upvest-Signature-Version")))
	default:
		return true
	}
	return false
}

func acceptsJSON(accept string) bool {
	if accept == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && (mt == "application/json" || mt == "application/*" || mt == "*/*" || mt == "application/problem+json") {
			return true
		}
	}
	return false
}

// verifySignature checks the v15 signature, answering the refusal itself.
func (s *Sandbox) verifySignature(w http.ResponseWriter, r *http.Request, body []byte) bool {
	required := []string{"@method", "@path", "upvest-client-id"}
	if r.URL.RawQuery != "" {
		required = append(required, "@query")
	}
	ifPresent := []string{"accept", "authorization", "idempotency-key"}
	if len(body) > 0 {
		required = append(required, "content-type", "content-length", "content-digest")
	}
	_, err := httpsig.VerifyRequest(r, body, &httpsig.Verification{
		Style:             httpsig.V15,
		Key:               s.clientKey,
		Required:          required,
		RequiredIfPresent: ifPresent,
		Now:               s.cfg.Now(),
		Skew:              s.cfg.SignatureSkew,
		MaxAge:            s.cfg.MaxSignatureAge,
		Nonces:            &s.nonces,
	})
	if err != nil {
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "signature: "+err.Error())
		return false
	}
	return true
}

func (s *Sandbox) clientKey(keyID string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.clientKeys[keyID]
	if !ok {
		return nil, errors.New("no public key uploaded under this id")
	}
	return crypto.PublicKey(k), nil
}

// admit runs every check of an API call, answering the refusal itself.
func (s *Sandbox) admit(w http.ResponseWriter, r *http.Request, body []byte, route *routes.Route) bool {
	if !s.checkHeaders(w, r) || !s.verifySignature(w, r, body) {
		return false
	}
	auth := r.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || raw == "" {
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "authorization header must be \"Bearer <token>\" from POST /auth/token")
		return false
	}
	s.mu.Lock()
	tok, known := s.tokens[raw]
	s.mu.Unlock()
	switch {
	case !known:
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "bearer token unknown or revoked")
		return false
	case !s.cfg.Now().Before(tok.expires):
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "bearer token expired at "+tok.expires.UTC().Format(time.RFC3339))
		return false
	case !route.Allows(tok.scopes):
		s.problem(w, r, http.StatusForbidden, "forbidden", fmt.Sprintf("token scopes %q do not allow %s (%s %s needs %s)",
			strings.Join(tok.scopes, " "), route.Op.ID, route.Op.Method, route.Op.Path, describeScopes(route.Op.Scopes)))
		return false
	}
	return true
}

func describeScopes(alts [][]string) string {
	var parts []string
	for _, a := range alts {
		parts = append(parts, strings.Join(a, " and "))
	}
	return strings.Join(parts, " or ")
}

// serveToken is POST /auth/token.
func (s *Sandbox) serveToken(w http.ResponseWriter, r *http.Request, body []byte) {
	if !s.checkHeaders(w, r) || !s.verifySignature(w, r, body) {
		return
	}
	if r.Header.Get("Authorization") != "" {
		s.problem(w, r, http.StatusBadRequest, "bad_request", "the token request must not carry an authorization header: client_id and client_secret go in the form")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		s.problem(w, r, http.StatusBadRequest, "bad_request", "content-type must be application/x-www-form-urlencoded")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, "bad_request", "form body does not parse")
		return
	}
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
	if form.Get("client_id") != s.clientID || form.Get("client_id") != r.Header.Get("Upvest-Client-Id") ||
		subtle.ConstantTimeCompare([]byte(form.Get("client_secret")), []byte(s.secret)) != 1 {
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "client_id or client_secret is wrong")
		return
	}
	scopes := strings.Fields(form.Get("scope"))
	for _, sc := range scopes {
		if !knownScopes[sc] {
			s.problem(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("unknown scope %q", sc))
			return
		}
	}
	slices.Sort(scopes)
	access := randomString(32)
	s.mu.Lock()
	s.tokens[access] = token{clientID: s.clientID, scopes: scopes, expires: s.cfg.Now().Add(s.cfg.TokenTTL)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "expires_in": int(s.cfg.TokenTTL / time.Second), "token_type": "bearer", "scope": strings.Join(scopes, " "),
	})
}

// RevokeTokens makes every issued token unknown, as after a credential
// rotation: the next call with one gets 401.
func (s *Sandbox) RevokeTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}
