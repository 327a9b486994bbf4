package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/sandbox"
	"github.com/upvest-go/upvest/webhook"
)

// Deliveries are signed (v6, P-521, keys from /auth/verify_keys), bundle
// what is pending in created_at order, and are retried until a 200.
func TestWebhookDeliveries(t *testing.T) {
	t.Parallel()
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
	sub := r.sb.Subscribe(srv.URL + "/hooks")

	status, _ := r.do(t, context.Background(), "POST", "/account_groups", `{"user_id":"`+r.user.String()+`","type":"PERSONAL"}`)
	if status != 200 {
		t.Fatalf("create: %d", status)
	}
	groups := r.sb.AccountGroups()
	id := groups[0].ID
	r.sb.Activate(id)
	r.sb.Lock(id)
	ctx, cancel := context.WithTimeout(context.Background(), failsafe)
	defer cancel()
	if err := sub.WaitDelivered(ctx, 3); err != nil { // counted once the 200 is read
		t.Fatalf("%v (events %v, refusals %v)", err, types, refusals)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"ACCOUNT_GROUP.CREATED PENDING_APPROVAL", "ACCOUNT_GROUP.ACTIVATED ACTIVE", "ACCOUNT_GROUP.LOCKED LOCKED"}
	if len(types) != len(want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events %v, want %v", types, want)
		}
	}
	if len(refusals) != 0 || posts < 3 {
		t.Fatalf("%d posts, refusals %v", posts, refusals)
	}
	stats := r.sb.WebhookStats()[srv.URL+"/hooks"]
	if stats != (sandbox.DeliveryStats{Delivered: 3, Attempts: posts}) || sub.Stats() != stats {
		t.Fatalf("stats %+v, subscription's %+v, posts %d", stats, sub.Stats(), posts)
	}
}

// A subscription to a URL with no path (sb.Subscribe(srv.URL)) is delivered
// to "/" and signed for "/", so it verifies at the first attempt.
func TestWebhookDeliveryToURLWithoutPath(t *testing.T) {
	t.Parallel()
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
	sub := r.sb.Subscribe(srv.URL)
	if status, _ := r.do(t, context.Background(), "POST", "/account_groups", `{"user_id":"`+r.user.String()+`","type":"PERSONAL"}`); status != 200 {
		t.Fatalf("create: %d", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), failsafe)
	defer cancel()
	if err := sub.WaitDelivered(ctx, 1); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if handled != 1 || len(refusals) > 0 || sub.Stats().Attempts != 1 {
		t.Fatalf("handled %d, refusals %v, stats %+v", handled, refusals, sub.Stats())
	}
}

// WaitDelivered returns once the events are delivered; when the receiver
// keeps failing it ends with the context, saying how far it got; when the
// sandbox closes it ends with ErrClosed. Events carry the subscription's id.
func TestWaitDelivered(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Config{ApprovalDelay: -1, WebhookRetry: []time.Duration{5 * time.Millisecond}})
	keys, err := webhook.ParseJWKS(sb.WebhookJWKS())
	if err != nil {
		t.Fatal(err)
	}
	ids := make(chan string, 8)
	ok := httptest.NewServer(webhook.NewHandler(&webhook.Verifier{Keys: webhook.StaticKeys(keys)},
		webhook.OnAccountGroupEvent(func(_ context.Context, e webhook.AccountGroupEvent) error {
			ids <- e.WebhookID.String()
			return nil
		})))
	defer ok.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }))
	defer down.Close()
	good, bad := sb.Subscribe(ok.URL), sb.Subscribe(down.URL)
	if good.ID() == bad.ID() || good.URL() != ok.URL {
		t.Fatalf("subscriptions %q %q", good.ID(), bad.ID())
	}
	hc := newHand(t, sb, true)
	hc.mustToken("accounts:admin")
	user := sb.NewUser()
	for range 2 {
		if a := hc.create(user, uuid.NewString()); a.status != 200 {
			t.Fatalf("create: %s", a)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), failsafe)
	defer cancel()
	if err := good.WaitDelivered(ctx, 2); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if id := <-ids; id != good.ID() {
			t.Fatalf("event for webhook_id %s, want %s", id, good.ID())
		}
	}
	if st := good.Stats(); st.Delivered != 2 || st.Pending != 0 {
		t.Fatalf("stats %+v", st)
	}

	// The failing receiver has had a retry (at 5 ms) before the short wait.
	for deadline := time.Now().Add(failsafe); sb.WebhookStats()[down.URL].Attempts < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("no retry to the failing receiver after %s: %+v", failsafe, sb.WebhookStats()[down.URL])
		}
		time.Sleep(time.Millisecond) // polling counters the deliveries move on their own
	}
	short, cancelShort := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancelShort()
	err = bad.WaitDelivered(short, 1)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "0 of 1 events delivered to "+down.URL) {
		t.Fatalf("failing receiver: %v", err)
	}
	if st := sb.WebhookStats()[down.URL]; st.Delivered != 0 || st.Attempts < 2 || st.Pending != 2 {
		t.Fatalf("failing receiver's stats %+v", st)
	}

	done := make(chan error, 1)
	go func() { done <- bad.WaitDelivered(context.Background(), 1) }()
	sb.Close()
	select {
	case err := <-done:
		if !errors.Is(err, sandbox.ErrClosed) {
			t.Fatalf("after Close: %v", err)
		}
	case <-time.After(failsafe):
		t.Fatal("WaitDelivered did not return after Close")
	}
	if err := sb.Subscribe(ok.URL).WaitDelivered(context.Background(), 1); !errors.Is(err, sandbox.ErrClosed) {
		t.Fatalf("subscription on a closed sandbox: %v", err)
	}
}
