package upvest

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/middleware"
)

// IdempotencyNamespace is the UUID namespace of keys derived from a
// reference (WithIdempotencyReference, IdempotencyKeyFor). It is fixed
// forever: changing it would let a restarted process create twice.
const IdempotencyNamespace = "dc59a2b1-c796-4f2a-9ec8-0853218cfe42"

var idempotencyNamespace = uuid.MustParse(IdempotencyNamespace)

// IdempotencyKeyFor returns the idempotency key WithIdempotencyReference
// uses: the name-based (SHA-1, version 5) UUID of clientID + ":" + ref in
// IdempotencyNamespace. The same client and reference always give the same
// key, in any process, so it needs no storage.
func IdempotencyKeyFor(clientID, ref string) string {
	return uuid.NewSHA1(idempotencyNamespace, []byte(clientID+":"+ref)).String()
}

// IdempotencyKeyOf returns the idempotency key a failed create sent on
// every attempt, when err came from CreateAccountGroup after the key was
// chosen. Such a create may or may not have happened: repeat it with
// WithIdempotencyKey(key) and Upvest answers with the original result
// instead of creating a second group.
func IdempotencyKeyOf(err error) (string, bool) {
	var k keyed
	if errors.As(err, &k) {
		if key := k.idempotencyKey(); key != "" {
			return key, true
		}
	}
	return "", false
}

// keyed is an error that may carry the idempotency key of its call.
type keyed interface {
	error
	idempotencyKey() string
}

// withKey records the create's idempotency key, and whether it may have
// happened, in the facade error err carries (an *APIError, *ResponseError
// or *CallError); any other error is wrapped in a *CallError first.
func withKey(err error, c *call) error {
	key := c.key
	// Unknown when an attempt may have reached the server and no later
	// one was refused for good; a 2xx that could not be decoded and a 409
	// (the key in use by a create under way) are unknown too.
	may := c.state.uncertain && !c.state.refused
	var apiErr *APIError
	var respErr *ResponseError
	var callErr *CallError
	switch {
	case errors.As(err, &apiErr):
		apiErr.IdempotencyKey, apiErr.mayHave = key, may || apiErr.StatusCode == http.StatusConflict
	case errors.As(err, &respErr):
		respErr.IdempotencyKey, respErr.mayHave = key, may || respErr.StatusCode/100 == 2
	case errors.As(err, &callErr):
		callErr.IdempotencyKey, callErr.mayHave = key, may
	default: // the request was never built: no method or path to name
		ce := &CallError{Err: err, IdempotencyKey: key}
		if c.op != nil {
			ce.Method, ce.Path = c.op.Op.Method, c.path
		}
		return ce
	}
	return err
}

// MayHaveHappened reports whether the failed create whose error is err may
// have created the group: an attempt was sent and its outcome is unknown
// (no answer, an answer cut short, a timeout after sending, a 5xx, a 2xx
// that could not be decoded, a 409 for the key in use by a create under
// way) and no later attempt under the same key settled it. It is false
// when nothing was sent (bad arguments, the token fetch or the signing
// failed, no connection was made), when the last attempt that reached the
// server was refused for good (400, 401, 403, 404, 406, 422, 429: a
// committed create would have been answered with the original group
// instead), and for errors that are not a create's. When it is true,
// repeat the create with the key IdempotencyKeyOf gives: it returns the
// group if it was created, and creates it once if not.
func MayHaveHappened(err error) bool {
	var apiErr *APIError
	var respErr *ResponseError
	var callErr *CallError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.mayHave
	case errors.As(err, &respErr):
		return respErr.mayHave
	case errors.As(err, &callErr):
		return callErr.mayHave
	}
	return false
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
