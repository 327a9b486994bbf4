package upvest

import (
	"github.com/google/uuid"
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
	if f, ok := factsOf(err); ok && *f.key != "" {
		return *f.key, true
	}
	return "", false
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
	if f, ok := factsOf(err); ok {
		*f.key, *f.mayHave = key, may || f.unsettled
		return err
	}
	// The request was never built: no method or path to name.
	ce := &CallError{Err: err, IdempotencyKey: key}
	if c.op != nil {
		ce.Method, ce.Path = c.op.Op.Method, c.path
	}
	return ce
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
	f, ok := factsOf(err)
	return ok && *f.mayHave
}
