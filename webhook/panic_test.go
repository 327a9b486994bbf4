package webhook_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upvest-go/upvest/webhook"
)

// A callback that panics: the handler recovers, answers 500, reports a
// *webhook.PanicError through OnRefusal and forgets the delivery, so that
// Upvest's retry of it verifies and is handled. http.ErrAbortHandler still
// aborts the connection, and the delivery is forgotten as well.
func TestPanickingCallback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		value     any
		wantFirst int // 0: the connection is aborted
	}{
		{"panic", "boom", http.StatusInternalServerError},
		{"panic with an error", errors.New("nil map"), http.StatusInternalServerError},
		{"http.ErrAbortHandler", http.ErrAbortHandler, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			var mu sync.Mutex
			calls, handled := 0, 0
			var refused []error
			h := webhook.NewHandler(&webhook.Verifier{Keys: f.keys, Now: func() time.Time { return now }},
				webhook.OnAccountGroupEvent(func(context.Context, webhook.AccountGroupEvent) error {
					mu.Lock()
					calls++
					first := calls == 1
					mu.Unlock()
					if first {
						panic(tc.value)
					}
					mu.Lock()
					handled++
					mu.Unlock()
					return nil
				}),
				webhook.OnRefusal(func(_ *http.Request, err error) {
					mu.Lock()
					defer mu.Unlock()
					refused = append(refused, err)
				}))
			srv := httptest.NewUnstartedServer(h)
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // net/http logs the panics it recovers
			srv.Start()
			defer srv.Close()
			req := must(f.signer.NewRequest(context.Background(), srv.URL+"/hooks", event("ACCOUNT_GROUP.CREATED")))
			body, _ := ioReadAll(req)
			send := func() (int, error) {
				r := req.Clone(context.Background())
				r.Body = io.NopCloser(strings.NewReader(string(body)))
				resp, err := srv.Client().Do(r)
				if err != nil {
					return 0, err
				}
				resp.Body.Close()
				return resp.StatusCode, nil
			}
			code, err := send()
			if code != tc.wantFirst || (code == 0) != (err != nil) {
				t.Fatalf("panicking callback: status %d, error %v; want status %d", code, err, tc.wantFirst)
			}
			mu.Lock()
			got := append([]error(nil), refused...)
			mu.Unlock()
			if tc.wantFirst != 0 {
				var pe *webhook.PanicError
				if len(got) != 1 || !errors.Is(got[0], webhook.ErrCallback) || !errors.As(got[0], &pe) || pe.Value != tc.value || len(pe.Stack) == 0 {
					t.Fatalf("refusals %v, want one *webhook.PanicError with %v", got, tc.value)
				}
				if err, ok := tc.value.(error); ok && !errors.Is(got[0], err) {
					t.Fatalf("%v does not wrap the panic's error", got[0])
				}
			}
			if code, err := send(); code != http.StatusOK {
				t.Fatalf("the retry: status %d, error %v, want 200 (refusals %v)", code, err, refused)
			}
			mu.Lock()
			defer mu.Unlock()
			if handled != 1 {
				t.Fatalf("handled %d times, want once", handled)
			}
		})
	}
}

// A hook that panics neither kills the process nor changes a delivery's
// answer: the panic is recovered and logged at error level, naming the
// hook. OnSkippedKey runs on the key fetch's goroutine and OnStoreError on
// the done-mark writer's, where an unrecovered panic ends the process.
func TestPanickingHooksAreRecovered(t *testing.T) {
	t.Parallel()
	t.Run("OnRefusal", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		sink, logger := newLogSink()
		h := webhook.NewHandler(&webhook.Verifier{Keys: f.keys}, webhook.WithLogger(logger),
			webhook.OnRefusal(func(*http.Request, error) { panic("refusal hook") }))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/hooks", strings.NewReader("{}")))
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", rec.Code)
		}
		sink.wait(t, "ERROR", "OnRefusal", "refusal hook")
	})
	t.Run("OnStoreError", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		sink, logger := newLogSink()
		store := &flakyStore{MemoryStore: webhook.NewMemoryStore(0)}
		store.failDone.Store(true)
		h := f.handler(f.keys, webhook.WithEventStore(store), webhook.WithLogger(logger),
			webhook.OnStoreError(func(error) { panic("store hook") }))
		req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d, want 200", rec.Code)
		}
		// The done mark is retried in the background, and fails again:
		// its report panics there.
		sink.waitN(t, 2, "ERROR", "OnStoreError", "store hook")
		store.failDone.Store(false)
	})
	t.Run("OnSkippedKey", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		sink, logger := newLogSink()
		doc := `{"keys":[{"kid":"ed","kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},` + string(mustJSON(jwkOf(f.kid, &f.key.PublicKey))) + `]}`
		keys := &webhook.RemoteKeys{Logger: logger,
			Fetch:        func(context.Context) ([]byte, error) { return []byte(doc), nil },
			OnSkippedKey: func(*webhook.SkippedKeyError) { panic("skipped-key hook") }}
		if k, err := keys.Key(context.Background(), f.kid); err != nil || !k.Equal(&f.key.PublicKey) {
			t.Fatalf("key: %v", err)
		}
		sink.wait(t, "ERROR", "OnSkippedKey", "skipped-key hook")
	})
}
