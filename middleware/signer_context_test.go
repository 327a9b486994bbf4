package middleware

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net/url"
	"testing"
	"time"
)

// A ContextSigner is called through SignContext with the request's
// context: its deadline bounds the call. A plain crypto.Signer is called
// through Sign as it is.
func TestContextSignerDeadline(t *testing.T) {
	t.Parallel()
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	slow := &ctxSigner{kmsSigner: kmsSigner{key: p521}, delay: time.Minute}
	s := must(NewSigner(slow, testKeyID))

	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), ctxKey{}, "the request's"), 50*time.Millisecond)
	defer cancel()
	req := newGet(ctx)
	start := time.Now()
	err := s.Sign(req, nil)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if took > 5*time.Second {
		t.Fatalf("Sign took %v with a 50ms deadline", took)
	}
	if slow.ctxCalls.Load() != 1 || slow.calls.Load() != 0 {
		t.Fatalf("SignContext called %d times, Sign %d times", slow.ctxCalls.Load(), slow.calls.Load())
	}
	if !slow.sawDeadline.Load() || slow.sawValue.Load() != "the request's" {
		t.Fatal("SignContext did not get the request's context")
	}
	if req.Header.Get("Signature") != "" {
		t.Fatal("signature set after a failed signing")
	}

	// Through the Transport: the attempt fails as not sent, the deadline
	// named.
	tr := &Transport{Base: &recorder{}, Signer: s, ClientID: testClientID, BaseURL: must(url.Parse("https://sandbox.upvest.co"))}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	treq := newGet(ctx2)
	if _, err := tr.RoundTrip(treq); !errors.Is(err, ErrNotSigned) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RoundTrip err = %v", err)
	}

	// In time: the signature is made and verifies.
	quick := &ctxSigner{kmsSigner: kmsSigner{key: p521}, delay: time.Millisecond}
	if err := s.Rotate(quick, testKeyID); err != nil {
		t.Fatal(err)
	}
	ctx3, cancel3 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel3()
	req = newGet(ctx3)
	if err := s.Sign(req, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := verifyReq(req, nil, map[string]crypto.PublicKey{testKeyID: p521.Public()}); err != nil {
		t.Fatal(err)
	}

	// A plain crypto.Signer is called as it is, even with a deadline.
	plain := &kmsSigner{key: p521}
	if err := s.Rotate(plain, testKeyID); err != nil {
		t.Fatal(err)
	}
	if err := s.Sign(newGet(ctx3), nil); err != nil || plain.calls.Load() != 1 {
		t.Fatalf("plain signer: %v, %d calls", err, plain.calls.Load())
	}
}
