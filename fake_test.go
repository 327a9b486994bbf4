package upvest_test

import (
	"github.com/google/uuid"

	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/upvest-go/upvest"
)

const (
	fakeClientID = "ebabcf4d-61c3-4942-875c-e265a7c2d062"
	fakeSecret   = "fake-client-secret-0123456789"
	fakeToken    = "fake-bearer-token-abcdef"
	groupID      = "9d95820d-4333-46b6-98de-04ab7512e76f"
	userID       = "413715f2-5401-4b97-8055-034a6b879f8c"
	requestID    = "169ae4c7-ebd7-4041-94da-25369653eba7"
)

// theGroup and theUser are groupID and userID as the client's methods take them.
var (
	theGroup = uuid.MustParse(groupID)
	theUser  = uuid.MustParse(userID)
)

// seen is one API request a fake server received.
type seen struct {
	method, path, query string
	header              http.Header
	body                []byte
}

// fake is a loopback server that issues tokens and answers API calls with
// handle; it does not check signatures (the sandbox does).
type fake struct {
	mu     sync.Mutex
	reqs   []seen
	tokens int
	srv    *httptest.Server
}

func newFake(t testing.TB, handle http.HandlerFunc) *fake {
	return newFakeWithToken(t, tokenOK, handle)
}

// newFakeWithToken is newFake whose token endpoint answers with token; a
// nil handle answers every API call with the group.
func newFakeWithToken(t testing.TB, token, handle http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/auth/token" {
			f.mu.Lock()
			f.tokens++
			f.mu.Unlock()
			token(w, r)
			return
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		f.mu.Unlock()
		w.Header().Set("Upvest-Request-Id", requestID)
		if handle == nil {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, groupJSON)
			return
		}
		handle(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func tokenOK(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"access_token":"`+fakeToken+`","expires_in":1799,"token_type":"bearer"}`)
}

func (f *fake) tokenCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

var testKeyPEM = func() []byte {
	k, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}()

func (f *fake) config() upvest.Config {
	return upvest.Config{BaseURL: f.srv.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "key-1", PrivateKeyPEM: testKeyPEM}
}

func (f *fake) client(t testing.TB, opts ...upvest.Option) *upvest.Client {
	t.Helper()
	c, err := upvest.New(f.config(), append([]upvest.Option{fastRetries}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeProblem(w http.ResponseWriter, status int, typ string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	io.WriteString(w, `{"type":"`+typ+`","status":`+itoa(status)+`,"title":"t","detail":"what went wrong","instance":"/errors/1","request_id":"`+requestID+`"}`)
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

const groupJSON = `{"created_at":"2020-08-24T14:15:22Z","id":"` + groupID + `","securities_account_number":"123456789","status":"ACTIVE","type":"PERSONAL","updated_at":"2020-08-24T14:15:22Z","users":[{"id":"` + userID + `","type":"OWNER"}]}`

// hangUp closes the connection without an answer: a lost answer.
func hangUp(w http.ResponseWriter) {
	conn, _, _ := w.(http.Hijacker).Hijack()
	conn.Close()
}

// lostThenGroup hangs up on the first request and answers the group after.
func lostThenGroup() http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			hangUp(w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, groupJSON)
	}
}
