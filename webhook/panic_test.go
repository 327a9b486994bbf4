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
