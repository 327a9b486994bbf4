package upvest_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/internal/httpsig"
)

// benchServer answers GET /account_groups/{id} and the token endpoint on
// loopback, identically for the facade and the baseline.
func benchServer(b *testing.B) (*httptest.Server, *atomic.Int64) {
	var tokens atomic.Int64
	body := []byte(groupJSON)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/auth/token" {
			tokens.Add(1)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"access_token":"`+fakeToken+`","expires_in":1799,"token_type":"bearer"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Upvest-Request-Id", requestID)
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv, &tokens
}

type benchKey struct {
	name string
	pem  []byte
}

func benchKeys() []benchKey {
	ec, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKCS8PrivateKey(ed)
	return []benchKey{
		{"P521", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})},
		{"Ed25519", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: edDER})},
	}
}

// BenchmarkGetAccountGroup compares a signed GetAccountGroup through the
// facade with a baseline doing only the unavoidable work by hand: build the
// request, sign the same components with the same key, send, decode.
// make bench prints facade/baseline ratios from these pairs.
func BenchmarkGetAccountGroup(b *testing.B) {
	for _, k := range benchKeys() {
		b.Run("key="+k.name+"/impl=facade", func(b *testing.B) {
			srv, _ := benchServer(b)
			c, err := upvest.New(upvest.Config{BaseURL: srv.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "key-1", PrivateKeyPEM: k.pem})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if _, err := c.GetAccountGroup(ctx, theGroup); err != nil { // warm the token and the connection
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				g, err := c.GetAccountGroup(ctx, theGroup)
				if err != nil || g.SecuritiesAccountNumber == "" {
					b.Fatal(err)
				}
			}
		})
		b.Run("key="+k.name+"/impl=baseline", func(b *testing.B) {
			srv, _ := benchServer(b)
			block, _ := pem.Decode(k.pem)
			parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				b.Fatal(err)
			}
			key := parsed.(crypto.Signer)
			hc := &http.Client{}
			ctx := context.Background()
			url := srv.URL + "/account_groups/" + groupID
			get := func() error {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					return err
				}
				req.Header["Accept"] = []string{"application/json"}
				req.Header["Authorization"] = []string{"Bearer " + fakeToken}
				req.Header["Upvest-Client-Id"] = []string{fakeClientID}
				req.Header["Upvest-Api-Version"] = []string{"1"}
				var nonce [16]byte
				rand.Read(nonce[:])
				comps := []httpsig.Component{
					{Name: "@method", Value: "GET"}, {Name: "@path", Value: req.URL.EscapedPath()},
					{Name: "accept", Value: "application/json"}, {Name: "authorization", Value: "Bearer " + fakeToken},
					{Name: "upvest-client-id", Value: fakeClientID},
				}
				p := httpsig.Params{Names: []string{"@method", "@path", "accept", "authorization", "upvest-client-id"},
					KeyID: "key-1", Created: 1700000000, Expires: 1700000030, Nonce: base64.RawURLEncoding.EncodeToString(nonce[:])}
				params := string(httpsig.AppendParams(nil, &p))
				base := httpsig.AppendBase(nil, httpsig.V15, comps, params)
				var sig []byte
				if _, ok := key.(ed25519.PrivateKey); ok {
					sig, err = key.Sign(nil, base, crypto.Hash(0))
				} else {
					sum := sha512.Sum512(base)
					sig, err = key.Sign(rand.Reader, sum[:], crypto.SHA512)
				}
				if err != nil {
					return err
				}
				req.Header["Upvest-Signature-Version"] = []string{"15"}
				req.Header["Signature-Input"] = []string{"sig1=" + params}
				req.Header["Signature"] = []string{"sig1=:" + base64.StdEncoding.EncodeToString(sig) + ":"}
				resp, err := hc.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					return err
				}
				var g gen.AccountGroup
				if err := json.Unmarshal(body, &g); err != nil || resp.StatusCode != 200 {
					return err
				}
				return nil
			}
			if err := get(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := get(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestThousandConcurrentCallsOneToken starts 1,000 calls at once on a fresh
// client and checks that exactly one token request was made.
func TestThousandConcurrentCallsOneToken(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("long test (1,000 concurrent callers): make test-long runs it")
	}
	var tokens atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/token" {
			tokens.Add(1)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"access_token":"t","expires_in":1799,"token_type":"bearer"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, groupJSON)
	}))
	defer srv.Close()
	c, err := upvest.New(upvest.Config{BaseURL: srv.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "k", PrivateKeyPEM: benchKeys()[1].pem})
	if err != nil {
		t.Fatal(err)
	}
	start := make(chan struct{})
	errs := make(chan error, 1000)
	for i := 0; i < 1000; i++ {
		go func() {
			<-start
			_, err := c.GetAccountGroup(context.Background(), theGroup)
			errs <- err
		}()
	}
	close(start)
	for i := 0; i < 1000; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := tokens.Load(); n != 1 {
		t.Fatalf("%d token requests for 1,000 concurrent calls, want 1", n)
	}
}
