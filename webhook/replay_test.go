package webhook_test

import (
	"context"
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/upvest-go/upvest/webhook"
)

// twin returns the other ECDSA signature of the same message: (r, N-s)
// verifies as well as (r, s), so a replay check keyed on signature bytes
// lets it through.
func twin(t *testing.T, header string) string {
	t.Helper()
	b64 := strings.TrimSuffix(strings.TrimPrefix(header, "sig1=:"), ":")
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		t.Fatal(err)
	}
	sig.S = new(big.Int).Sub(elliptic.P521().Params().N, sig.S)
	der, err = asn1.Marshal(sig)
	if err != nil {
		t.Fatal(err)
	}
	return "sig1=:" + base64.StdEncoding.EncodeToString(der) + ":"
}

// replayRig sends copies of one signed delivery to a Handler whose clock the
// test sets, and counts what the callback saw.
type replayRig struct {
	f       *fixture
	clock   time.Time
	h       *webhook.Handler
	body    []byte
	req     *http.Request
	handled int
	refused []error
}

func newReplayRig(t *testing.T, signer webhook.TestSigner, tolerance time.Duration) *replayRig {
	t.Helper()
	f := newFixture(t)
	signer.Key, signer.KeyID = f.signer.Key, f.signer.KeyID
	rr := &replayRig{f: f, clock: now}
	v := &webhook.Verifier{Keys: f.keys, Tolerance: tolerance, Now: func() time.Time { return rr.clock }}
	rr.h = webhook.NewHandler(v,
		webhook.OnAccountGroupEvent(func(context.Context, webhook.AccountGroupEvent) error { rr.handled++; return nil }),
		webhook.OnRefusal(func(_ *http.Request, err error) { rr.refused = append(rr.refused, err) }))
	rr.req = must(signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
	rr.body, _ = ioReadAll(rr.req)
	return rr
}

// send delivers a copy of the signed request, its signature header replaced
// when sig is not empty, and returns the status and the refusal, if any.
func (rr *replayRig) send(sig string) (int, error) {
	r := rr.req.Clone(context.Background())
	r.Body = ioNop(string(rr.body))
	if sig != "" {
		r.Header.Set("Signature", sig)
	}
	before := len(rr.refused)
	rec := httptest.NewRecorder()
	rr.h.ServeHTTP(rec, r)
	if len(rr.refused) > before {
		return rec.Code, rr.refused[len(rr.refused)-1]
	}
	return rec.Code, nil
}

// A captured delivery replayed with the twin of its ECDSA signature is
// refused: the replay check is keyed on what the signature covers.
func TestReplayWithTwinSignatureIsRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		signer webhook.TestSigner
	}{
		{"v6 without nonce", webhook.TestSigner{NoNonce: true}},
		{"v15 without nonce", webhook.TestSigner{NoNonce: true, Version: 15}},
		{"v6 with nonce", webhook.TestSigner{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.signer.Now = func() time.Time { return now }
			rr := newReplayRig(t, tc.signer, 0)
			if in := rr.req.Header.Get("Signature-Input"); strings.Contains(in, "nonce") == tc.signer.NoNonce {
				t.Fatalf("signature-input %q", in)
			}
			other := twin(t, rr.req.Header.Get("Signature"))
			// The twin verifies on its own: a fresh handler accepts it.
			fresh := *rr
			fresh.h = webhook.NewHandler(&webhook.Verifier{Keys: rr.f.keys, Now: func() time.Time { return now }})
			if code, _ := fresh.send(other); code != http.StatusOK {
				t.Fatalf("the twin alone: %d, want 200", code)
			}
			if code, err := rr.send(""); code != http.StatusOK {
				t.Fatalf("first delivery: %d %v", code, err)
			}
			if code, err := rr.send(other); code != http.StatusUnauthorized || !errors.Is(err, webhook.ErrReplay) {
				t.Fatalf("replay with the twin signature: %d %v, want 401 ErrReplay", code, err)
			}
			if code, err := rr.send(""); code != http.StatusUnauthorized || !errors.Is(err, webhook.ErrReplay) {
				t.Fatalf("plain replay: %d %v, want 401 ErrReplay", code, err)
			}
			if rr.handled != 1 {
				t.Fatalf("callback ran %d times, want once", rr.handled)
			}
		})
	}
}

// A delivery is remembered for as long as it can verify, tolerance included:
// at the last instant it verifies, its replay is refused as a replay; a
// second later it no longer verifies at all.
func TestReplayRememberedWhileTheDeliveryVerifies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		validity  time.Duration // expires - created, whole seconds
		tolerance time.Duration
		noNonce   bool
		after     error // the refusal once it no longer verifies
	}{
		{"expires = created, nonce-less", 500 * time.Millisecond, 2 * time.Second, true, webhook.ErrExpired},
		{"expires = created, with nonce", 500 * time.Millisecond, 2 * time.Second, false, webhook.ErrExpired},
		{"expires = created, default tolerance", 500 * time.Millisecond, 0, true, webhook.ErrExpired},
		{"5 min validity", 5 * time.Minute, 0, true, webhook.ErrTooOld},
		{"validity shorter than the tolerance", 10 * time.Second, time.Minute, false, webhook.ErrTooOld},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tol := tc.tolerance
			if tol == 0 {
				tol = webhook.DefaultTolerance
			}
			signer := webhook.TestSigner{Validity: tc.validity, NoNonce: tc.noNonce, Now: func() time.Time { return now }}
			rr := newReplayRig(t, signer, tc.tolerance)
			if code, err := rr.send(""); code != http.StatusOK {
				t.Fatalf("first delivery: %d %v", code, err)
			}
			for _, at := range []time.Duration{time.Second, tol, tol + 999*time.Millisecond} {
				rr.clock = now.Add(at)
				if code, err := rr.send(""); code != http.StatusUnauthorized || !errors.Is(err, webhook.ErrReplay) {
					t.Fatalf("replay %s after created: %d %v, want 401 ErrReplay", at, code, err)
				}
			}
			rr.clock = now.Add(tol + time.Second)
			if code, err := rr.send(""); code != http.StatusUnauthorized || !errors.Is(err, tc.after) {
				t.Fatalf("replay %s after created: %d %v, want 401 %v", tol+time.Second, code, err, tc.after)
			}
			if rr.handled != 1 {
				t.Fatalf("callback ran %d times, want once", rr.handled)
			}
		})
	}
}
