package sandbox

import (
	"crypto"
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/upvest-go/upvest/internal/httpsig"
	"github.com/upvest-go/upvest/internal/routes"
)

// auth holds what admits a call: the tenant's credentials and uploaded
// public keys, the tokens issued, and the nonces seen. It owns its lock.
// Tokens and nonces expire by the sandbox's clock and are swept, so what it
// remembers is bounded by the call rate, not by the run's length.
type auth struct {
	clientID, secret string
	cfg              Config

	mu      sync.Mutex
	keys    map[string]crypto.PublicKey
	tokens  map[string]token
	nonces  map[string]time.Time // key id + nonce → when it can be forgotten
	sweepAt time.Time
}

type token struct {
	scopes  []string
	expires time.Time
}

func newAuth(cfg Config, clientID, secret string) *auth {
	return &auth{
		clientID: clientID, secret: secret, cfg: cfg,
		keys: map[string]crypto.PublicKey{}, tokens: map[string]token{}, nonces: map[string]time.Time{},
	}
}

// publishedScopes are the OAuth2 scopes Upvest's API reference lists: a
// token may be asked for any of them. The account-group operations need
// accounts:read or accounts:admin, the verification keys webhooks:read.
var publishedScopes = map[string]bool{
	"accounts:admin": true, "accounts:read": true, "checks:admin": true, "checks:read": true,
	"credit_fundings:read": true, "fees:admin": true, "fees:read": true, "instruments:read": true,
	"mandates:admin": true, "mandates:read": true, "orders:admin": true, "orders:read": true,
	"payments:admin": true, "payments:read": true, "portfolios:admin": true, "portfolios:read": true,
	"positions:read": true, "reference_accounts:admin": true, "reference_accounts:read": true,
	"reports:read": true, "taxes:admin": true, "taxes:read": true, "topups:admin": true, "topups:read": true,
	"transactions:read": true, "users:admin": true, "users:read": true, "valuations:read": true,
	"webhooks:admin": true, "webhooks:read": true,
}

func (a *auth) addKey(keyID string, pub crypto.PublicKey) {
	a.mu.Lock()
	a.keys[keyID] = pub
	a.mu.Unlock()
}

func (a *auth) key(keyID string) (any, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	k, ok := a.keys[keyID]
	if !ok {
		return nil, errors.New("no public key uploaded under this id")
	}
	return k, nil
}

// sweepLocked forgets expired nonces and tokens, at most every sweepEvery.
func (a *auth) sweepLocked(now time.Time) {
	if now.Before(a.sweepAt) {
		return
	}
	a.sweepAt = now.Add(sweepEvery)
	for k, until := range a.nonces {
		if now.After(until) {
			delete(a.nonces, k)
		}
	}
	for k, t := range a.tokens {
		if now.After(t.expires.Add(expiredTokenMemory)) {
			delete(a.tokens, k)
		}
	}
}

// useNonce records nonce as used until until and reports whether it was new.
func (a *auth) useNonce(nonce string, until, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sweepLocked(now)
	if t, seen := a.nonces[nonce]; seen && !now.After(t) {
		return false
	}
	a.nonces[nonce] = until
	return true
}

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

// AddClientKey registers the public half of a client signing key (ECDSA
// P-521 or Ed25519) under keyID.
func (s *Sandbox) AddClientKey(keyID string, pub crypto.PublicKey) { s.auth.addKey(keyID, pub) }

// admit runs every check of a call before its operation, answering the
// refusal itself. Each check is one the API document or Upvest's published
// rules make (see the package documentation).
func (s *Sandbox) admit(w http.ResponseWriter, r *http.Request, body []byte, route *routes.Route) bool {
	if !s.checkHeaders(w, r) || !s.verifySignature(w, r, body) {
		return false
	}
	if !route.Secured() {
		return true // the token exchange; RequestToken checks the rest
	}
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "authorization header must be \"Bearer <token>\" from POST /auth/token")
		return false
	}
	tok, known := s.auth.token(raw)
	switch {
	case !known:
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", fmt.Sprintf("bearer token unknown, revoked, or expired more than %s ago", expiredTokenMemory))
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

// checkHeaders checks upvest-client-id, upvest-api-version, accept and
// upvest-signature-version, answering the refusal itself.
func (s *Sandbox) checkHeaders(w http.ResponseWriter, r *http.Request) bool {
	apiVersion := r.Header.Values("Upvest-Api-Version")
	switch id := r.Header.Get("Upvest-Client-Id"); {
	case id == "":
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "upvest-client-id header missing: send the tenant client id on every call")
	case id != s.auth.clientID:
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", fmt.Sprintf("upvest-client-id %q is not a known client", id))
	case len(apiVersion) > 0 && (len(apiVersion) > 1 || apiVersion[0] != "1"):
		// Optional, default 1: only another value is refused.
		s.problem(w, r, http.StatusNotAcceptable, "not_acceptable", fmt.Sprintf("upvest-api-version must be 1 (no quotes) or absent, got %q", strings.Join(apiVersion, ", ")))
	case !acceptsJSON(r.Header.Values("Accept")):
		s.problem(w, r, http.StatusNotAcceptable, "not_acceptable", fmt.Sprintf("accept %q does not allow application/json", r.Header.Get("Accept")))
	case r.Header.Get("Upvest-Signature-Version") == "":
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "upvest-signature-version header missing: without it Upvest verifies by its default, the v6 rules, which this sandbox does not; sign by the v15 rules and send upvest-signature-version: 15")
	case r.Header.Get("Upvest-Signature-Version") != "15":
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", fmt.Sprintf("upvest-signature-version must be 15, got %q", r.Header.Get("Upvest-Signature-Version")))
	default:
		return true
	}
	return false
}

// acceptsJSON reports whether an accept header (absent, or any of its
// values) allows a JSON answer.
func acceptsJSON(values []string) bool {
	joined := strings.Join(values, ",")
	if strings.TrimSpace(joined) == "" {
		return true
	}
	for _, part := range strings.Split(joined, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && (mt == "application/json" || mt == "application/*" || mt == "*/*" || mt == "application/problem+json") {
			return true
		}
	}
	return false
}

// verifySignature checks the v15 signature with internal/httpsig, then
// its validity (at most MaxSignatureValidity) and its nonce, answering the
// refusal itself.
func (s *Sandbox) verifySignature(w http.ResponseWriter, r *http.Request, body []byte) bool {
	required := []string{"@method", "@path", "upvest-client-id"}
	if r.URL.RawQuery != "" {
		required = append(required, "@query")
	}
	if len(body) > 0 {
		required = append(required, "content-type", "content-length", "content-digest")
	}
	now := s.cfg.Now()
	in, err := httpsig.VerifyRequest(r, body, &httpsig.Verification{
		Style:             httpsig.V15,
		Key:               s.auth.key,
		Required:          required,
		RequiredIfPresent: []string{"accept", "authorization", "idempotency-key"},
		Now:               now,
		Skew:              s.cfg.SignatureSkew,
		MaxAge:            s.cfg.MaxSignatureAge,
	})
	if err != nil {
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "signature: "+err.Error())
		return false
	}
	if validity := time.Duration(in.Expires-in.Created) * time.Second; validity > MaxSignatureValidity {
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", fmt.Sprintf(
			"signature: valid for too long: expires - created is %s, the sandbox accepts at most %s (Upvest asks for short validities; its own signers use 5 to 60 s)",
			validity, MaxSignatureValidity))
		return false
	}
	if in.Nonce == "" {
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "signature: "+httpsig.ErrNoNonce.Error()+": signature-input needs a nonce")
		return false
	}
	// The nonce is remembered while the signature could still be accepted.
	until := time.Unix(min(in.Expires, in.Created+int64(s.cfg.MaxSignatureAge/time.Second)), 0).Add(s.cfg.SignatureSkew)
	if !s.auth.useNonce(in.KeyID+"\x00"+in.Nonce, until, now) {
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", fmt.Sprintf("signature: %v: nonce %q was already used by key %q", httpsig.ErrReplay, in.Nonce, in.KeyID))
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
		if !publishedScopes[sc] {
			s.problem(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("unknown scope %q (not one Upvest publishes)", sc))
			return
		}
	}
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	access := s.auth.issue(scopes, s.cfg.Now())
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "expires_in": int(s.cfg.TokenTTL / time.Second), "token_type": "bearer", "scope": strings.Join(scopes, " "),
	})
}
