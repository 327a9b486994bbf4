package middleware

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"sync"
	"testing"
	"time"
)

// 64 goroutines sign while the key rotates between two keys of different
// algorithms: every signature verifies with the key its keyid names, and
// both key ids are seen.
func TestRotateUnderConcurrentSigning(t *testing.T) {
	t.Parallel()
	keyA := must(ParseKey(readKey(t, "ec-sec1.pem"), nil))
	_, keyB, _ := ed25519.GenerateKey(rand.Reader)
	pubs := map[string]crypto.PublicKey{"key-a": keyA.Public(), "key-b": keyB.Public()}
	s := must(NewSigner(keyA, "key-a"))

	const workers, perWorker = 64, 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[string]int{}
		done = make(chan struct{})
		rot  sync.WaitGroup
	)
	rot.Add(1)
	go func() { // the rotator
		defer rot.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			key, id := crypto.Signer(keyA), "key-a"
			if i%2 == 1 {
				key, id = keyB, "key-b"
			}
			if err := s.Rotate(key, id); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(100 * time.Microsecond) // paces the rotations between signatures
		}
	}()
	body := []byte(`{"user_id":"` + testUserID + `","type":"PERSONAL"}`)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				var req *http.Request
				var sentBody []byte
				if (w+i)%2 == 0 {
					req = newGet(context.Background())
				} else {
					req, _ = http.NewRequest(http.MethodPost, "https://sandbox.upvest.co/account_groups", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Upvest-Client-Id", testClientID)
					sentBody = body
				}
				if err := s.Sign(req, sentBody); err != nil {
					t.Error(err)
					return
				}
				id, err := verifyReq(req, sentBody, pubs)
				if err != nil {
					t.Errorf("signature naming %q: %v", id, err)
					return
				}
				mu.Lock()
				seen[id]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(done)
	rot.Wait()
	if seen["key-a"] == 0 || seen["key-b"] == 0 || seen["key-a"]+seen["key-b"] != workers*perWorker {
		t.Fatalf("signatures per key id: %v", seen)
	}
}

// A signing already under way when Rotate returns finishes with the key it
// loaded, and names that key's id; the next one uses the new key.
func TestRotateDuringASignature(t *testing.T) {
	t.Parallel()
	_, oldKey, _ := ed25519.GenerateKey(rand.Reader)
	_, newKey, _ := ed25519.GenerateKey(rand.Reader)
	entered, release := make(chan struct{}), make(chan struct{})
	blocking := &kmsSigner{key: oldKey}
	blocking.sign = func() ([]byte, error) {
		close(entered)
		<-release
		blocking.mu.Lock()
		defer blocking.mu.Unlock()
		return oldKey.Sign(nil, blocking.last, crypto.Hash(0))
	}
	s := must(NewSigner(blocking, "old"))
	req := newGet(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Sign(req, nil) }()
	<-entered
	if err := s.Rotate(newKey, "new"); err != nil {
		t.Fatal(err)
	}
	if s.KeyID() != "new" {
		t.Fatalf("KeyID() = %q after Rotate", s.KeyID())
	}
	close(release)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	pubs := map[string]crypto.PublicKey{"old": oldKey.Public(), "new": newKey.Public()}
	if id, err := verifyReq(req, nil, pubs); id != "old" || err != nil {
		t.Fatalf("the signature under way names %q: %v", id, err)
	}
	next := newGet(context.Background())
	if err := s.Sign(next, nil); err != nil {
		t.Fatal(err)
	}
	if id, err := verifyReq(next, nil, pubs); id != "new" || err != nil {
		t.Fatalf("the next signature names %q: %v", id, err)
	}
}
