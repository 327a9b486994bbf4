package upvest_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	contracttest "github.com/upvest-go/upvest/contract_test"
	"github.com/upvest-go/upvest/sandbox"
)

// TestClientOptions: WithSignatureValidity sets expires - created of every
// signature; Config.Signer signs with the key given; a sandbox wrapped in
// contracttest.Handler sees only exchanges that match the document.
func TestClientOptions(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Config{}, sandbox.P521)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	checked := httptest.NewServer(contracttest.Handler(t, sb))
	defer checked.Close()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	sb.AddClientKey("option-key", key.Public())
	var inputs []string
	cfg := configFor(sb)
	cfg.BaseURL, cfg.PrivateKeyPEM, cfg.KeyID = checked.URL, nil, "option-key"
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		inputs = append(inputs, r.Header.Get("Signature-Input"))
		return http.DefaultTransport.RoundTrip(r)
	})}
	cfg.Signer = key
	c, err := upvest.New(cfg, upvest.WithSignatureValidity(20*time.Second), fastRetries)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListAccountGroups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	params := regexp.MustCompile(`keyid="([^"]+)";created=(\d+);expires=(\d+)`)
	for _, in := range inputs {
		m := params.FindStringSubmatch(in)
		if m == nil {
			t.Fatalf("signature-input %q has no keyid, created and expires", in)
		}
		created, _ := strconv.Atoi(m[2])
		expires, _ := strconv.Atoi(m[3])
		if m[1] != "option-key" || expires-created != 20 {
			t.Fatalf("signature-input %q: want keyid option-key and a 20 s validity", in)
		}
	}
	if len(inputs) != 2 { // the token request and the list
		t.Fatalf("%d requests", len(inputs))
	}
}
