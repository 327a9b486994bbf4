package sandbox

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/webhook"
)

// ErrClosed is returned by Subscription.WaitDelivered when the sandbox is
// closed before the deliveries it waits for are made.
var ErrClosed = errors.New("sandbox: closed")

// upvestBackoff is Upvest's webhook retry schedule, in seconds.
var upvestBackoff = []time.Duration{1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 600}

// hooks delivers events to subscribers, each in its own goroutine, bundling
// what is pending into one signed delivery and retrying it until a 200.
type hooks struct {
	key     *ecdsa.PrivateKey
	keyID   string
	signer  *webhook.TestSigner
	backoff []time.Duration
	client  *http.Client
	ctx     context.Context
	cancel  context.CancelFunc

	mu      sync.Mutex
	subs    []*Subscription
	stopped bool
	wg      sync.WaitGroup
}

func newHooks(cfg Config) (*hooks, error) {
	k, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		return nil, err
	}
	h := &hooks{key: k, keyID: uuid.NewString(), backoff: cfg.WebhookRetry, client: &http.Client{Timeout: 10 * time.Second}}
	h.signer = &webhook.TestSigner{Key: k, KeyID: h.keyID, Now: cfg.Now}
	if h.backoff == nil {
		for _, d := range upvestBackoff {
			h.backoff = append(h.backoff, d*time.Second)
		}
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h, nil
}

// jwk is the JSON Web Key of an ECDSA P-521 public key under kid, as
// GET /auth/verify_keys serves it: coordinates as unpadded base64url of
// 66-byte integers.
func jwk(kid string, pub *ecdsa.PublicKey) gen.JWK {
	b, _ := pub.Bytes() // 0x04, then X and Y of 66 bytes each
	n := (len(b) - 1) / 2
	enc := base64.RawURLEncoding.EncodeToString
	return gen.JWK{Kid: kid, Kty: gen.JWKKtyEC, Crv: gen.JWKCrvP521, X: enc(b[1 : 1+n]), Y: enc(b[1+n:])}
}

// jwks is the key set that verifies deliveries.
func (h *hooks) jwks() gen.JWKS { return gen.JWKS{Keys: []gen.JWK{jwk(h.keyID, &h.key.PublicKey)}} }

func (a *api) GetWebhookVerifyKeys(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.s.hooks.jwks())
}

// WebhookKeyID returns the kid of the key that signs deliveries; the key is
// served at GET /auth/verify_keys.
func (s *Sandbox) WebhookKeyID() string { return s.hooks.keyID }

// WebhookJWKS returns the JWKS of the delivery signing key, as served at
// GET /auth/verify_keys.
func (s *Sandbox) WebhookJWKS() []byte {
	b, _ := json.Marshal(s.hooks.jwks())
	return b
}

// Subscription is a webhook subscription: every account-group event from
// its start is delivered to its URL, signed as Upvest signs (v6, ECDSA
// P-521), bundled with the other pending events and retried until answered
// 200. It is safe for concurrent use.
type Subscription struct {
	h    *hooks
	url  string
	id   string
	wake chan struct{}

	mu        sync.Mutex
	pending   []gen.AccountGroupEvent
	delivered int
	attempts  int
	changed   chan struct{} // closed, then replaced, after each delivery
}

// DeliveryStats counts a subscription's deliveries.
type DeliveryStats struct {
	// Delivered is the number of events delivered (in deliveries answered
	// 200).
	Delivered int
	// Attempts is the number of deliveries posted, answered 200 or not.
	Attempts int
	// Pending is the number of events not delivered yet.
	Pending int
}

// WebhookStats is the delivery counts of every subscription, by subscriber
// URL (subscriptions to one URL are added up).
type WebhookStats map[string]DeliveryStats

// Subscribe registers url to receive every account-group event from now on.
// On a closed sandbox the subscription receives nothing.
func (s *Sandbox) Subscribe(url string) *Subscription {
	h := s.hooks
	sub := &Subscription{h: h, url: url, id: uuid.NewString(), wake: make(chan struct{}, 1), changed: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return sub
	}
	h.subs = append(h.subs, sub)
	h.wg.Add(1)
	go h.run(sub)
	return sub
}

// ID returns the subscription's webhook_id, which its events carry.
func (sub *Subscription) ID() string { return sub.id }

// URL returns the URL deliveries are posted to.
func (sub *Subscription) URL() string { return sub.url }

// Stats returns the subscription's delivery counts.
func (sub *Subscription) Stats() DeliveryStats {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return DeliveryStats{Delivered: sub.delivered, Attempts: sub.attempts, Pending: len(sub.pending)}
}

// WaitDelivered blocks until at least n events have been delivered to the
// subscription (answered 200), ctx ends, or the sandbox closes; it does not
// poll. Its error says how far the deliveries got and wraps ctx's error or
// ErrClosed.
func (sub *Subscription) WaitDelivered(ctx context.Context, n int) error {
	for {
		sub.mu.Lock()
		st := DeliveryStats{Delivered: sub.delivered, Attempts: sub.attempts, Pending: len(sub.pending)}
		changed := sub.changed
		sub.mu.Unlock()
		if st.Delivered >= n {
			return nil
		}
		var cause error
		select {
		case <-changed:
			continue
		case <-ctx.Done():
			cause = ctx.Err()
		case <-sub.h.ctx.Done():
			cause = ErrClosed
		}
		return fmt.Errorf("sandbox: %d of %d events delivered to %s (%d attempts, %d pending): %w", st.Delivered, n, sub.url, st.Attempts, st.Pending, cause)
	}
}

// WebhookStats returns every subscription's delivery counts by URL.
func (s *Sandbox) WebhookStats() WebhookStats {
	h := s.hooks
	h.mu.Lock()
	subs := slices.Clone(h.subs)
	h.mu.Unlock()
	out := WebhookStats{}
	for _, sub := range subs {
		st, sum := sub.Stats(), out[sub.url]
		out[sub.url] = DeliveryStats{Delivered: sum.Delivered + st.Delivered, Attempts: sum.Attempts + st.Attempts, Pending: sum.Pending + st.Pending}
	}
	return out
}

func (h *hooks) emit(typ gen.AccountGroupEventType, g gen.AccountGroup, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, sub := range h.subs {
		ev := gen.AccountGroupEvent{
			ID: uuid.New(), CreatedAt: at.UTC(), Type: typ,
			Object: g, WebhookID: uuid.MustParse(sub.id),
		}
		sub.mu.Lock()
		sub.pending = append(sub.pending, ev)
		sub.mu.Unlock()
		select {
		case sub.wake <- struct{}{}:
		default:
		}
	}
}

func (h *hooks) run(sub *Subscription) {
	defer h.wg.Done()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-sub.wake:
		}
		for {
			sub.mu.Lock()
			batch := slices.Clone(sub.pending)
			sub.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			slices.SortStableFunc(batch, func(a, b gen.AccountGroupEvent) int { return a.CreatedAt.Compare(b.CreatedAt) })
			if !h.deliver(sub, batch) {
				return
			}
			sub.mu.Lock()
			sub.pending = slices.Delete(sub.pending, 0, len(batch))
			sub.delivered += len(batch)
			close(sub.changed)
			sub.changed = make(chan struct{})
			sub.mu.Unlock()
		}
	}
}

// deliver posts batch until a 200; false when the sandbox closed first.
func (h *hooks) deliver(sub *Subscription, batch []gen.AccountGroupEvent) bool {
	body, _ := json.Marshal(map[string]any{"payload": batch})
	for attempt := 0; ; attempt++ {
		sub.mu.Lock()
		sub.attempts++
		sub.mu.Unlock()
		if h.post(sub.url, body) {
			return true
		}
		t := time.NewTimer(h.backoff[min(attempt, len(h.backoff)-1)])
		select {
		case <-h.ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
}

func (h *hooks) post(url string, body []byte) bool {
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	if err := h.signer.Sign(req, body); err != nil {
		return false
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (h *hooks) close() {
	h.mu.Lock()
	h.stopped = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
}
