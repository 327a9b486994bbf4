package upvest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/middleware"
)

// Version is this module's version, sent in the User-Agent.
const Version = "0.1.0"

// Client calls the Upvest Investment API. Every call carries a scoped token
// and a fresh v15 signature per attempt; creates carry one idempotency key
// across all their attempts. Build it with New; a Client is safe for
// concurrent use and should be reused (it caches tokens).
type Client struct {
	gen      *gen.Client
	clientID string
}

// New checks cfg, loads the signing key and builds a Client. A bad key or
// passphrase fails here (a *middleware.KeyError), never at the first call;
// other Config mistakes wrap ErrConfig. New sends nothing.
func New(cfg Config, opts ...Option) (*Client, error) {
	o := options{timeout: DefaultTimeout, maxBody: DefaultMaxResponseBytes, now: time.Now, sleep: sleep}
	for _, opt := range opts {
		opt(&o)
	}
	o.retry = o.retry.withDefaults()
	if cfg.BaseURL == "" {
		cfg.BaseURL = SandboxURL
	}
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]string{"ClientID": cfg.ClientID, "ClientSecret": cfg.ClientSecret, "KeyID": cfg.KeyID} {
		if v == "" {
			return nil, fmt.Errorf("%w: %s is required", ErrConfig, name)
		}
	}
	key := o.key
	if key == nil {
		if len(cfg.PrivateKeyPEM) == 0 {
			return nil, fmt.Errorf("%w: PrivateKeyPEM is required", ErrConfig)
		}
		if key, err = middleware.ParseKey(cfg.PrivateKeyPEM, cfg.PrivateKeyPassphrase); err != nil {
			return nil, err
		}
	}
	src := cfg.HTTPClient
	if src == nil {
		src = &http.Client{}
	}
	signer := &middleware.Signer{Key: key, KeyID: cfg.KeyID, Validity: o.validity}
	tokenHC := &http.Client{
		Transport: &middleware.Transport{Base: src.Transport, Signer: signer, ClientID: cfg.ClientID, BaseURL: base},
		Timeout:   o.timeout,
	}
	tokens := &middleware.Tokens{
		TokenURL:      strings.TrimSuffix(base.String(), "/") + "/auth/token",
		ClientID:      cfg.ClientID,
		ClientSecret:  cfg.ClientSecret,
		HTTPClient:    tokenHC,
		MaxAttempts:   o.retry.MaxAttempts,
		BaseDelay:     o.retry.BaseDelay,
		MaxDelay:      o.retry.MaxDelay,
		MaxRetryAfter: o.retry.MaxRetryAfter,
		FetchTimeout:  o.timeout,
	}
	// A copy of the caller's client, never the caller's client itself. Its
	// CheckRedirect does not matter: the middleware turns every 3xx from
	// the API host into a *middleware.RedirectError before net/http could
	// follow it.
	hc := &http.Client{
		Transport:     &middleware.Transport{Base: src.Transport, Signer: signer, ClientID: cfg.ClientID, Tokens: tokens, BaseURL: base},
		CheckRedirect: src.CheckRedirect,
		Jar:           src.Jar,
		Timeout:       src.Timeout,
	}
	ua := "upvest-go/" + Version
	if o.userAgent != "" {
		ua = o.userAgent + " " + ua
	}
	d := &doer{hc: hc, policy: o.retry, timeout: o.timeout, maxBody: o.maxBody, logger: o.logger, sleep: o.sleep, now: o.now}
	// Editors run once per logical call, before the retries; the signature
	// is made below them, per attempt, by the middleware transport.
	g, err := gen.NewClient(base.String(), gen.WithHTTPClient(d),
		gen.WithRequestEditorFn(middleware.ClientIDEditor(cfg.ClientID)),
		gen.WithRequestEditorFn(middleware.APIVersionEditor()),
		gen.WithRequestEditorFn(middleware.AcceptEditor()),
		gen.WithRequestEditorFn(userAgent(ua)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Client{gen: g, clientID: cfg.ClientID}, nil
}

// userAgent sets the User-Agent header (not signed).
func userAgent(ua string) gen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header["User-Agent"] = []string{ua}
		return nil
	}
}

// Generated returns the generated client underneath, for operations this
// facade does not cover. Its calls go through the same signing, token,
// retry and size-limit stack; answers are not decoded into errors.
func (c *Client) Generated() *gen.Client { return c.gen }

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

// sleep waits d or until done closes; it reports whether it waited fully.
func sleep(done <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
