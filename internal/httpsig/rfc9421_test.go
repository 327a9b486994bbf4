package httpsig

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Known answers from outside this project: RFC 9421 Appendix B, copied as
// printed (testdata/rfc9421/README.md says from where). Its Ed25519 example
// is deterministic, so the signature is reproduced byte for byte.
//
// Where Upvest's v15 draft differs from RFC 9421, and so what these vectors
// do not pin: Upvest's label is sig1, its parameters come in the order
// keyid;created;expires;nonce and all four are required (the RFC's examples
// have created;keyid and no expires, which VerifyRequest refuses with
// ErrNoTime, so the vectors go through SignatureBase and Verify instead);
// Upvest covers @method, @path, @query, accept, authorization, the body's
// three fields, idempotency-key and upvest-client-id, never date or
// @authority; its ECDSA is P-521 with SHA-512 and a DER signature (no
// registered RFC 9421 algorithm, and not deterministic, so no vector); its
// @signature-params line repeats the received bytes where RFC 9421
// re-serialises the inner list (the same bytes for these canonical
// examples); its webhooks' v6 base writes unquoted names. The base's shape
// (quoted lower-case names, ": ", "\n" between lines, none after the last)
// and the Ed25519 signature over it are the same.

func rfcFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rfc9421", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rfcKey is test-key-ed25519 (B.1.4): the private key, checked against the
// public key printed beside it.
func rfcKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	rest := rfcFile(t, "test-key-ed25519.pem")
	var pub, priv any
	for {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		var err error
		switch block.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "PRIVATE KEY":
			priv, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	k, ok := priv.(ed25519.PrivateKey)
	if !ok || !k.Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatalf("test-key-ed25519: private %T does not match public %T", priv, pub)
	}
	return k
}

func rfcRequest(t *testing.T, name string) *http.Request {
	t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(rfcFile(t, name))))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// rfcMember parses req's signature-input, which must hold one usable member,
// and returns it with the signature it carries.
func rfcMember(t *testing.T, req *http.Request) (*SignatureInput, []byte) {
	t.Helper()
	ins, err := ParseSignatureInput(req.Header.Get("Signature-Input"))
	if err != nil || len(ins) != 1 || ins[0].Problem != nil {
		t.Fatalf("signature-input: %v %v", ins, err)
	}
	sig, err := ParseSignature(req.Header.Get("Signature"), ins[0].Label)
	if err != nil {
		t.Fatal(err)
	}
	return ins[0], sig
}

// B.2.6: the base rebuilt from the test-request is the RFC's byte for byte;
// signing it with test-key-ed25519, through this package's Key, gives the
// RFC's signature byte for byte; Verify accepts it.
func TestRFC9421SigningARequestUsingEd25519(t *testing.T) {
	priv := rfcKey(t)
	req := rfcRequest(t, "b26-request.http")
	in, sig := rfcMember(t, req)
	if in.Label != "sig-b26" || in.KeyID != "test-key-ed25519" || in.Created != 1618884473 {
		t.Fatalf("parsed %+v", in)
	}
	base, err := SignatureBase(req, V15, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := rfcFile(t, "b26-base.txt"); !bytes.Equal(base, want) {
		t.Fatalf("base\n%s\nwant (RFC 9421 B.2.6)\n%s", base, want)
	}
	key := mustKey(t, priv)
	got, err := key.Signer().Sign(nil, base, &ed25519.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sig) {
		t.Fatalf("signature %x\nwant (RFC 9421 B.2.6) %x", got, sig)
	}
	if err := Verify(priv.Public(), base, sig); err != nil {
		t.Fatal(err)
	}
	// The same base from the signing core's own builder, given the
	// components in the RFC's order.
	comps := []Component{{Name: "date", Value: "Tue, 20 Apr 2021 02:07:55 GMT"}, {Name: "@method", Value: "POST"}, {Name: "@path", Value: "/foo"},
		{Name: "@authority", Value: "example.com"}, {Name: "content-type", Value: "application/json"}, {Name: "content-length", Value: "18"}}
	p := Params{Names: in.Names, KeyID: "test-key-ed25519", Created: 1618884473}
	if b := AppendBase(nil, V15, comps, in.Raw); !bytes.Equal(b, base) {
		t.Fatalf("AppendBase\n%s", b)
	}
	if raw := string(AppendParams(nil, &p)); !strings.HasPrefix(raw, `("date" "@method" "@path" "@authority" "content-type" "content-length");keyid="test-key-ed25519";created=1618884473`) {
		t.Fatalf("AppendParams: %s", raw) // Upvest's order, not the RFC's
	}
	// The RFC's test-request body has RFC 9530's digest (TestDigestVectors).
	if got := ContentDigest([]byte(`{"hello": "world"}`)); got != req.Header.Get("Content-Digest") {
		t.Fatalf("content-digest %s, the RFC's test-request has %s", got, req.Header.Get("Content-Digest"))
	}
}

// B.4: the signed message and three transformations of it verify; a
// changed method and authority, and swapped Accept lines, do not.
func TestRFC9421Transformations(t *testing.T) {
	priv := rfcKey(t)
	for i, valid := range []bool{true, true, true, true, false, false} {
		name := "b4-transform-" + string(rune('1'+i)) + ".http"
		req := rfcRequest(t, name)
		in, sig := rfcMember(t, req)
		base, err := SignatureBase(req, V15, in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if i < 4 {
			if want := rfcFile(t, "b4-base.txt"); !bytes.Equal(base, want) {
				t.Fatalf("%s: base\n%s\nwant (RFC 9421 B.4)\n%s", name, base, want)
			}
		}
		err = Verify(priv.Public(), base, sig)
		if valid != (err == nil) {
			t.Errorf("%s: verify = %v, the RFC says valid=%v", name, err, valid)
		}
	}
}

// VerifyRequest on the RFC's message: refused only because it has no
// expires, which Upvest requires.
func TestRFC9421MessageNeedsExpiresForUpvest(t *testing.T) {
	priv := rfcKey(t)
	req := rfcRequest(t, "b26-request.http")
	_, err := VerifyRequest(req, []byte(`{"hello": "world"}`), &Verification{Style: V15, Now: time.Unix(1618884473, 0),
		Key: func(string) (any, error) { return priv.Public(), nil }})
	if !errors.Is(err, ErrNoTime) {
		t.Fatalf("err = %v, want ErrNoTime", err)
	}
}

// RFC 9421 §2.1.3: a field's lines wrapped as byte sequences (;bs), the
// RFC's own example values; §2.1.1's ;sf re-serialises a known dictionary.
func TestRFC9421ComponentParameters(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "https://example.com/", nil)
	req.Header.Add("Example-Header", "value, with, lots")
	req.Header.Add("Example-Header", "of, commas")
	req.Header.Set("Content-Digest", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:,   sha-512=:YQ==:")
	comps, err := RequestComponents(req, &Params{Names: []string{"example-header", "example-header", "content-digest"}, Flags: []Flags{BS, 0, SF}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`"example-header";bs: :dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:`, // RFC 9421 §2.1.3
		`"example-header": value, with, lots, of, commas`,                     // RFC 9421 §2.1.3
		`"content-digest";sf: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:YQ==:`,
	}
	for i, c := range comps {
		if got := string(AppendBase(nil, V15, comps[i:i+1], "")); !strings.HasPrefix(got, want[i]+"\n") {
			t.Errorf("component %d (%s): %q, want %q", i, c.Name, got, want[i])
		}
	}
	req.Header.Set("Example-Header", "value, with, lots, of, commas")
	comps, _ = RequestComponents(req, &Params{Names: []string{"example-header"}, Flags: []Flags{BS}})
	if comps[0].Value != ":dmFsdWUsIHdpdGgsIGxvdHMsIG9mLCBjb21tYXM=:" { // RFC 9421 §2.1.3
		t.Errorf("single line ;bs: %s", comps[0].Value)
	}
	req.Header.Set("Content-Digest", "sha-512=:not base64:")
	if _, err := RequestComponents(req, &Params{Names: []string{"content-digest"}, Flags: []Flags{SF}}); !errors.Is(err, ErrMalformed) {
		t.Errorf(";sf over a field that does not parse: %v", err)
	}
}
