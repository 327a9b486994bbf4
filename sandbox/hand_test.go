package sandbox_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/sandbox"
)

// hand builds requests by hand from Upvest's published rules
// (docs.upvest.co, "HTTP message signatures v15", and the open-source
// httpsignature-proxy), without the client, the middleware or
// internal/httpsig, and serves them to the sandbox in process: what the
// sandbox accepts and refuses is checked against the rules (rules_test.go),
// not against our own signer.

// style is how a hand-built request is signed.
type style int

const (
	// documented: the components in the order of Upvest's table (@method,
	// @path, @query, accept, authorization, content-length, content-type,
	// content-digest, idempotency-key, upvest-client-id), parameters
	// keyid;created;expires;nonce.
	documented style = iota
	// proxy: as upvestco/httpsignature-proxy (v1.3.9 and later) signs: every
	// header the caller sent, in map order, then @method, @path,
	// content-digest and @query; parameters keyid;created;nonce;expires with
	// a 10-digit nonce and expires = created + 60 s; accept */* when the
	// caller sent none; upvest-signature-version set after signing, and
	// user-agent replaced after signing. No upvest-api-version.
	proxy
)

// hand is a client that builds every request itself.
type hand struct {
	t        testing.TB
	h        http.Handler
	clientID string
	secret   string
	keyID    string
	key      crypto.Signer // *ecdsa.PrivateKey (P-521) or ed25519.PrivateKey
	style    style
	now      func() time.Time
	validity time.Duration // expires - created; zero means 5 s, as in Upvest's docs
	token    string        // bearer token for API calls
	extra    http.Header   // more headers on every request (before signing)
	mu       sync.Mutex
	n        int // nonce counter for the documented style
}

// newHand registers a fresh key of the given kind with sb and returns a
// client calling sb's handler in process.
func newHand(t testing.TB, sb *sandbox.Sandbox, ed bool) *hand {
	t.Helper()
	hc := &hand{t: t, h: sb, clientID: sb.ClientID(), secret: sb.ClientSecret(), keyID: uuid.NewString(), now: time.Now}
	if ed {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		hc.key = priv
		sb.AddClientKey(hc.keyID, pub)
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		hc.key = k
		sb.AddClientKey(hc.keyID, &k.PublicKey)
	}
	return hc
}

// answer is a sandbox answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// detail is the problem's detail, or "" when the answer is not a problem.
func (a answer) detail() string {
	var p struct {
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(a.body, &p)
	return p.Detail
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.status, a.body) }

// build makes a request; hdr may carry headers such as idempotency-key.
func (hc *hand) build(method, target string, body []byte, hdr http.Header) *http.Request {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://sandbox.test"+target, rd)
	req.Header = http.Header{}
	for k, v := range hc.extra {
		req.Header[k] = v
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Upvest-Client-Id", hc.clientID)
	if hc.style == documented && req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if hc.token != "" && target != "/auth/token" {
		req.Header.Set("Authorization", "Bearer "+hc.token)
	}
	if body != nil {
		req.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return req
}

// send signs req by hand and serves it.
func (hc *hand) send(req *http.Request, body []byte) answer {
	hc.t.Helper()
	hc.sign(req, body)
	rec := httptest.NewRecorder()
	hc.h.ServeHTTP(rec, req)
	return answer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// do builds, signs and serves one request.
func (hc *hand) do(method, target string, body []byte, hdr http.Header) answer {
	hc.t.Helper()
	return hc.send(hc.build(method, target, body, hdr), body)
}

// sign adds content-digest (with a body), signature-input, signature and
// upvest-signature-version, following the v15 rules.
func (hc *hand) sign(req *http.Request, body []byte) {
	hc.t.Helper()
	created := hc.now().Unix()
	validity := hc.validity
	if validity == 0 {
		validity = 5 * time.Second
	}
	expires := created + int64(validity/time.Second)
	var names []string
	var nonce, params string
	switch hc.style {
	case documented:
		if len(body) > 0 {
			sum := sha512.Sum512(body)
			req.Header.Set("Content-Digest", "sha-512=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
		}
		names = []string{"@method", "@path"}
		if req.URL.RawQuery != "" {
			names = append(names, "@query")
		}
		for _, h := range []string{"accept", "authorization", "content-length", "content-type", "content-digest", "idempotency-key", "upvest-client-id"} {
			if req.Header.Get(h) != "" {
				names = append(names, h)
			}
		}
		hc.mu.Lock()
		hc.n++
		nonce = fmt.Sprintf("hand-%d-%d", hc.n, created)
		hc.mu.Unlock()
		params = fmt.Sprintf(`(%s);keyid="%s";created=%d;expires=%d;nonce="%s"`, quoteAll(names), hc.keyID, created, expires, nonce)
	case proxy:
		// The proxy does not copy these from its caller's request.
		origUA := req.Header.Get("User-Agent")
		for _, h := range []string{"Host", "Accept-Encoding", "Connection", "User-Agent"} {
			req.Header.Del(h)
		}
		if origUA != "" {
			defer req.Header.Set("User-Agent-Orig", origUA) // set after signing
		}
		if req.Header.Get("Accept") == "" {
			req.Header.Set("Accept", "*/*")
		}
		for k := range req.Header { // map order, as the proxy does
			lk := strings.ToLower(k)
			if lk == "signature" || lk == "signature-input" || strings.HasPrefix(lk, "x-") {
				continue
			}
			names = append(names, lk)
		}
		names = append(names, "@method", "@path")
		if len(body) > 0 {
			sum := sha512.Sum512(body)
			req.Header.Set("Content-Digest", "sha-512=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
			names = append(names, "content-digest")
		}
		if req.URL.RawQuery != "" {
			names = append(names, "@query")
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(1e10))
		nonce = fmt.Sprintf("%010d", n)
		params = fmt.Sprintf(`(%s);keyid="%s";created=%d;nonce="%s";expires=%d`, quoteAll(names), hc.keyID, created, nonce, expires)
	}
	var base strings.Builder
	for _, n := range names {
		var v string
		switch n {
		case "@method":
			v = req.Method
		case "@path":
			v = req.URL.EscapedPath()
		case "@query":
			v = "?" + req.URL.RawQuery
		default:
			v = strings.Join(req.Header.Values(n), ", ")
		}
		fmt.Fprintf(&base, "%q: %s\n", n, v)
	}
	fmt.Fprintf(&base, "%q: %s", "@signature-params", params)
	var sig []byte
	var err error
	switch k := hc.key.(type) {
	case *ecdsa.PrivateKey:
		sum := sha512.Sum512([]byte(base.String()))
		sig, err = ecdsa.SignASN1(rand.Reader, k, sum[:])
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, []byte(base.String()))
	}
	if err != nil {
		hc.t.Fatal(err)
	}
	req.Header.Set("Signature-Input", "sig1="+params)
	req.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
	req.Header.Set("Upvest-Signature-Version", "15")
	if hc.style == proxy {
		req.Header.Set("User-Agent", "upvest-httpsignature-proxy")
	}
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	return strings.Join(q, " ")
}

// fetchToken asks for a token with scopes and keeps it for later calls.
func (hc *hand) fetchToken(scopes string) answer {
	hc.t.Helper()
	form := url.Values{"client_id": {hc.clientID}, "client_secret": {hc.secret}, "grant_type": {"client_credentials"}, "scope": {scopes}}
	body := []byte(form.Encode())
	hc.token = ""
	a := hc.do(http.MethodPost, "/auth/token", body, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if a.status == http.StatusOK {
		if err := json.Unmarshal(a.body, &tok); err != nil {
			hc.t.Fatalf("token answer %s: %v", a.body, err)
		}
		hc.token = tok.AccessToken
	}
	return a
}

// mustToken fetches a token for scopes, which must be granted.
func (hc *hand) mustToken(scopes string) {
	hc.t.Helper()
	if a := hc.fetchToken(scopes); a.status != http.StatusOK {
		hc.t.Fatalf("token: %s", a)
	}
}

// create posts an account group create with idempotency key key.
func (hc *hand) create(user uuid.UUID, key string) answer {
	hc.t.Helper()
	body := []byte(`{"user_id":"` + user.String() + `","type":"PERSONAL"}`)
	return hc.do(http.MethodPost, "/account_groups", body, http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {key}})
}
