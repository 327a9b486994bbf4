package upvest

import (
	"github.com/google/uuid"

	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/upvest-go/upvest/internal/fakeclock"
)

func internalClient(t *testing.T, handle http.HandlerFunc, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/token" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"access_token":"t","expires_in":600,"token_type":"bearer"}`)
			return
		}
		handle(w, r)
	}))
	t.Cleanup(srv.Close)
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	c, err := New(Config{BaseURL: srv.URL, ClientID: "c", ClientSecret: "s", KeyID: "k",
		PrivateKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRetryAfterHonouredAndCapped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header string
		want         time.Duration
	}{
		{"seconds", "3", 3 * time.Second},
		{"capped", "3600", 10 * time.Second},
		{"http date", fakeclock.Epoch.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second},
		{"seconds that overflow a Duration", "9223372037", 10 * time.Second},
		{"more seconds than int64", "99999999999999999999999", 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			rec := fakeclock.New()
			c := internalClient(t, func(w http.ResponseWriter, r *http.Request) {
				if n++; n == 1 {
					w.Header().Set("Retry-After", tt.header)
					w.Header().Set("Content-Type", "application/problem+json")
					w.WriteHeader(429)
					io.WriteString(w, `{"type":"too_many_requests","status":429}`)
					return
				}
				w.WriteHeader(202)
			}, WithClock(rec), WithRetryPolicy(RetryPolicy{MaxRetryAfter: 10 * time.Second}))
			if err := c.CloseAccountGroup(context.Background(), someGroup); err != nil {
				t.Fatal(err)
			}
			if len(rec.Waits()) != 1 {
				t.Fatalf("waits %v", rec.Waits())
			}
			if rec.Waits()[0] != tt.want {
				t.Fatalf("waited %v, want %v", rec.Waits()[0], tt.want)
			}
		})
	}
}

// A Retry-After that is a date in the past, zero or garbage falls back to
// the normal back-off (never an immediate retry storm).
func TestRetryAfterInThePastFallsBack(t *testing.T) {
	t.Parallel()
	for _, header := range []string{fakeclock.Epoch.Add(-time.Hour).Format(http.TimeFormat), "0", "-5", "soon"} {
		rec := fakeclock.New()
		n := 0
		c := internalClient(t, func(w http.ResponseWriter, r *http.Request) {
			if n++; n == 1 {
				w.Header().Set("Retry-After", header)
				w.WriteHeader(503)
				return
			}
			w.WriteHeader(202)
		}, WithClock(rec), WithRetryPolicy(RetryPolicy{BaseDelay: 400 * time.Millisecond, MaxDelay: 400 * time.Millisecond}))
		if err := c.CloseAccountGroup(context.Background(), someGroup); err != nil {
			t.Fatal(err)
		}
		// Full jitter draws from [0, 400 ms]; 0 itself is a 1 in 4e8 chance.
		if len(rec.Waits()) != 1 || rec.Waits()[0] <= 0 || rec.Waits()[0] > 400*time.Millisecond {
			t.Fatalf("Retry-After %q: waits %v, want one back-off in (0, 400 ms]", header, rec.Waits())
		}
	}
}

// Without Retry-After, waits are full-jitter exponential: each within
// [0, min(MaxDelay, Base·2^n)].
func TestBackoffIsBoundedExponential(t *testing.T) {
	t.Parallel()
	rec := fakeclock.New()
	attempts := 0
	c := internalClient(t, func(w http.ResponseWriter, r *http.Request) {
		attempts++
		w.WriteHeader(503)
	}, WithClock(rec), WithRetryPolicy(RetryPolicy{MaxAttempts: 6, BaseDelay: 100 * time.Millisecond, MaxDelay: 400 * time.Millisecond}))
	_, err := c.GetAccountGroup(context.Background(), someGroup)
	if err == nil || attempts != 6 || len(rec.Waits()) != 5 {
		t.Fatalf("err %v, %d attempts, waits %v", err, attempts, rec.Waits())
	}
	ceilings := []time.Duration{100, 200, 400, 400, 400}
	for i, w := range rec.Waits() {
		if w < 0 || w > ceilings[i]*time.Millisecond {
			t.Fatalf("wait %d = %v over %v", i, w, ceilings[i]*time.Millisecond)
		}
	}
}

// The budget stops retries that would end after it.
func TestRetryBudget(t *testing.T) {
	t.Parallel()
	rec := fakeclock.New()
	attempts := 0
	c := internalClient(t, func(w http.ResponseWriter, r *http.Request) {
		attempts++
		w.Header().Set("Retry-After", "20")
		w.WriteHeader(503)
	}, WithClock(rec), WithRetryPolicy(RetryPolicy{MaxAttempts: 10, MaxRetryAfter: time.Minute, Budget: 30 * time.Second}))
	_, err := c.ListAccountGroups(context.Background(), nil)
	if err == nil || attempts != 2 {
		t.Fatalf("err %v after %d attempts, want the budget to stop after 2", err, attempts)
	}
}

// someGroup is the id the internal tests ask for.
var someGroup = uuid.MustParse("9d95820d-4333-46b6-98de-04ab7512e76f")
