package webhook_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/upvest-go/upvest/webhook"
)

// FuzzDecodeEvents: any body either decodes into complete events or is
// ErrMalformedBody; never a panic. Seeds live in testdata/fuzz/FuzzDecodeEvents.
func FuzzDecodeEvents(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := webhook.DecodeEvents(body)
		if err != nil {
			if !errors.Is(err, webhook.ErrMalformedBody) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		for _, ev := range events {
			if ev.Type == "" || ev.CreatedAt.IsZero() || len(ev.Object) == 0 {
				t.Fatalf("incomplete event accepted: %+v", ev)
			}
			_, _, _ = ev.AccountGroup()
		}
	})
}

// FuzzParseKeySet: any JWKS document either yields at least one usable P-521
// key (every skipped key saying why) or fails with ErrBadKeySet; never a
// panic. Seeds live in testdata/fuzz/FuzzParseKeySet.
func FuzzParseKeySet(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc []byte) {
		set, err := webhook.ParseKeySet(doc)
		if err != nil {
			if !errors.Is(err, webhook.ErrBadKeySet) || set != nil {
				t.Fatalf("untyped error or a set with it: %v", err)
			}
			return
		}
		if len(set.Keys) == 0 {
			t.Fatal("a set without keys and no error")
		}
		for kid, k := range set.Keys {
			if kid == "" || !onP521(k) {
				t.Fatalf("unusable key %q accepted", kid)
			}
		}
		for _, s := range set.Skipped {
			if s.Reason == "" || !errors.Is(s, webhook.ErrBadKeySet) {
				t.Fatalf("skipped without a reason: %+v", s)
			}
		}
	})
}

// onP521 reports whether k is a valid point of P-521, by its encoding.
func onP521(k *ecdsa.PublicKey) bool {
	b, err := k.Bytes()
	if err != nil {
		return false
	}
	_, err = ecdsa.ParseUncompressedPublicKey(elliptic.P521(), b)
	return err == nil
}

// FuzzVerifyParts: whatever signature headers, digest and body a delivery
// carries, VerifyParts refuses it with exactly one of the package's
// sentinels, or accepts it; and it accepts only the body Upvest signed.
func FuzzVerifyParts(f *testing.F) {
	fx := newFixture(f)
	url := "https://hooks.example/upvest"
	signed := []byte(`{"payload":[{"id":"9a4e2f1c-1f0e-4a8e-9d3a-2b7c5e6f7a8b","created_at":"2021-07-21T14:10:00.00Z","type":"ACCOUNT_GROUP.CREATED","webhook_id":"1b2c3d4e-5f60-4a1b-8c2d-3e4f5a6b7c8d","object":{}}]}`)
	for _, s := range []webhook.TestSigner{{}, {Version: 15}, {NoNonce: true}} {
		s.Key, s.KeyID, s.Now = fx.signer.Key, fx.signer.KeyID, fx.signer.Now
		req := must(s.NewRequestWithBody(context.Background(), url, signed))
		digest := req.Header.Get("Digest") + req.Header.Get("Content-Digest")
		f.Add(req.Header.Get("Signature-Input"), req.Header.Get("Signature"), digest, req.Header.Get("Upvest-Signature-Version"), signed)
	}
	f.Add(`p=("@method");keyid="x", sig1=("@method" "@path" "content-type" "digest");keyid="`+fx.kid+`";created=1700000000;expires=1700000300`, `p=:AAAA:, sig1=:AAAA:`, "SHA-256=AAAA", "", []byte(`{}`))
	sentinels := []error{webhook.ErrUnsigned, webhook.ErrMalformedSignature, webhook.ErrUnknownKey, webhook.ErrNotCovered, webhook.ErrMissingComponent,
		webhook.ErrBadSignature, webhook.ErrDigest, webhook.ErrDigestMissing, webhook.ErrExpired, webhook.ErrFuture, webhook.ErrTooOld,
		webhook.ErrNoTimestamps, webhook.ErrUnsupportedKey, webhook.ErrReplay, webhook.ErrTooLarge, webhook.ErrMalformedBody, webhook.ErrMethod}
	f.Fuzz(func(t *testing.T, input, sig, digest, version string, body []byte) {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("Signature-Input", input)
		h.Set("Signature", sig)
		if version == "15" {
			h.Set("Upvest-Signature-Version", "15")
			h.Set("Content-Digest", digest)
		} else {
			h.Set("Digest", digest)
		}
		v := &webhook.Verifier{Keys: fx.keys, Now: func() time.Time { return now }}
		release, err := v.VerifyParts(context.Background(), http.MethodPost, url, h, body)
		if err != nil {
			n := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 || release != nil {
				t.Fatalf("%d sentinels match %v", n, err)
			}
			return
		}
		if !bytes.Equal(body, signed) {
			t.Fatalf("accepted a body Upvest did not sign: %q", body)
		}
		release()
	})
}
