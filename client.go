package upvest

import (
	"crypto"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/internal/clock"
	"github.com/upvest-go/upvest/internal/routes"
	"github.com/upvest-go/upvest/middleware"
)

// Version is this module's version, sent in the User-Agent.
const Version = "0.2.0"

// Client calls the Upvest Investment API. Every call carries a scoped token
// and a fresh v15 signature per attempt; creates carry one idempotency key
// across all their attempts. Build it with New; a Client is safe for
// concurrent use and should be reused (it caches tokens).
type Client struct {
	p        *pipeline
	base     *url.URL
	clientID string
	signer   *middleware.Signer
	gen      *gen.Client
}

// New checks cfg, loads the signing key and builds a Client. A bad key or
// passphrase fails here (a *middleware.KeyError), never at the first call;
// other Config mistakes wrap ErrConfig. New sends nothing.
func New(cfg Config, opts ...Option) (*Client, error) {
	o := options{timeout: DefaultTimeout, maxBody: DefaultMaxResponseBytes, now: time.Now, sleep: clock.Sleep}
	for _, opt := range opts {
		opt(&o)
	}
	o.retry = o.retry.withDefaults()
	if o.validity < 0 || o.validity > MaxSignatureValidity {
		return nil, fmt.Errorf("%w: signature validity %v is outside 0..%v", ErrConfig, o.validity, MaxSignatureValidity)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = SandboxURL
	}
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	key := cfg.Signer
	if o.key != nil {
		key = o.key
	}
	if missing := missingFields(cfg, key != nil); missing != "" {
		return nil, fmt.Errorf("%w: %s", ErrConfig, missing)
	}
	if key != nil && len(cfg.PrivateKeyPEM) > 0 {
		return nil, fmt.Errorf("%w: set one of Signer and PrivateKeyPEM, not both", ErrConfig)
	}
	if key == nil {
		if key, err = middleware.ParseKey(cfg.PrivateKeyPEM, cfg.PrivateKeyPassphrase); err != nil {
			return nil, err
		}
	}
	signer, err := middleware.NewSigner(key, cfg.KeyID)
	if err != nil {
		return nil, err
	}
	signer.Validity = o.validity
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
		MaxAttempts:   o.retry.MaxAttempts,
		BaseDelay:     o.retry.BaseDelay,
		MaxDelay:      o.retry.MaxDelay,
		MaxRetryAfter: o.retry.MaxRetryAfter,
		FetchTimeout:  timeout,
		Now:           o.now,
		Sleep:         o.sleep,
		Telemetry:     middleware.Telemetry{TracerProvider: o.tracerProvider, MeterProvider: o.meterProvider},
	}
	tel, err := newTelemetry(o.tracerProvider, o.meterProvider)
	if err != nil {
		return nil, fmt.Errorf("%w: OpenTelemetry instruments: %w", ErrConfig, err)
	}
	p := &pipeline{
		tel: tel,
		tr: &middleware.Transport{Base: rt, Signer: signer, ClientID: cfg.ClientID, UserAgent: ua, Tokens: tokens, BaseURL: base,
			Propagator: o.propagator},
		policy: o.retry, timeout: timeout, maxBody: o.maxBody, logger: o.logger, sleep: o.sleep, now: o.now,
	}
	c := &Client{p: p, base: base, clientID: cfg.ClientID, signer: signer}
	if c.gen, err = gen.NewClient(base.String(), gen.WithHTTPClient(generatedDoer{p: p, base: base})); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return c, nil
}

// newCall prepares a call of op with the options o, the path parameters
// params and the query string query. Method and path come from the
// generated operation table.
func (c *Client) newCall(op *routes.Route, o *callOptions, query string, params ...string) *call {
	path := op.Path(params...)
	u := *c.base
	u.Path += path
	u.RawQuery = query
	return &call{op: op, url: &u, path: path, opts: o}
}

// settleOptions are the options of the read that settles a close: the
// close's own timeout and retry policy, not its response info.
func (c *Client) settleOptions(o *callOptions) []CallOption {
	var out []CallOption
	if o.timeoutOK {
		out = append(out, WithCallTimeout(o.timeout))
	}
	if o.policy != nil {
		p := *o.policy
		out = append(out, func(x *callOptions) { x.policy = &p })
	}
	return out
}

// RotateSigningKey makes signer, under keyID (the id Upvest gave its
// uploaded public key), the key of every attempt that starts after it
// returns: attempts under way finish with the old key, so a live client
// rotates without failing a call. Upload the new public key to Upvest and
// wait until it is accepted before rotating; keep the old one registered
// until the calls signed with it are done. signer must be ECDSA P-521 or
// Ed25519 (a *middleware.KeyError otherwise; the key in use then stays).
// Safe to call while other goroutines make calls.
func (c *Client) RotateSigningKey(signer crypto.Signer, keyID string) error {
	return c.signer.Rotate(signer, keyID)
}

// Generated returns the generated client underneath, for operations this
// facade does not cover. Its calls go through the same pipeline: transport
// headers, token, signature, retries (creates with one idempotency key for
// all attempts) and size limit; answers are not decoded into errors.
func (c *Client) Generated() *gen.Client { return c.gen }

// missingFields names the required fields cfg lacks, in a fixed order, as
// "A, B and C are required" (or "A is required"); "" when none is missing.
func missingFields(cfg Config, haveKey bool) string {
	var names []string
	for _, f := range []struct {
		name    string
		missing bool
	}{
		{"ClientID", cfg.ClientID == ""},
		{"ClientSecret", cfg.ClientSecret == ""},
		{"KeyID", cfg.KeyID == ""},
		{"PrivateKeyPEM (or Signer)", !haveKey && len(cfg.PrivateKeyPEM) == 0},
	} {
		if f.missing {
			names = append(names, f.name)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0] + " is required"
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " are required"
}

// checkBaseURL requires https, except for loopback hosts, and refuses user
// info, a query and a fragment: none belongs in a base URL, and user info
// would be sent along with every call.
func checkBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: BaseURL is not an absolute URL", ErrConfig)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("%w: BaseURL must have no user info, query or fragment (got host %s)", ErrConfig, u.Host)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, fmt.Errorf("%w: BaseURL must use https (http only for loopback hosts), got %s://%s", ErrConfig, u.Scheme, u.Host)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
