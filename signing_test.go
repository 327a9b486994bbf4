package upvest_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/middleware"
	"github.com/upvest-go/upvest/sandbox"
)

// countingSigner stands for a key in a KMS: the client reaches it only
// through crypto.Signer.
type countingSigner struct {
	crypto.Signer
	calls atomic.Int32
}

func (s *countingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	s.calls.Add(1)
	return s.Signer.Sign(r, digest, opts)
}

// TestConfigSigner: a crypto.Signer in Config.Signer signs every attempt;
// the sandbox verifies its signatures; keys of other kinds are refused by
// New with a *middleware.KeyError; Signer and PrivateKeyPEM together are a
// configuration error.
func TestConfigSigner(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Config{}, sandbox.P521)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	for _, kind := range []string{"P-521", "Ed25519"} {
		var priv crypto.Signer
		if kind == "P-521" {
			priv, _ = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		} else {
			_, priv, _ = ed25519.GenerateKey(rand.Reader)
		}
		kid := "kms-" + kind
		sb.AddClientKey(kid, priv.Public())
		s := &countingSigner{Signer: priv}
		cfg := configFor(sb)
		cfg.PrivateKeyPEM, cfg.KeyID, cfg.Signer = nil, kid, s
		c, err := upvest.New(cfg, fastRetries)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateAccountGroup(context.Background(), sb.NewUser(), upvest.TypePersonal); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if s.calls.Load() < 2 { // the token request and the create
			t.Fatalf("%s: the signer was called %d times", kind, s.calls.Load())
		}
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, bad := range map[string]crypto.Signer{"RSA": rsaKey, "P-256": p256} {
		cfg := configFor(sb)
		cfg.PrivateKeyPEM, cfg.Signer = nil, bad
		var ke *middleware.KeyError
		if _, err := upvest.New(cfg); !errors.As(err, &ke) || !errors.Is(err, middleware.ErrUnsupportedKey) {
			t.Errorf("%s: err = %v, want *middleware.KeyError (ErrUnsupportedKey)", name, err)
		}
	}
	cfg := configFor(sb)
	cfg.Signer, _ = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if _, err := upvest.New(cfg); !errors.Is(err, upvest.ErrConfig) {
		t.Fatalf("Signer and PrivateKeyPEM: err = %v, want ErrConfig", err)
	}
}

// TestRotateSigningKeyUnderLoad: 64 goroutines call while the signing key
// rotates; no call fails and the sandbox, which accepts both keys, sees
// both key ids.
func TestRotateSigningKeyUnderLoad(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Config{}, sandbox.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	// What reached the sandbox, and was answered 2xx, per key id. The key
	// is rotated once 32 calls got through with the first one, and the
	// callers stop once 64 got through with the rotated one: events, not
	// wall time, so a loaded machine only makes the test slower.
	const enough = 32
	seen := map[string]int{}
	var mu sync.Mutex
	oldEnough, newEnough := make(chan struct{}), make(chan struct{})
	cfg := configFor(sb)
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err == nil && resp.StatusCode < 300 {
			id := keyIDOf(r.Header.Get("Signature-Input"))
			mu.Lock()
			seen[id]++
			if seen[id] == enough {
				if id == "rotated-key" {
					close(newEnough)
				} else {
					close(oldEnough)
				}
			}
			mu.Unlock()
		}
		return resp, err
	})}
	c, err := upvest.New(cfg, fastRetries)
	if err != nil {
		t.Fatal(err)
	}
	_, next, _ := ed25519.GenerateKey(rand.Reader)
	sb.AddClientKey("rotated-key", next.Public())
	user := sb.NewUser()
	var wg sync.WaitGroup
	var failures atomic.Int32
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-newEnough:
					return
				default:
				}
				if _, err := c.ListUserAccountGroups(context.Background(), user, &upvest.ListParams{Limit: 1}); err != nil {
					failures.Add(1)
					t.Error(err)
					return
				}
			}
		}()
	}
	select {
	case <-oldEnough:
	case <-time.After(time.Minute): // a failsafe; callers that failed stop early
		t.Fatal("the first key never signed enough calls")
	}
	if err := c.RotateSigningKey(next, "rotated-key"); err != nil {
		t.Error(err)
	}
	wg.Wait()
	mu.Lock()
	oldIDs, newIDs := seen[sb.Credentials.KeyID], seen["rotated-key"]
	mu.Unlock()
	if failures.Load() != 0 {
		t.Fatalf("%d goroutines failed", failures.Load())
	}
	if oldIDs == 0 || newIDs == 0 {
		t.Fatalf("the sandbox accepted %d calls signed with the first key and %d with the rotated one, want both", oldIDs, newIDs)
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	if err := c.RotateSigningKey(rsaKey, "rsa"); !errors.Is(err, middleware.ErrUnsupportedKey) {
		t.Fatalf("rotate to RSA: %v", err)
	}
	if _, err := c.ListUserAccountGroups(context.Background(), user, nil); err != nil {
		t.Fatalf("after a refused rotation the key in use stays: %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// keyIDOf returns the keyid parameter of a signature-input value.
func keyIDOf(input string) string {
	_, rest, ok := strings.Cut(input, `keyid="`)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, `"`)
	return id
}
