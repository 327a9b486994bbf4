package upvest

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"go.opentelemetry.io/otel/trace"

	"github.com/upvest-go/upvest/internal/routes"
)

// call is one logical call: the caller's options for it and what its
// attempts learn. The facade puts one in the context of each call
// (withCall); the doer makes one for the generated client's own callers.
type call struct {
	// opts are the call's own options; never nil.
	opts *callOptions
	// settle asks the doer to learn whether an attempt's outcome is
	// unknown (state): for a close that may have to be settled, and a
	// create that may have happened.
	settle bool
	state  callState

	// Set by the doer: the operation of the document the request calls,
	// its URL and path (relative to the API base, for errors and logs),
	// its body and the idempotency key every attempt sends.
	op   *routes.Route
	url  *url.URL
	path string
	body []byte
	key  string
	// ans is the last answer read whole, when the doer returned without
	// an error; attempts counts the attempts made.
	ans      *answer
	attempts int
	// facade: the facade made the call, and its finish decodes the answer
	// and ends span, the call's span; otherwise the doer ends it.
	facade   bool
	span     trace.Span
	findings []Finding
}

type callKey struct{}

// withCall returns ctx carrying c, for the doer.
func withCall(ctx context.Context, c *call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// callState is what one logical call learns from its attempts.
type callState struct {
	// uncertain: an attempt may have reached the server without its
	// outcome being known (a lost or cut answer, a timeout, a 5xx).
	uncertain bool
	// refused: the last attempt that reached the server got a definite
	// refusal (definiteRefusal): had an earlier attempt under the same
	// idempotency key been committed, it would have been replayed.
	refused bool
}

// noOptions are the options of a call made without any.
var noOptions callOptions

// callFacts point at what each facade error (*APIError, *ResponseError,
// *CallError) records of its call beside its own fields, so the code that
// fills them in once the call is over treats the three alike.
type callFacts struct {
	attempts *int
	key      *string
	mayHave  *bool
	body     *[]byte // nil for a *CallError: no answer
	// unsettled is what the answer itself says of a create: a 409 (the key
	// in use by a create under way) or a 2xx that could not be read.
	unsettled bool
}

// factual is a facade error.
type factual interface {
	error
	facts() callFacts
}

func (e *APIError) facts() callFacts {
	return callFacts{&e.Attempts, &e.IdempotencyKey, &e.mayHave, &e.Body, e.StatusCode == http.StatusConflict}
}

func (e *ResponseError) facts() callFacts {
	return callFacts{&e.Attempts, &e.IdempotencyKey, &e.mayHave, &e.Body, e.StatusCode/100 == 2}
}

func (e *CallError) facts() callFacts {
	return callFacts{&e.Attempts, &e.IdempotencyKey, &e.mayHave, nil, false}
}

// factsOf returns the facts of the facade error err is or wraps (the
// outermost), or false.
func factsOf(err error) (callFacts, bool) {
	var f factual
	if errors.As(err, &f) {
		return f.facts(), true
	}
	return callFacts{}, false
}
