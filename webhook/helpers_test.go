package webhook_test

import (
	"crypto/ecdsa"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/webhook"
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
	b, _ := json.Marshal(gen.JWKS{Keys: []gen.JWK{webhook.JWK(kid, pub)}})
	return b
}

func (f *fixture) refusals() []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]error(nil), f.refused...)
}
