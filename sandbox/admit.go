package sandbox

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/upvest-go/upvest/internal/httpsig"
	"github.com/upvest-go/upvest/internal/routes"
)

// admitHead runs the checks of a call that need no body, answering the
// refusal itself: the headers (client id, API version, accept, signature
// version), the presence of a signature, and for every operation but the
// token exchange the bearer token and its scopes. Anyone without
// credentials is refused here, before a byte of the body is read; the
// signature, which covers the body's digest, is verified once it is in
// (verifySignature), and the token request's credentials are in its body
// (RequestToken). Each check is one the API document or Upvest's published
// rules make (see the package documentation).
func (s *Sandbox) admitHead(w http.ResponseWriter, r *http.Request, route *routes.Route) bool {
	if !s.checkHeaders(w, r) {
		return false
	}
	if r.Header.Get("Signature") == "" || r.Header.Get("Signature-Input") == "" {
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "signature: "+httpsig.ErrUnsigned.Error()+": signature and signature-input headers are required")
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
	case !s.now().Before(tok.expires):
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
	now := s.now()
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
