package webhook_test

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/upvest-go/upvest/gen"
)

func must(req *http.Request, err error) *http.Request {
	if err != nil {
		panic(err)
	}
	return req
}

func ioNop(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

func ioReadAll(req *http.Request) ([]byte, error) { return io.ReadAll(req.Body) }

func jwks(kid string, pub *ecdsa.PublicKey) []byte {
	b, _ := json.Marshal(gen.JWKS{Keys: []gen.JWK{jwkOf(kid, pub)}})
	return b
}

// jwkOf is the JSON Web Key of a P-521 public key as Upvest publishes it
// (unpadded base64url of 66-byte coordinates), written out here so the
// parser is checked against the published form (the sandbox has its own
// encoder, for what it serves).
func jwkOf(kid string, pub *ecdsa.PublicKey) gen.JWK {
	b, _ := pub.Bytes() // 0x04, then X and Y of 66 bytes each
	n := (len(b) - 1) / 2
	enc := base64.RawURLEncoding.EncodeToString
	return gen.JWK{Kid: kid, Kty: gen.JWKKtyEC, Crv: gen.JWKCrvP521, X: enc(b[1 : 1+n]), Y: enc(b[1+n:])}
}

func (f *fixture) refusals() []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]error(nil), f.refused...)
}
