package sandbox

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/webhook"
)

// upvestBackoff is Upvest's webhook retry schedule.
var upvestBackoff = []time.Duration{1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 600}

// hooks delivers events to subscribers, each in its own goroutine, bundling
// what is pending into one signed delivery and retrying it until a 200.
type hooks struct {
	key     *ecdsa.PrivateKey
	keyID   string
	signer  *webhook.TestSigner
	backoff []time.Duration
	client  *http.Client

	mu      sync.Mutex
	subs    []*subscriber
	stopped bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

type subscriber struct {
	url       string
	webhookID string
	wake      chan struct{}
	mu        sync.Mutex
	pending   []gen.AccountGroupEvent
	delivered int
	attempts  int
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

func (h *hooks) pub() *ecdsa.PublicKey { return &h.key.PublicKey }

// Subscribe registers url to receive every account-group event from now on,
// as signed deliveries. It returns the subscription's webhook_id.
func (s *Sandbox) Subscribe(url string) string {
	h := s.hooks
	sub := &subscriber{url: url, webhookID: uuid.NewString(), wake: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return sub.webhookID
	}
	h.subs = append(h.subs, sub)
	h.wg.Add(1)
	go h.run(sub)
	return sub.webhookID
}

// WebhookKeyID returns the kid of the key that signs deliveries; the key is
// served at GET /auth/verify_keys.
func (s *Sandbox) WebhookKeyID() string { return s.hooks.keyID }

// WebhookJWKS returns the JWKS of the delivery signing key, as served at
// GET /auth/verify_keys.
func (s *Sandbox) WebhookJWKS() []byte {
	b, _ := json.Marshal(gen.JWKS{Keys: []gen.JWK{webhook.JWK(s.hooks.keyID, s.hooks.pub())}})
	return b
}

// WebhookStats reports, per subscriber URL, how many events were delivered
// and how many delivery attempts were made.
func (s *Sandbox) WebhookStats() map[string][2]int {
	h := s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][2]int{}
	for _, sub := range h.subs {
		sub.mu.Lock()
		out[sub.url] = [2]int{sub.delivered, sub.attempts}
		sub.mu.Unlock()
	}
	return out
}

func (h *hooks) emit(typ string, g gen.AccountGroup, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, sub := range h.subs {
		ev := gen.AccountGroupEvent{
			Id: uuid.New(), CreatedAt: at.UTC(), Type: gen.AccountGroupEventType(typ),
			Object: g, WebhookId: uuid.MustParse(sub.webhookID),
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

func (h *hooks) run(sub *subscriber) {
	defer h.wg.Done()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-sub.wake:
		}
		for {
			sub.mu.Lock()
			batch := append([]gen.AccountGroupEvent(nil), sub.pending...)
			sub.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			sort.SliceStable(batch, func(i, j int) bool { return batch[i].CreatedAt.Before(batch[j].CreatedAt) })
			if !h.deliver(sub, batch) {
				return
			}
			sub.mu.Lock()
			sub.pending = sub.pending[len(batch):]
			sub.delivered += len(batch)
			sub.mu.Unlock()
		}
	}
}

// deliver posts batch until a 200; false when the sandbox closed first.
func (h *hooks) deliver(sub *subscriber, batch []gen.AccountGroupEvent) bool {
	body, _ := json.Marshal(map[string]any{"payload": batch})
	for attempt := 0; ; attempt++ {
		sub.mu.Lock()
		sub.attempts++
		sub.mu.Unlock()
		if h.post(sub.url, body) {
			return true
		}
		wait := h.backoff[min(attempt, len(h.backoff)-1)]
		select {
		case <-h.ctx.Done():
			return false
		case <-time.After(wait):
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
