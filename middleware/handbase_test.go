package middleware

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two signature bases written by hand, line by line, from the rules of
// Upvest's v15 signature rules (its signature base and header table),
// not produced by this package: the golden files in testdata/golden are
// made by the code itself and the sandbox verifies with the same code, so a
// shared mistake in the base would pass them. The key is RFC 9421's
// test-key-ed25519 (B.1.4), Ed25519 is deterministic: the signature header
// must be the Ed25519 signature of the hand-written base, byte for byte.
// The POST body and its content-digest are the documented vector
// ({"hello": "world"}, 18 bytes).
func TestBaseWrittenByHand(t *testing.T) {
	t.Parallel()
	key := rfcEd25519Key(t)
	priv := key.m.ed
	signer, err := NewSigner(key, "test-key-ed25519")
	if err != nil {
		t.Fatal(err)
	}
	signer.Now, signer.Rand = fixedClock, zeroRand{}
	const client = "ebabcf4d-61c3-4942-875c-e265a7c2d062"

	get, _ := http.NewRequest(http.MethodGet, "https://sandbox.upvest.co/account_groups?limit=500&order=DESC", nil)
	get.Header.Set("Accept", "application/json")
	get.Header.Set("Authorization", "Bearer c2VjcmV0Cg==")
	get.Header.Set("Upvest-Client-Id", client)
	getBase := `"@method": GET` + "\n" +
		`"@path": /account_groups` + "\n" +
		`"@query": ?limit=500&order=DESC` + "\n" +
		`"accept": application/json` + "\n" +
		`"authorization": Bearer c2VjcmV0Cg==` + "\n" +
		`"upvest-client-id": ebabcf4d-61c3-4942-875c-e265a7c2d062` + "\n" +
		`"@signature-params": ("@method" "@path" "@query" "accept" "authorization" "upvest-client-id");keyid="test-key-ed25519";created=1700000000;expires=1700000030;nonce="AAAAAAAAAAAAAAAAAAAAAA"`

	body := []byte(`{"hello": "world"}`)
	post, _ := http.NewRequest(http.MethodPost, "https://sandbox.upvest.co/account_groups", bytes.NewReader(body))
	post.Header.Set("Accept", "application/json")
	post.Header.Set("Authorization", "Bearer c2VjcmV0Cg==")
	post.Header.Set("Content-Type", "application/json")
	post.Header.Set("Idempotency-Key", "f1150421-2e34-42b6-aae9-52ef157065b9")
	post.Header.Set("Upvest-Client-Id", client)
	postBase := `"@method": POST` + "\n" +
		`"@path": /account_groups` + "\n" +
		`"accept": application/json` + "\n" +
		`"authorization": Bearer c2VjcmV0Cg==` + "\n" +
		`"content-length": 18` + "\n" +
		`"content-type": application/json` + "\n" +
		`"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:` + "\n" +
		`"idempotency-key": f1150421-2e34-42b6-aae9-52ef157065b9` + "\n" +
		`"upvest-client-id": ebabcf4d-61c3-4942-875c-e265a7c2d062` + "\n" +
		`"@signature-params": ("@method" "@path" "accept" "authorization" "content-length" "content-type" "content-digest" "idempotency-key" "upvest-client-id");keyid="test-key-ed25519";created=1700000000;expires=1700000030;nonce="AAAAAAAAAAAAAAAAAAAAAA"`

	for _, c := range []struct {
		name string
		req  *http.Request
		body []byte
		base string
	}{{"GET with a query", get, nil, getBase}, {"POST with a body", post, body, postBase}} {
		if err := signer.Sign(c.req, c.body); err != nil {
			t.Fatal(err)
		}
		_, params, _ := strings.Cut(c.base, "\n\"@signature-params\": ")
		wantInput := "sig1=" + params
		if got := c.req.Header.Get("Signature-Input"); got != wantInput {
			t.Errorf("%s: signature-input\n got %s\nwant %s", c.name, got, wantInput)
		}
		wantSig := "sig1=:" + base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(c.base))) + ":"
		if got := c.req.Header.Get("Signature"); got != wantSig {
			t.Errorf("%s: the signature is not over the hand-written base:\n%s", c.name, c.base)
		}
	}
	if got := post.Header.Get("Content-Digest"); got != "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:" {
		t.Errorf("content-digest %s", got)
	}
}

// rfcEd25519Key is RFC 9421's test-key-ed25519 (B.1.4), from the PEM file
// that holds its public and private blocks.
func rfcEd25519Key(t *testing.T) *Key {
	t.Helper()
	rest, err := os.ReadFile(filepath.Join("..", "internal", "httpsig", "testdata", "rfc9421", "test-key-ed25519.pem"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			t.Fatal("no PRIVATE KEY block")
		}
		if b.Type == "PRIVATE KEY" {
			k, err := ParseKey(pem.EncodeToMemory(b), nil)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
	}
}
