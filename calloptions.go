package upvest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/upvest-go/upvest/middleware"
)

// CallOption changes one call: its attempt timeout, its retry policy, the
// response information it reports, and, for creates only, its idempotency
// key. Every account-group method takes them (WebhookKeys takes only a
// context, so that webhook.RemoteKeys can call it as it is). An option that makes no sense for the call (an idempotency key on a
// GET) makes the call fail with ErrInvalidArgument before anything is sent.
type CallOption func(*callOptions)

// callOptions are one call's options; zero fields mean the client's.
type callOptions struct {
	key       string
	keySet    bool
	ref       string
	refSet    bool
	timeout   time.Duration
	timeoutOK bool // WithAttemptTimeout given
	policy    *RetryPolicy
	info      *ResponseInfo
	infoSet   bool
}

// WithAttemptTimeout bounds each attempt of this call, answer body
// included, instead of the client's WithTimeout: a call retried 4 times may
// take 4 such bounds and the waits between them. The context bounds the
// whole call (and the retry policy's Budget its waits); a call that ran
// out of either says how many attempts it made.
func WithAttemptTimeout(d time.Duration) CallOption {
	return func(o *callOptions) { o.timeout, o.timeoutOK = d, true }
}

// WithCallRetryPolicy retries this call per p (zero fields take
// DefaultRetryPolicy()'s values) instead of the client's policy.
func WithCallRetryPolicy(p RetryPolicy) CallOption {
	return func(o *callOptions) { p = p.WithDefaults(); o.policy = &p }
}

// WithResponseInfo fills info when the call returns, successful or not,
// with what is known of its last answer; for an iterator, the last page's.
func WithResponseInfo(info *ResponseInfo) CallOption {
	return func(o *callOptions) { o.info, o.infoSet = info, true }
}

// ResponseInfo describes a call's last answer. Fields are zero where
// nothing is known (no answer arrived).
type ResponseInfo struct {
	// StatusCode and Header are the last answer's.
	StatusCode int
	Header     http.Header
	// RequestID is the upvest-request-id header: quote it to Upvest support.
	RequestID string
	// Attempts counts the attempts made, the first included.
	Attempts int
	// IdempotencyKey is the key every attempt of a create sent.
	IdempotencyKey string
	// Findings are the rules of the API document a successful answer
	// broke and its typed result survived (see Finding); nil when none.
	Findings []Finding
}

// callOptionsFor applies opts and checks they suit the call: creates may
// carry an idempotency key or reference, nothing else may.
func callOptionsFor(create bool, opts []CallOption) (*callOptions, error) {
	var o callOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	switch {
	case !create && (o.keySet || o.refSet):
		return nil, fmt.Errorf("%w: an idempotency key or reference applies to creates only", ErrInvalidArgument)
	case o.infoSet && o.info == nil:
		return nil, fmt.Errorf("%w: WithResponseInfo needs a non-nil *ResponseInfo", ErrInvalidArgument)
	case o.timeoutOK && o.timeout <= 0:
		return nil, fmt.Errorf("%w: WithAttemptTimeout needs a positive duration, got %v", ErrInvalidArgument, o.timeout)
	}
	return &o, nil
}

// WithIdempotencyKey makes the create use key instead of a new random one:
// pass the key a failed create's error names (IdempotencyKeyOf) to repeat
// it, and Upvest answers with the original result instead of creating a
// second group. The key must match Upvest's published pattern (a UUID of
// version 0 to 5, variant 0, 8, 9, a or b; the dashes may be left out), else the
// create fails with ErrInvalidArgument before anything is sent. It cannot
// be combined with WithIdempotencyReference.
func WithIdempotencyKey(key string) CallOption {
	return func(o *callOptions) { o.key, o.keySet = key, true }
}

// resolve returns the idempotency key the create's options choose: the
// reference's, the caller's (checked), or a new random one.
func (o *callOptions) resolve(clientID string) (string, error) {
	switch {
	case o.keySet && o.refSet:
		return "", fmt.Errorf("%w: WithIdempotencyKey and WithIdempotencyReference cannot be combined", ErrInvalidArgument)
	case o.refSet && o.ref == "":
		return "", fmt.Errorf("%w: the idempotency reference is empty", ErrInvalidArgument)
	case o.refSet:
		return IdempotencyKeyFor(clientID, o.ref), nil
	case o.keySet:
		if err := middleware.CheckIdempotencyKey(o.key); err != nil {
			return "", fmt.Errorf("%w: %w", ErrInvalidArgument, err)
		}
		return o.key, nil
	}
	return middleware.NewIdempotencyKey(), nil
}

// WithIdempotencyReference derives the create's idempotency key from ref,
// the caller's own identifier of this create (an order id; a customer id
// and a purpose), as IdempotencyKeyFor(client id, ref). A process that dies
// mid-create and starts again with the same reference sends the same key,
// so it cannot create twice within Upvest's replay window (at least 24 h).
// A reference must name one create: reused with another user or type,
// Upvest refuses the create (422). It cannot be combined with
// WithIdempotencyKey; an empty ref is an ErrInvalidArgument.
func WithIdempotencyReference(ref string) CallOption {
	return func(o *callOptions) { o.ref, o.refSet = ref, true }
}

// settleOptions are the options of the read that settles a close: the
// close's own timeout and retry policy, not its response info.
func (c *Client) settleOptions(o *callOptions) []CallOption {
	var out []CallOption
	if o.timeoutOK {
		out = append(out, WithAttemptTimeout(o.timeout))
	}
	if o.policy != nil {
		p := *o.policy
		out = append(out, func(x *callOptions) { x.policy = &p })
	}
	return out
}
