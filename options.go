package upvest

import (
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

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
