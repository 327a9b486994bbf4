package upvest

import (
	"crypto"
	"fmt"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/middleware"
)

// Version is this module's version, sent in the User-Agent.
const Version = "0.2.0"

// Client calls the Upvest Investment API. Every call carries a scoped token
// and a fresh v15 signature per attempt; creates carry one idempotency key
// across all their attempts. Build it with New; a Client is safe for
// concurrent use and should be reused (it caches tokens).
//
// Each method is a thin wrapper over the generated client (package gen),
// which builds every request (path, query, body) from the OpenAPI document;
// the method checks its arguments first and decodes the answer into a
// typed result or error after. The methods decode answers themselves
// rather than through gen.ClientWithResponses' Parse functions: those fail
// the whole answer, status and request id lost, on a malformed body, a
// request id that is not a UUID or a Retry-After given as an HTTP-date,
// where the facade keeps them in its typed errors.
type Client struct {
	d        *doer
	clientID string
	signer   *middleware.Signer
	gen      *gen.Client
}

// New checks cfg, loads the signing key and builds a Client. A bad key or
// passphrase fails here (a *middleware.KeyError), never at the first call;
// other Config mistakes wrap ErrConfig. New sends nothing.
func New(cfg Config, opts ...Option) (*Client, error) {
	s, err := newStack(cfg, opts)
	if err != nil {
		return nil, err
	}
	g, err := gen.NewClient(s.base.String(), s.clientOptions()...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Client{d: s.doer, clientID: cfg.ClientID, signer: s.signer, gen: g}, nil
}

// GeneratedClientOptions returns what the generated client needs to call
// Upvest as the Client does: the same request stack (headers, idempotency
// keys, retries, attempt timeouts, size limit, tokens, signatures,
// telemetry), built from cfg and opts as New builds it. Give them, with
// cfg.BaseURL, to gen.NewClientWithResponses (or gen.NewClient):
//
//	opts, err := upvest.GeneratedClientOptions(cfg)
//	…
//	api, err := gen.NewClientWithResponses(cfg.BaseURL, opts...)
//
// Every call then gets one idempotency key for all its attempts (the one a
// caller's editor set, else a new one where the operation requires it), is
// retried per the retry policy and re-signed on every attempt; answers are
// not turned into errors. The options hold one stack: every client made
// with them shares its token cache and is safe for concurrent use.
func GeneratedClientOptions(cfg Config, opts ...Option) ([]gen.ClientOption, error) {
	s, err := newStack(cfg, opts)
	if err != nil {
		return nil, err
	}
	return s.clientOptions(), nil
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

// Generated returns the generated client the methods use, for operations
// this facade does not cover. Its calls go through the same stack: the
// fixed headers, then the caller's own editors (every header they set is
// sent and signed), then idempotency keys (one per call for all its
// attempts), retries, attempt timeouts, the size limit, a token and a
// fresh signature on every attempt. Answers are not turned into errors:
// gen's ParseXResponse functions decode them. GeneratedClientOptions
// builds a generated client of your own with the same stack.
func (c *Client) Generated() *gen.Client { return c.gen }
