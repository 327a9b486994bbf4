package sandbox

import (
	"log/slog"
	"time"

	"github.com/upvest-go/upvest"
)

// Defaults of Start's server limits: with them, a sandbox on every
// interface cannot be exhausted by connections that send nothing, or a
// body slowly (see Config).
const (
	DefaultReadTimeout    = 10 * time.Second
	DefaultIdleTimeout    = time.Minute
	DefaultMaxConnections = 128
)

// Limits of what the sandbox remembers and accepts. Upvest publishes none of
// the first two figures; see each for where it comes from.
const (
	// MaxSignatureValidity is the longest signature validity (expires -
	// created) the sandbox accepts; a longer one is refused with a 401
	// naming this figure. Upvest publishes no maximum and asks for short
	// validities; its own signers use 5 s (JavaScript example), 10 s
	// (Python), 60 s (Java, and httpsignature-proxy, which most integrations
	// start with). The sandbox accepts the longest of these, as the
	// client does (upvest.MaxSignatureValidity).
	MaxSignatureValidity = upvest.MaxSignatureValidity

	// IdempotencyRetention is how long a create's answer is replayed for
	// its idempotency key: Upvest recognises replays for at least 24 hours
	// (no retention window is published). After it, the key is new again.
	IdempotencyRetention = 24 * time.Hour

	// expiredTokenMemory is how long an expired token is still recognised,
	// so that a call with it is told "expired" rather than "unknown".
	expiredTokenMemory = 5 * time.Minute

	// sweepEvery is how often (by the sandbox's clock) expired nonces,
	// tokens and idempotency entries are dropped.
	sweepEvery = 10 * time.Second
)

// Config sets up a Sandbox. Its zero value works: random credentials,
// groups activated right after creation and closed right after closure is
// asked, no faults.
type Config struct {
	// ClientID and ClientSecret are the tenant credentials the sandbox
	// accepts; empty means random ones (see Sandbox.ClientID).
	ClientID, ClientSecret string
	// Addr is where Start listens; empty means 127.0.0.1 on a free port.
	// New ignores it.
	Addr string
	// KeyID is the id Start registers its client signing key under; empty
	// means a random UUID. New ignores it.
	KeyID string
	// PrivateKeyPEM is the client signing key Start registers: an
	// unencrypted PEM ECDSA P-521 or Ed25519 private key (SEC1 or PKCS#8),
	// kept as given in Credentials. Nil means a fresh key of the kind
	// Start is given. New ignores it.
	PrivateKeyPEM []byte
	// ReadTimeout bounds how long Start's server waits for a request's
	// headers and body; zero means DefaultReadTimeout. A connection whose
	// request is not in by then is closed.
	ReadTimeout time.Duration
	// IdleTimeout bounds how long Start's server keeps an idle kept-alive
	// connection; zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxConnections bounds the connections Start's server holds at once;
	// zero means DefaultMaxConnections. Further connections wait, not
	// accepted, until one closes.
	MaxConnections int
	// DeniedScopes are published scopes the client is not granted: a
	// token request asking for one is refused with 403, as Upvest refuses
	// a tenant a scope it was not given. Nil grants every published scope.
	DeniedScopes []string
	// TokenTTL is the lifetime of issued tokens; zero means 30 minutes.
	TokenTTL time.Duration
	// ApprovalDelay is how long a new group stays PENDING_APPROVAL before
	// it becomes ACTIVE; negative means until Sandbox.Activate.
	ApprovalDelay time.Duration
	// ClosingDelay is how long a group stays CLOSING before CLOSED;
	// negative means until Sandbox.FinishClosing.
	ClosingDelay time.Duration
	// Faults makes some calls fail on purpose.
	Faults Faults
	// SignatureSkew is the clock skew tolerated on created and expires;
	// zero means 5 s.
	SignatureSkew time.Duration
	// MaxSignatureAge refuses signatures created longer ago; zero means
	// 5 minutes. (With validities capped at MaxSignatureValidity, a
	// signature that old has expired anyway unless this is set lower.)
	MaxSignatureAge time.Duration
	// WebhookRetry is the back-off between failed webhook deliveries;
	// nil means Upvest's 1, 2, 3, 5, 8 … 600 s. The last entry repeats.
	WebhookRetry []time.Duration
	// Now is the clock; nil means time.Now. Signatures, tokens and
	// idempotency entries are judged and expired by it.
	Now func() time.Time
	// Logger logs each refusal's reason at info level (debug for other
	// errors); nil logs nothing.
	Logger *slog.Logger
}

// withDefaults fills the zero fields.
func (cfg Config) withDefaults() Config {
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
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	return cfg
}

// KeyKind selects the signing key Start makes for the credentials.
type KeyKind int

const (
	// P521 is an ECDSA P-521 key, what Upvest's docs generate.
	P521 KeyKind = iota
	// Ed25519 is an Ed25519 key.
	Ed25519
)
