package sandbox

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"sync"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/middleware"
)

// Sandbox is the imitation API, an http.Handler safe for concurrent use.
// Start builds one listening on loopback with credentials registered; New
// builds one to serve yourself (httptest.NewServer(sb)). Close stops it.
type Sandbox struct {
	// URL is the base URL to give the client, such as
	// http://127.0.0.1:41234. Set by Start; empty for a sandbox from New.
	URL string
	// Credentials are registered and ready to use. Set by Start; a sandbox
	// from New has none until NewCredentials.
	Credentials Credentials

	cfg    Config
	auth   *auth
	store  *store
	faults *faults
	hooks  *hooks
	router *router

	srv       *http.Server
	ln        *limitListener // Start's, or nil
	closeOnce sync.Once
}

// New builds a Sandbox. It does not listen: serve it yourself, or use Start.
func New(cfg Config) (*Sandbox, error) {
	cfg = cfg.withDefaults()
	clientID, secret := cfg.ClientID, cfg.ClientSecret
	if clientID == "" {
		clientID = uuid.NewString()
	}
	if secret == "" {
		secret = randomString(24)
	}
	h, err := newHooks(cfg)
	if err != nil {
		return nil, err
	}
	s := &Sandbox{cfg: cfg, auth: newAuth(cfg, clientID, secret), store: newStore(cfg.Now), faults: newFaults(cfg.Faults), hooks: h}
	if s.router, err = s.newRouter(); err != nil {
		h.close()
		return nil, err
	}
	return s, nil
}

// Start builds a Sandbox from cfg, serves it on cfg.Addr (127.0.0.1 at a
// free port by default; its reads, idle connections and connections bounded
// by cfg.ReadTimeout, IdleTimeout and MaxConnections) and registers
// credentials: cfg.PrivateKeyPEM under cfg.KeyID when set, else a fresh key
// of the given kind under a random id. Everything a test (or a demo) needs
// in one call. It writes no file; a key it cannot use is a
// *middleware.KeyError.
func Start(cfg Config, kind KeyKind) (*Sandbox, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	s.Credentials, err = s.startCredentials(kind)
	if err != nil {
		s.Close()
		return nil, err
	}
	if err := s.listen(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops serving (for a sandbox from Start), the lifecycle timers and
// the webhook deliveries. It may be called more than once.
func (s *Sandbox) Close() {
	s.closeOnce.Do(func() {
		if s.srv != nil {
			_ = s.srv.Close()
		}
		s.hooks.close()
		s.store.stop()
	})
}

// ClientConfig returns the client configuration for a sandbox from Start:
// its URL and credentials, ready for upvest.New.
func (s *Sandbox) ClientConfig() upvest.Config {
	c := s.Credentials
	return upvest.Config{
		BaseURL: s.URL, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		KeyID: c.KeyID, PrivateKeyPEM: c.PrivateKeyPEM,
	}
}

// ClientID returns the tenant client id the sandbox accepts.
func (s *Sandbox) ClientID() string { return s.auth.clientID }

// ClientSecret returns the client secret the sandbox accepts.
func (s *Sandbox) ClientSecret() string { return s.auth.secret }

// Credentials is everything a client needs to call the sandbox.
type Credentials struct {
	ClientID, ClientSecret, KeyID string
	// PrivateKeyPEM is an unencrypted PKCS#8 PEM private key.
	PrivateKeyPEM []byte
}

// NewCredentials makes a fresh ECDSA P-521 signing key, registers its public
// half under a random key id and returns the credentials to use.
func (s *Sandbox) NewCredentials() (Credentials, error) {
	return s.newCredentials(P521, uuid.NewString())
}

// NewEd25519Credentials is NewCredentials with an Ed25519 key.
func (s *Sandbox) NewEd25519Credentials() (Credentials, error) {
	return s.newCredentials(Ed25519, uuid.NewString())
}

// newCredentials makes a fresh key of kind and registers it under keyID.
func (s *Sandbox) newCredentials(kind KeyKind, keyID string) (Credentials, error) {
	var priv crypto.Signer
	var err error
	if kind == Ed25519 {
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	} else {
		priv, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	}
	if err != nil {
		return Credentials{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return Credentials{}, err
	}
	return s.register(keyID, priv.Public(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// register registers pub under keyID and returns the credentials with the
// private key privPEM.
func (s *Sandbox) register(keyID string, pub crypto.PublicKey, privPEM []byte) Credentials {
	s.AddClientKey(keyID, pub)
	return Credentials{ClientID: s.auth.clientID, ClientSecret: s.auth.secret, KeyID: keyID, PrivateKeyPEM: privPEM}
}

// startCredentials registers the key Start uses under Config.KeyID (or a
// random id): Config.PrivateKeyPEM, or a fresh key of kind.
func (s *Sandbox) startCredentials(kind KeyKind) (Credentials, error) {
	keyID := s.cfg.KeyID
	if keyID == "" {
		keyID = uuid.NewString()
	}
	if s.cfg.PrivateKeyPEM == nil {
		return s.newCredentials(kind, keyID)
	}
	key, err := middleware.ParseKey(s.cfg.PrivateKeyPEM, nil)
	if err != nil {
		return Credentials{}, fmt.Errorf("sandbox: Config.PrivateKeyPEM: %w", err)
	}
	return s.register(keyID, key.Public(), s.cfg.PrivateKeyPEM), nil
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
