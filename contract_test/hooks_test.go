package contracttest_test

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	contracttest "github.com/upvest-go/upvest/contract_test"
	"github.com/upvest-go/upvest/webhook"
)

// hookValidator receives the sandbox's deliveries, verifies them and checks
// the body against WebhookEnvelope and each event against AccountGroupEvent.
type hookValidator struct {
	url  string
	mu   sync.Mutex
	n    int
	errs []error
}

func newHookValidator(t *testing.T, w *world) *hookValidator {
	h := &hookValidator{}
	verifier := &webhook.Verifier{Keys: webhook.StaticKeys(mustKeys(w.sb.WebhookJWKS()))}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _, err := verifier.Verify(r)
		var errs []error
		if err != nil {
			errs = append(errs, err)
		} else {
			errs = append(errs, findings(w.v.CheckSchema("WebhookEnvelope", body))...)
			var doc struct {
				Payload []json.RawMessage `json:"payload"`
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				errs = append(errs, err)
			}
			for _, ev := range doc.Payload {
				errs = append(errs, findings(w.v.CheckSchema("AccountGroupEvent", ev))...)
			}
		}
		h.mu.Lock()
		h.n++
		h.errs = append(h.errs, errs...)
		h.mu.Unlock()
		rw.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/hooks"
	return h
}

// findings turns CheckSchema's answer into errors.
func findings(fs []contracttest.Finding, err error) []error {
	if err != nil {
		return []error{err}
	}
	var out []error
	for _, f := range fs {
		out = append(out, errors.New(f.String()))
	}
	return out
}

func (h *hookValidator) check(t *testing.T) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mu.Lock()
		n, errs := h.n, append([]error(nil), h.errs...)
		h.mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			if n == 0 {
				t.Fatal("no webhook delivery arrived")
			}
			for _, err := range errs {
				t.Errorf("webhook delivery: %v", err)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mustKeys(jwks []byte) map[string]*ecdsa.PublicKey {
	keys, err := webhook.ParseJWKS(jwks)
	if err != nil {
		panic(err)
	}
	return keys
}
