package contract_test

import (
	"crypto/ecdsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

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
	envelope := w.v.doc.Components.Schemas["WebhookEnvelope"].Value
	event := w.v.doc.Components.Schemas["AccountGroupEvent"].Value
	verifier := &webhook.Verifier{Keys: webhook.StaticKeys(mustKeys(w.sb.WebhookJWKS()))}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _, err := verifier.Verify(r)
		var errs []error
		if err != nil {
			errs = append(errs, err)
		} else {
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); err != nil {
				errs = append(errs, err)
			} else if err := envelope.VisitJSON(doc, schemaOptions...); err != nil {
				errs = append(errs, err)
			} else {
				for _, ev := range doc["payload"].([]any) {
					if err := event.VisitJSON(ev, schemaOptions...); err != nil {
						errs = append(errs, err)
					}
				}
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
