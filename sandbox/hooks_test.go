package sandbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/upvest-go/upvest/sandbox"
	"github.com/upvest-go/upvest/webhook"
)

// Deliveries are signed (v6, P-521, keys from /auth/verify_keys), bundle
// what is pending in created_at order, and are retried until a 200.
func TestWebhookDeliveries(t *testing.T) {
	r := newRig(t, sandbox.Config{ApprovalDelay: -1, ClosingDelay: -1, WebhookRetry: []time.Duration{5 * time.Millisecond}})
	keys, err := webhook.ParseJWKS(r.sb.WebhookJWKS())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var types []string
	var failures, posts int
	var refusals []error
	h := webhook.NewHandler(&webhook.Verifier{Keys: webhook.StaticKeys(keys)},
		webhook.OnAccountGroupEvent(func(_ context.Context, e webhook.AccountGroupEvent) error {
			types = append(types, string(e.Type)+" "+string(e.Object.Status))
			return nil
		}),
		webhook.OnRefusal(func(_ *http.Request, err error) { refusals = append(refusals, err) }))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		posts++
		if failures < 2 { // the receiver is down for the first two deliveries
			failures++
			w.WriteHeader(503)
			return
		}
		h.ServeHTTP(w, req)
	}))
	defer srv.Close()
	r.sb.Subscribe(srv.URL + "/hooks")

	status, _ := r.do(t, context.Background(), "POST", "/account_groups", `{"user_id":"`+r.user+`","type":"PERSONAL"}`)
	if status != 200 {
		t.Fatalf("create: %d", status)
	}
	groups := r.sb.AccountGroups()
	id := groups[0].Id.String()
	r.sb.Activate(id)
	r.sb.Lock(id)
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(types)
		mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events %v after %d posts (refusals %v)", types, posts, refusals)
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"ACCOUNT_GROUP.CREATED PENDING_APPROVAL", "ACCOUNT_GROUP.ACTIVATED ACTIVE", "ACCOUNT_GROUP.LOCKED LOCKED"}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events %v, want %v", types, want)
		}
	}
	if len(refusals) != 0 || posts < 3 {
		t.Fatalf("%d posts, refusals %v", posts, refusals)
	}
	mu.Unlock()
	for r.sb.WebhookStats()[srv.URL+"/hooks"][0] != 3 { // counted once the 200 is read
		if time.Now().After(deadline) {
			t.Fatalf("stats %v", r.sb.WebhookStats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	if stats := r.sb.WebhookStats()[srv.URL+"/hooks"]; stats[1] != posts {
		t.Fatalf("stats %v, posts %d", stats, posts)
	}
}

// A subscription to a URL with no path (sb.Subscribe(srv.URL)) is delivered
// to "/" and signed for "/", so it verifies at the first attempt.
func TestWebhookDeliveryToURLWithoutPath(t *testing.T) {
	r := newRig(t, sandbox.Config{ApprovalDelay: -1, ClosingDelay: -1, WebhookRetry: []time.Duration{5 * time.Millisecond}})
	keys, err := webhook.ParseJWKS(r.sb.WebhookJWKS())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var handled int
	var refusals []error
	h := webhook.NewHandler(&webhook.Verifier{Keys: webhook.StaticKeys(keys)},
		webhook.OnAccountGroupEvent(func(context.Context, webhook.AccountGroupEvent) error {
			mu.Lock()
			defer mu.Unlock()
			handled++
			return nil
		}),
		webhook.OnRefusal(func(_ *http.Request, err error) {
			mu.Lock()
			defer mu.Unlock()
			refusals = append(refusals, err)
		}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	r.sb.Subscribe(srv.URL)
	if status, _ := r.do(t, context.Background(), "POST", "/account_groups", `{"user_id":"`+r.user+`","type":"PERSONAL"}`); status != 200 {
		t.Fatalf("create: %d", status)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n, refused := handled, append([]error(nil), refusals...)
		mu.Unlock()
		if len(refused) > 0 {
			t.Fatalf("delivery refused: %v", refused)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery (stats %v)", r.sb.WebhookStats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
