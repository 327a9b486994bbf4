package upvest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/internal/clock"
	"github.com/upvest-go/upvest/internal/redact"
	"github.com/upvest-go/upvest/middleware"
)

// stack is the request stack New and GeneratedClientOptions build, from
// the generated client down:
//
//	gen.Client: builds the request from the document, runs the editors:
//	  middleware.HeadersEditor (client id, API version, accept, user agent),
//	  then the call's own (an idempotency key, a caller's headers)
//	doer: the operation looked up once, the body buffered, one idempotency
//	  key for the call, the retry loop, attempt timeouts, spans, size limit
//	middleware.Transport, on every attempt: a bearer token (Tokens) and
//	  a fresh content-digest and v15 signature over the final request
//	the caller's Config.HTTPClient.Transport (http.DefaultTransport)
type stack struct {
	base    *url.URL
	signer  *middleware.Signer
	doer    *doer
	headers gen.RequestEditorFn
}

// clientOptions are the generated client's options for s.
func (s *stack) clientOptions() []gen.ClientOption {
	return []gen.ClientOption{gen.WithHTTPClient(s.doer), gen.WithRequestEditorFn(s.headers)}
}

func newStack(cfg Config, opts []Option) (*stack, error) {
	o := options{timeout: DefaultTimeout, maxBody: DefaultMaxResponseBytes, now: time.Now, sleep: clock.Sleep}
	for _, opt := range opts {
		opt(&o)
	}
	o.retry = o.retry.WithDefaults()
	if o.validity < 0 || o.validity > MaxSignatureValidity {
		return nil, fmt.Errorf("%w: signature validity %v is outside 0..%v", ErrConfig, o.validity, MaxSignatureValidity)
	}
	key := cfg.Signer
	if missing := missingFields(cfg, key != nil); missing != "" {
		return nil, fmt.Errorf("%w: %s", ErrConfig, missing)
	}
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if key != nil && len(cfg.PrivateKeyPEM) > 0 {
		return nil, fmt.Errorf("%w: set one of Signer and PrivateKeyPEM, not both", ErrConfig)
	}
	if key == nil {
		if key, err = middleware.ParseKey(cfg.PrivateKeyPEM, cfg.PrivateKeyPassphrase); err != nil {
			return nil, fmt.Errorf("%w: PrivateKeyPEM: %w", ErrConfig, err)
		}
	}
	signer, err := middleware.NewSigner(key, cfg.KeyID)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	signer.Validity = o.validity
	tel, err := newTelemetry(o.tracerProvider, o.meterProvider)
	if err != nil {
		return nil, fmt.Errorf("%w: OpenTelemetry instruments: %w", ErrConfig, err)
	}
	signer.OnClockOffset = func(old, new time.Duration) {
		tel.offsetChanged()
		if o.logger != nil {
			o.logger.LogAttrs(context.Background(), slog.LevelDebug, "upvest clock offset learned from Date",
				slog.Duration("old", old), slog.Duration("new", new))
		}
	}
	var rt http.RoundTripper // nil: http.DefaultTransport
	timeout := o.timeout
	if cfg.HTTPClient != nil {
		rt = cfg.HTTPClient.Transport
		if t := cfg.HTTPClient.Timeout; t > 0 && t < timeout {
			timeout = t
		}
	}
	ua := "upvest-go/" + Version
	if o.userAgent != "" {
		ua = o.userAgent + " " + ua
	}
	tokens := &middleware.Tokens{
		TokenURL:     strings.TrimSuffix(base.String(), "/") + "/auth/token",
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		HTTPClient: &http.Client{
			Transport: &middleware.Transport{Base: rt, Signer: signer, ClientID: cfg.ClientID, UserAgent: ua, BaseURL: base},
			Timeout:   timeout,
		},
		Retry:        o.retry,
		FetchTimeout: timeout,
		Now:          o.now,
		Sleep:        o.sleep,
		Logger:       o.logger,
		Telemetry:    middleware.Telemetry{TracerProvider: o.tracerProvider, MeterProvider: o.meterProvider},
	}
	d := &doer{
		tel: tel,
		rt: &middleware.Transport{Base: rt, Signer: signer, ClientID: cfg.ClientID, UserAgent: ua, Tokens: tokens, BaseURL: base,
			Propagator: o.propagator},
		basePath: base.Path,
		policy:   o.retry, timeout: timeout, maxBody: o.maxBody, logger: o.logger, sleep: o.sleep, now: o.now, strict: o.strict, limiter: o.limiter,
		secretForms: redact.Forms(cfg.ClientID, cfg.ClientSecret),
	}
	return &stack{base: base, signer: signer, doer: d, headers: middleware.HeadersEditor(cfg.ClientID, ua)}, nil
}
