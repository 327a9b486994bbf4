package contracttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// errNoBearer is authenticate's message for a request without a bearer
// token.
const errNoBearer = "no bearer token"

// authenticate checks that a bearer token is there and, for a token this
// Validator saw issued, that it holds the scopes of the requirement.
func (v *Validator) authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	scheme := in.SecurityScheme
	if scheme == nil || scheme.Type != "oauth2" && !(scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "bearer")) {
		return fmt.Errorf("security scheme %q is not supported by this validator", in.SecuritySchemeName)
	}
	auth := in.RequestValidationInput.Request.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return errors.New(errNoBearer)
	}
	scopes, known := v.tokens.scopes(token)
	if !known {
		if v.issued {
			return errors.New("bearer token was not issued by the token endpoint through this validator")
		}
		return nil
	}
	for _, need := range in.Scopes {
		if !slices.Contains(scopes, need) {
			return fmt.Errorf("bearer token lacks scope %s", need)
		}
	}
	return nil
}

// tokenBook holds the access tokens a Validator saw the token endpoint
// issue, with their scopes. The zero tokenBook is empty and ready; it is
// safe for concurrent use.
type tokenBook struct {
	mu     sync.Mutex
	tokens map[string][]string
}

// maxTokens bounds a tokenBook: a long run forgets the oldest wholesale.
const maxTokens = 1 << 14

// learn remembers the access token of a token call's successful answer,
// with its scopes (the answer's, else the request's).
func (b *tokenBook) learn(reqBody, respBody []byte) {
	var tok struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	if json.Unmarshal(respBody, &tok) != nil || tok.AccessToken == "" {
		return
	}
	scope := tok.Scope
	if scope == "" {
		if form, err := url.ParseQuery(string(reqBody)); err == nil {
			scope = form.Get("scope")
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens == nil {
		b.tokens = map[string][]string{}
	}
	if len(b.tokens) >= maxTokens {
		clear(b.tokens)
	}
	b.tokens[tok.AccessToken] = strings.Fields(scope)
}

// scopes returns the scopes of token and whether it was seen issued.
func (b *tokenBook) scopes(token string) ([]string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.tokens[token]
	return s, ok
}
