package httpsig

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"net/http"
	"testing"
	"time"
)

// FuzzVerifyRequest: whatever signature-input, signature, content-digest and
// body a request carries, VerifyRequest answers with a *VerifyError or
// accepts; and it accepts only the body that was signed, with a member
// whose key id is known.
func FuzzVerifyRequest(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(nil)
	key := mustKey(f, priv)
	body := []byte(`{"hello": "world"}`)
	digest := ContentDigest(body)
	in := &Input{Style: V15, KeyID: "k", Created: 1700000000, Expires: 1700000030, Components: []Component{
		{Name: "@method", Value: "POST"}, {Name: "@path", Value: "/account_groups"}, {Name: "content-type", Value: "application/json"},
		{Name: "content-digest", Value: digest}}}
	input, sig, err := Sign(f.Context(), key, nil, in)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(input, sig, digest, body)
	f.Add(`p=("@method");keyid="x", `+input[:4]+"a"+input[4:], `p=:AAAA:, `+sig, digest, body)
	f.Add(`sig1=("@method" "content-digest";sf);keyid="k";created=1700000000;expires=1700000030`, sig, digest, body)
	f.Add(`sig1=("@method" "accept";bs);keyid="k";created=1700000000;expires=1700000030;alg="ed25519"`, sig, digest, []byte(nil))
	v := &Verification{Style: V15, Now: time.Unix(1700000001, 0), Skew: time.Minute, Required: []string{"@method"},
		Key: func(kid string) (any, error) {
			if kid == "k" {
				return priv.Public(), nil
			}
			return nil, errors.New("unknown")
		}}
	f.Fuzz(func(t *testing.T, input, sig, digest string, b []byte) {
		req, _ := http.NewRequest(http.MethodPost, "https://api.example/account_groups", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Content-Digest", digest)
		req.Header.Set("Signature-Input", input)
		req.Header.Set("Signature", sig)
		got, err := VerifyRequest(req, b, v)
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Reason == nil {
				t.Fatalf("not a *VerifyError: %v", err)
			}
			return
		}
		if got.KeyID != "k" || len(got.Base) == 0 {
			t.Fatalf("accepted %+v", got)
		}
		if len(b) > 0 && !bytes.Equal(b, body) {
			t.Fatalf("accepted a body that was not signed: %q", b)
		}
	})
}
