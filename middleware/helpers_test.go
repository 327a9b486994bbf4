package middleware

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/upvest-go/upvest/internal/httpsig"
)

// fixedClock is the clock of the golden files.
var fixedClock = func() time.Time { return time.Unix(1700000000, 0) }

// zeroRand makes the nonce deterministic: 16 zero bytes.
type zeroRand struct{}

func (zeroRand) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// sent is one request as it reached the network, with its body.
type sent struct {
	req  *http.Request
	body []byte
}

// recorder is a RoundTripper that records what it is given and answers with
// respond.
type recorder struct {
	mu      sync.Mutex
	sent    []sent
	respond func(req *http.Request, body []byte) *http.Response
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	r.mu.Lock()
	r.sent = append(r.sent, sent{req, body})
	r.mu.Unlock()
	if r.respond != nil {
		return r.respond(req, body), nil
	}
	return jsonResponse(200, `{}`), nil
}

func (r *recorder) all() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.sent...)
}

func jsonResponse(status int, body string) *http.Response {
	return &http.Response{
		StatusCode: status,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(body)),
	}
}

// verifySent checks a recorded request as a server would: the body digest
// against the body, then the signature over the base rebuilt from
// signature-input. It returns the base.
func verifySent(s sent, pub any) (string, error) {
	if len(s.body) > 0 && s.req.Header.Get("Content-Digest") != httpsig.ContentDigest(s.body) {
		return "", errors.New("content-digest does not match the body")
	}
	if s.req.Header.Get("Upvest-Signature-Version") != "15" {
		return "", errors.New("upvest-signature-version is not 15")
	}
	ins, err := httpsig.ParseSignatureInput(s.req.Header.Get("Signature-Input"))
	if err != nil {
		return "", err
	}
	if len(ins) != 1 || ins[0].Problem != nil {
		return "", fmt.Errorf("want one usable signature-input member, got %d (%v)", len(ins), ins[0].Problem)
	}
	in := ins[0]
	base, err := httpsig.SignatureBase(s.req, httpsig.V15, in)
	if err != nil {
		return "", err
	}
	sig, err := httpsig.ParseSignature(s.req.Header.Get("Signature"), in.Label)
	if err != nil {
		return "", err
	}
	return string(base), httpsig.Verify(pub, base, sig)
}

func contentDigestOf(b []byte) string { return httpsig.ContentDigest(b) }
