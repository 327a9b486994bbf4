package sandbox

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log/slog"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/internal/httpsig"
	"github.com/upvest-go/upvest/internal/routes"
)

// maxRequestBody bounds request bodies.
const maxRequestBody = 1 << 20

// Sandbox is the imitation API: an http.Handler. Build it with New; it is
// safe for concurrent use. Call Close to stop its timers and webhook
// deliveries.
type Sandbox struct {
	cfg      Config
	clientID string
	secret   string
	handler  http.Handler
	nonces   httpsig.Nonces

	mu         sync.Mutex
	clientKeys map[string]crypto.PublicKey
	tokens     map[string]token
	store      store
	idem       map[string]idemRecord
	rng        *mathrand.Rand
	faults     Faults

	hooks *hooks
}

// New builds a Sandbox.
func New(cfg Config) (*Sandbox, error) {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 30 * time.Minute
	}
	if cfg.SignatureSkew <= 0 {
		cfg.SignatureSkew = 5 * time.Second
	}
	if cfg.MaxSignatureAge <= 0 {
		cfg.MaxSignatureAge = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Sandbox{
		cfg:        cfg,
		clientID:   cfg.ClientID,
		secret:     cfg.ClientSecret,
		clientKeys: map[string]crypto.PublicKey{},
		tokens:     map[string]token{},
		idem:       map[string]idemRecord{},
	}
	if s.clientID == "" {
		s.clientID = uuid.NewString()
	}
	if s.secret == "" {
		s.secret = randomString(24)
	}
	s.store.init()
	s.SetFaults(cfg.Faults)
	h, err := newHooks(cfg)
	if err != nil {
		return nil, err
	}
	s.hooks = h
	s.handler = gen.HandlerWithOptions(&api{s}, gen.StdHTTPServerOptions{
		ErrorHandlerFunc: s.paramError,
	})
	return s, nil
}

// ClientID returns the tenant client id the sandbox accepts.
func (s *Sandbox) ClientID() string { return s.clientID }

// ClientSecret returns the client secret the sandbox accepts.
func (s *Sandbox) ClientSecret() string { return s.secret }

// AddClientKey registers the public half of a client signing key (ECDSA
// P-521 or Ed25519) under keyID.
func (s *Sandbox) AddClientKey(keyID string, pub crypto.PublicKey) {
	s.mu.Lock()
	s.clientKeys[keyID] = pub
	s.mu.Unlock()
}

// SetFaults replaces the fault configuration (and reseeds the draws).
func (s *Sandbox) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.rng = mathrand.New(mathrand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	s.mu.Unlock()
}

// Credentials is everything a client needs to call the sandbox.
type Credentials struct {
	ClientID, ClientSecret, KeyID string
	// PrivateKeyPEM is an unencrypted PKCS#8 PEM private key.
	PrivateKeyPEM []byte
}

// NewCredentials makes a fresh ECDSA P-521 signing key, registers its public
// half and returns the credentials to use.
func (s *Sandbox) NewCredentials() (Credentials, error) {
	k, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		return Credentials{}, err
	}
	return s.credentials(k, &k.PublicKey)
}

// NewEd25519Credentials is NewCredentials with an Ed25519 key.
func (s *Sandbox) NewEd25519Credentials() (Credentials, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Credentials{}, err
	}
	return s.credentials(priv, pub)
}

func (s *Sandbox) credentials(priv crypto.PrivateKey, pub crypto.PublicKey) (Credentials, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return Credentials{}, err
	}
	keyID := uuid.NewString()
	s.AddClientKey(keyID, pub)
	return Credentials{
		ClientID: s.clientID, ClientSecret: s.secret, KeyID: keyID,
		PrivateKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
	}, nil
}

// Server is a Sandbox listening on a loopback address.
type Server struct {
	// URL is the base URL to give the client, such as http://127.0.0.1:41234.
	URL string
	srv *http.Server
	ln  net.Listener
}

// Listen serves the sandbox on addr (such as 127.0.0.1:0) until Close.
func (s *Sandbox) Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &Server{URL: "http://" + ln.Addr().String(), srv: srv, ln: ln}, nil
}

// Close stops the server at once.
func (srv *Server) Close() error { return srv.srv.Close() }

// Close stops the sandbox's timers and webhook deliveries.
func (s *Sandbox) Close() {
	s.hooks.close()
	s.store.stopTimers()
}

type ctxKey int

const ctxRequestID ctxKey = 0

// ServeHTTP answers one request.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := uuid.NewString()
	w.Header().Set("Upvest-Request-Id", rid)
	ctx := context.WithValue(r.Context(), ctxRequestID, rid)
	r = r.WithContext(ctx)
	s.mu.Lock()
	latency := s.faults.Latency
	s.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-ctx.Done():
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return
	}
	if len(body) > maxRequestBody {
		s.problem(w, r, http.StatusBadRequest, "bad_request", "request body over 1 MiB")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	route := routes.Lookup(r.Method, r.URL.Path)
	if route == nil {
		s.problem(w, r, http.StatusNotFound, "not_found", "no operation "+r.Method+" "+r.URL.Path+" in the API")
		return
	}
	if s.injectFault(w, r) {
		return
	}
	if route.Op.ID == "requestToken" {
		s.serveToken(w, r, body)
		return
	}
	if !s.admit(w, r, body, route) {
		return
	}
	s.handler.ServeHTTP(w, r)
}

// injectFault answers a 429 or 5xx before any effect, as configured.
func (s *Sandbox) injectFault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	f := s.faults
	rl := f.RateLimited > 0 && s.rng.Float64() < f.RateLimited
	se := !rl && f.ServerErrors > 0 && s.rng.Float64() < f.ServerErrors
	codes := f.ServerErrorStatuses
	if len(codes) == 0 {
		codes = []int{500, 503, 504}
	}
	code := codes[s.rng.IntN(len(codes))]
	s.mu.Unlock()
	switch {
	case rl:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", itoa(f.RetryAfter))
		}
		s.problem(w, r, http.StatusTooManyRequests, "too_many_requests", "injected fault: rate limited")
		return true
	case se:
		s.problem(w, r, code, problemType(code), "injected fault: server error")
		return true
	}
	return false
}

// loseAnswer reports whether this create's answer is to be lost.
func (s *Sandbox) loseAnswer() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.LostAnswers > 0 && s.rng.Float64() < s.faults.LostAnswers
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Sandbox) log(r *http.Request, level slog.Level, msg string, attrs ...slog.Attr) {
	if s.cfg.Logger == nil {
		return
	}
	rid, _ := r.Context().Value(ctxRequestID).(string)
	attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("request_id", rid))
	s.cfg.Logger.LogAttrs(r.Context(), level, msg, attrs...)
}
