package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/webhook"
)

func TestHandler(t *testing.T) {
	t.Parallel()
	type result struct {
		status  int
		err     error
		groups  int
		unknown int
	}
	cases := []struct {
		name  string
		build func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource)
		want  result
	}{
		{"valid v6", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			return must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED"))), f.keys
		}, result{status: 200, groups: 1}},
		{"valid v15", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			s := *f.signer
			s.Version = 15
			return must(s.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.ACTIVATED"))), f.keys
		}, result{status: 200, groups: 1}},
		{"several events", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			return must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest",
				event("ACCOUNT_GROUP.CREATED"), event("ACCOUNT_GROUP.ACTIVATED"), event("ACCOUNT_GROUP.CLOSING_INITIATED"),
				event("ACCOUNT_GROUP.CLOSED"), event("ACCOUNT_GROUP.LOCKED"))), f.keys
		}, result{status: 200, groups: 5}},
		{"single bare event", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			b, _ := json.Marshal(event("ACCOUNT_GROUP.CREATED"))
			return must(f.signer.NewRequestWithBody(context.Background(), "https://hooks.example/upvest", b)), f.keys
		}, result{status: 200, groups: 1}},
		{"unknown event type", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			return must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest",
				event("ACCOUNT_GROUP.CREATED"), event("ACCOUNT_GROUP.MERGED"), event("ORDER.FILLED"))), f.keys
		}, result{status: 200, groups: 1, unknown: 2}},
		{"tampered body", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			b, _ := json.Marshal(map[string]any{"payload": []any{event("ACCOUNT_GROUP.CREATED")}})
			req := must(f.signer.NewRequestWithBody(context.Background(), "https://hooks.example/upvest", b))
			tampered := strings.Replace(string(b), "PERSONAL", "LEGAL_ENTITY", 1)
			req.Body = ioNop(tampered)
			req.ContentLength = int64(len(tampered))
			return req, f.keys
		}, result{status: 401, err: webhook.ErrDigest}},
		{"tampered body and digest", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			b, _ := json.Marshal(map[string]any{"payload": []any{event("ACCOUNT_GROUP.CREATED")}})
			req := must(f.signer.NewRequestWithBody(context.Background(), "https://hooks.example/upvest", b))
			tampered := strings.Replace(string(b), "PERSONAL", "LEGAL_ENTITY", 1)
			req.Body = ioNop(tampered)
			req.ContentLength = int64(len(tampered))
			other := &webhook.TestSigner{Key: f.signer.Key, KeyID: f.kid}
			probe, _ := http.NewRequest(http.MethodPost, "https://x/", nil)
			_ = other.Sign(probe, []byte(tampered))
			req.Header.Set("Digest", probe.Header.Get("Digest"))
			return req, f.keys
		}, result{status: 401, err: webhook.ErrBadSignature}},
		{"tampered header", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
			req.Header.Set("Content-Type", "application/json; charset=latin1")
			return req, f.keys
		}, result{status: 401, err: webhook.ErrBadSignature}},
		{"tampered path", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
			req.URL.Path = "/other"
			return req, f.keys
		}, result{status: 401, err: webhook.ErrBadSignature}},
		{"foreign key", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			other := newFixture(t)
			other.signer.KeyID = f.kid // claims our kid, signed with another key
			return must(other.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED"))), f.keys
		}, result{status: 401, err: webhook.ErrBadSignature}},
		{"unknown kid, refetch fails to find it", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			other := newFixture(t)
			keys := &webhook.RemoteKeys{Fetch: func(context.Context) ([]byte, error) {
				return jwks(f.kid, &f.key.PublicKey), nil
			}}
			return must(other.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED"))), keys
		}, result{status: 401, err: webhook.ErrUnknownKey}},
		{"unknown kid, refetch finds it", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			fetches := 0
			clock := now.Add(-2 * time.Minute)
			keys := &webhook.RemoteKeys{Fetch: func(context.Context) ([]byte, error) {
				fetches++
				if fetches == 1 {
					return jwks(uuid.NewString(), &newFixture(t).key.PublicKey), nil // before rotation
				}
				return jwks(f.kid, &f.key.PublicKey), nil
			}, Now: func() time.Time { return clock }}
			// Warm the cache with the old set; a second unknown kid within
			// the minute is refused without a fetch.
			for i := 0; i < 2; i++ {
				if _, err := keys.Key(context.Background(), "warm"); !errors.Is(err, webhook.ErrUnknownKey) {
					t.Fatal(err)
				}
			}
			if fetches != 1 {
				t.Fatalf("%d fetches within a minute, want 1", fetches)
			}
			clock = now
			return must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED"))), keys
		}, result{status: 200, groups: 1}},
		{"expired", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			s := *f.signer
			s.Now = func() time.Time { return now.Add(-20 * time.Minute) }
			return must(s.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED"))), f.keys
		}, result{status: 401, err: webhook.ErrExpired}},
		{"created too old", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			s := *f.signer
			s.Now = func() time.Time { return now.Add(-6 * time.Minute) }
			s.Validity = time.Hour
			return must(s.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED"))), f.keys
		}, result{status: 401, err: webhook.ErrTooOld}},
		{"future", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			s := *f.signer
			s.Now = func() time.Time { return now.Add(10 * time.Minute) }
			return must(s.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED"))), f.keys
		}, result{status: 401, err: webhook.ErrFuture}},
		{"unsigned", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
			req.Header.Del("Signature")
			req.Header.Del("Signature-Input")
			return req, f.keys
		}, result{status: 401, err: webhook.ErrUnsigned}},
		{"digest not covered", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
			req.Header.Set("Signature-Input", strings.Replace(req.Header.Get("Signature-Input"), ` "digest"`, "", 1))
			return req, f.keys
		}, result{status: 401, err: webhook.ErrNotCovered}},
		{"malformed signature-input", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
			req.Header.Set("Signature-Input", "sig1=(")
			return req, f.keys
		}, result{status: 401, err: webhook.ErrMalformedSignature}},
		{"malformed JSON", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			return must(f.signer.NewRequestWithBody(context.Background(), "https://hooks.example/upvest", []byte(`{"payload":[{"id":`))), f.keys
		}, result{status: 400, err: webhook.ErrMalformedBody}},
		{"event without object", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			ev := event("ACCOUNT_GROUP.CREATED")
			delete(ev, "object")
			return must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", ev)), f.keys
		}, result{status: 400, err: webhook.ErrMalformedBody}},
		{"oversize", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			evs := make([]any, 200)
			for i := range evs {
				evs[i] = event("ACCOUNT_GROUP.CREATED")
			}
			return must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", evs...)), f.keys
		}, result{status: 413, err: webhook.ErrTooLarge}},
		{"GET", func(t *testing.T, f *fixture) (*http.Request, webhook.KeySource) {
			req, _ := http.NewRequest(http.MethodGet, "https://hooks.example/upvest", nil)
			return req, f.keys
		}, result{status: 405, err: webhook.ErrMethod}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			req, keys := tc.build(t, f)
			rec := httptest.NewRecorder()
			f.handler(keys).ServeHTTP(rec, req)
			if rec.Code != tc.want.status {
				t.Fatalf("status %d, want %d (refusals: %v)", rec.Code, tc.want.status, f.refused)
			}
			if tc.want.err != nil {
				if len(f.refused) != 1 || !errors.Is(f.refused[0], tc.want.err) {
					t.Fatalf("refusals %v, want %v", f.refused, tc.want.err)
				}
			} else if len(f.refused) != 0 {
				t.Fatalf("refused: %v", f.refused)
			}
			if len(f.got) != tc.want.groups || len(f.unknown) != tc.want.unknown {
				t.Fatalf("handled %d group events and %d unknown, want %d and %d", len(f.got), len(f.unknown), tc.want.groups, tc.want.unknown)
			}
			for _, e := range f.got {
				if e.Object.ID == uuid.Nil || e.Object.SecuritiesAccountNumber != "123456789" || !e.Type.Valid() {
					t.Fatalf("event not typed: %+v", e)
				}
			}
		})
	}
}

func TestReplayIsRefusedAndFailedDeliveryIsNot(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
	body, _ := ioReadAll(req)
	fail := true
	v := &webhook.Verifier{Keys: f.keys, Now: func() time.Time { return now }}
	h := webhook.NewHandler(v, webhook.OnAccountGroupEvent(func(context.Context, webhook.AccountGroupEvent) error {
		if fail {
			return errors.New("database down")
		}
		return nil
	}))
	send := func() int {
		r := req.Clone(context.Background())
		r.Body = ioNop(string(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	if code := send(); code != 500 {
		t.Fatalf("failing callback: %d, want 500", code)
	}
	fail = false
	if code := send(); code != 200 {
		t.Fatalf("retry of a failed delivery: %d, want 200", code)
	}
	if code := send(); code != 401 {
		t.Fatalf("replay of a handled delivery: %d, want 401", code)
	}
}

func TestDedupe(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ev := event("ACCOUNT_GROUP.CREATED")
	h := f.handler(f.keys, webhook.WithDedupe(10))
	for i := 0; i < 3; i++ {
		req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", ev)) // new signature each time
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
	}
	if len(f.got) != 1 {
		t.Fatalf("handled %d times, want once", len(f.got))
	}
}
