package upvest

import (
	"crypto"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Hosts of the API.
const (
	SandboxURL = "https://sandbox.upvest.co"
	LiveURL    = "https://api.upvest.co"
)

// Config holds what New needs. Every field but Signer (or PrivateKeyPEM),
// PrivateKeyPassphrase and HTTPClient is required: BaseURL too, so a
// production service that forgot it fails at New, naming the field, rather
// than calling the sandbox. HTTPClient's zero value means a default client.
// Printed in any way (every fmt verb, log/slog, encoding/json) it shows no
// secret: the client secret, the private key and its passphrase appear as
// [redacted]. One limit: fmt (and so slog's text handler) cannot call a
// method of a value held in an unexported field, so it prints such a Config
// field by field; keep a Config in an unexported field as a *Config, which
// prints as an address.
type Config struct {
	// BaseURL is the API's base URL, SandboxURL or LiveURL. It must be
	// https unless the host is a loopback address (for tests and the
	// sandbox package), and have no user info, query or fragment.
	BaseURL string
	// ClientID and ClientSecret are the tenant's OAuth2 client credentials.
	ClientID     string
	ClientSecret string
	// KeyID is the id Upvest gave the uploaded public signing key.
	KeyID string
	// PrivateKeyPEM is the signing key (ECDSA P-521 or Ed25519): SEC1 or
	// PKCS#8, plain or encrypted. See middleware.ParseKey. Set it or
	// Signer, not both.
	PrivateKeyPEM []byte
	// PrivateKeyPassphrase decrypts PrivateKeyPEM when it is encrypted.
	PrivateKeyPassphrase []byte
	// Signer signs instead of a key in PrivateKeyPEM: any crypto.Signer
	// whose public key is ECDSA P-521 or Ed25519, such as a key held in a
	// KMS, an HSM (PKCS#11) or an agent; others are refused by New (a
	// *middleware.KeyError). A remote signer takes no context: one that
	// implements middleware.ContextSigner is called with the attempt's
	// context, so the attempt's deadline bounds it; any other is called as
	// it is, and a hung one holds its attempt. Client.RotateSigningKey
	// replaces it on a live client.
	Signer crypto.Signer
	// HTTPClient supplies the connection layer and is never modified: its
	// Transport sends every request (nil means http.DefaultTransport), and
	// its Timeout, when shorter than WithTimeout's, bounds each attempt.
	// Its Jar and CheckRedirect are not used: Upvest sets no cookies and
	// documents no redirect, and the client never follows one (a 3xx is a
	// *middleware.RedirectError), so the client secret and signed requests
	// stay with the API host.
	HTTPClient *http.Client
}

// Option changes a Client's defaults; pass them to New.
type Option func(*options)

type options struct {
	logger    *slog.Logger
	retry     RetryPolicy
	timeout   time.Duration
	userAgent string
	validity  time.Duration
	maxBody   int64
	strict    bool
	limiter   RateLimiter
	sleep     func(ctxDone <-chan struct{}, d time.Duration) bool
	now       func() time.Time

	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider
	propagator     propagation.TextMapPropagator
}

// DefaultTimeout bounds one attempt of a call, reading the answer included,
// when WithTimeout is not given.
const DefaultTimeout = 30 * time.Second

// DefaultMaxResponseBytes bounds the size of an answer's body.
const DefaultMaxResponseBytes = 8 << 20

// WithLogger logs every attempt (method, path, status, attempt, request id,
// duration) at debug level and every retry at info level. Headers, bodies,
// tokens and signatures are never logged. nil disables logging (the default).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithRetryPolicy replaces DefaultRetryPolicy(). Zero fields take the
// default's values; MaxAttempts 1 disables retries.
func WithRetryPolicy(p RetryPolicy) Option { return func(o *options) { o.retry = p } }

// WithTimeout bounds each attempt of a call, answer body included
// (default DefaultTimeout). The retry policy's Budget bounds the whole call.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithUserAgent is prepended to the User-Agent header.
func WithUserAgent(ua string) Option { return func(o *options) { o.userAgent = ua } }

// MaxSignatureValidity is the longest signature validity WithSignatureValidity
// accepts. Upvest publishes no maximum and asks for short validities; its own
// signers use 5 s to 60 s (the Java example and httpsignature-proxy use 60 s),
// and the sandbox refuses longer ones.
const MaxSignatureValidity = 60 * time.Second

// WithSignatureValidity sets expires - created of each signature (default
// middleware.DefaultValidity); New refuses a value that is negative or over
// MaxSignatureValidity.
func WithSignatureValidity(d time.Duration) Option { return func(o *options) { o.validity = d } }

// WithMaxResponseBytes bounds answer bodies (default DefaultMaxResponseBytes).
func WithMaxResponseBytes(n int64) Option { return func(o *options) { o.maxBody = n } }

// WithStrictResponses makes a successful answer that breaks a rule of the
// API document (a pattern, a format, an enumeration, a required field) the
// *ResponseError it is, instead of a result with findings
// (ResponseInfo.Findings): for tests that hold a server to the document.
// Production code should leave it off: Upvest asks clients to accept what
// the API adds.
func WithStrictResponses() Option { return func(o *options) { o.strict = true } }
