package upvest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/middleware"
)

// Sentinels for the common answers; an *APIError with the matching status
// satisfies errors.Is with them.
var (
	ErrBadRequest    = errors.New("upvest: bad request")   // 400
	ErrUnauthorized  = errors.New("upvest: unauthorized")  // 401
	ErrForbidden     = errors.New("upvest: forbidden")     // 403
	ErrNotFound      = errors.New("upvest: not found")     // 404
	ErrConflict      = errors.New("upvest: conflict")      // 409
	ErrUnprocessable = errors.New("upvest: unprocessable") // 422, such as an idempotency key reused with another body
	ErrRateLimited   = errors.New("upvest: rate limited")  // 429
	ErrServer        = errors.New("upvest: server error")  // 5xx
)

// APIError is an error answer from the API: its HTTP status and the
// problem+json details. Use errors.As to get it, errors.Is with the sentinels
// above to test the common cases.
type APIError struct {
	// Method and Path name the call.
	Method, Path string
	// StatusCode is the HTTP status.
	StatusCode int
	// Type, Title, Detail and Instance are the problem's fields; Type is
	// opaque (a slug such as not_found, or a URL).
	Type, Title, Detail, Instance string
	// RequestID is the problem's request_id; HeaderRequestID the
	// upvest-request-id response header. Quote either to Upvest support.
	RequestID, HeaderRequestID string
	// RetryAfter is the Retry-After the server sent, or zero.
	RetryAfter time.Duration
	// Err, when set, says why the body was not a readable problem (a
	// *ResponseError).
	Err error
	// Body is the answer's body as it came, at most 4 KiB, the client
	// secret scrubbed from it: what the problem's fields do not hold.
	Body []byte
	// Attempts counts the attempts the call made.
	Attempts int
	// IdempotencyKey is the key every attempt of a create sent, or empty.
	// See IdempotencyKeyOf.
	IdempotencyKey string

	mayHave bool // see MayHaveHappened
}

// Error names each fact once, on one line: the call, the status with the
// problem type, the detail, the request id, the attempts and the key:
// upvest: GET /account_groups/…: HTTP 404 not_found: no such group (request id …).
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "upvest: %s %s: ", e.Method, e.Path)
	writeStatus(&b, e.StatusCode, e.Type)
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	} else if e.Title != "" {
		b.WriteString(": " + e.Title)
	}
	var respErr *ResponseError
	if errors.As(e.Err, &respErr) {
		b.WriteString(": unreadable problem: " + respErr.Reason) // the rest it would say is said
	} else if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if id := e.ID(); id != "" {
		b.WriteString(" (request id " + id + ")")
	}
	appendAttempts(&b, e.Attempts)
	appendKey(&b, e.IdempotencyKey)
	return b.String()
}

// writeStatus writes "HTTP 404 not_found", or with the status text when
// the problem gives no type.
func writeStatus(b *strings.Builder, status int, typ string) {
	if typ == "" {
		typ = http.StatusText(status)
	}
	fmt.Fprintf(b, "HTTP %d %s", status, typ)
}

// appendAttempts says how many attempts a call made, when it made more
// than one.
func appendAttempts(b *strings.Builder, n int) {
	if n > 1 {
		fmt.Fprintf(b, " (after %d attempts)", n)
	}
}

// appendKey names a create's idempotency key at the end of its message.
func appendKey(b *strings.Builder, key string) {
	if key != "" {
		b.WriteString(" idempotency-key=" + key)
	}
}

// ID returns the request id: the header's, else the problem's.
func (e *APIError) ID() string {
	if e.HeaderRequestID != "" {
		return e.HeaderRequestID
	}
	return e.RequestID
}

// Unwrap returns Err.
func (e *APIError) Unwrap() error { return e.Err }

// Is matches the sentinel for the status.
func (e *APIError) Is(target error) bool { return statusIs(e.StatusCode, target) }

// statusIs reports whether target is the sentinel for status.
func statusIs(status int, target error) bool {
	switch target {
	case ErrBadRequest:
		return status == http.StatusBadRequest
	case ErrUnauthorized:
		return status == http.StatusUnauthorized
	case ErrForbidden:
		return status == http.StatusForbidden
	case ErrNotFound:
		return status == http.StatusNotFound
	case ErrConflict:
		return status == http.StatusConflict
	case ErrUnprocessable:
		return status == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return status == http.StatusTooManyRequests
	case ErrServer:
		return status >= 500
	}
	return false
}

// ResponseError is an answer that is not what the OpenAPI document says: an
// undocumented status, a wrong content type, truncated or malformed JSON, a
// body missing required fields or over the size limit. It carries the status
// and request id when they were received.
type ResponseError struct {
	Method, Path string
	StatusCode   int
	RequestID    string
	ContentType  string
	// Reason says what was wrong.
	Reason string
	// Err is the decoding error, if any.
	Err error
	// Body is the answer's body as it came, at most 4 KiB, the client
	// secret scrubbed from it, when one was read whole.
	Body []byte
	// Attempts counts the attempts the call made.
	Attempts int
	// IdempotencyKey is the key every attempt of a create sent, or empty.
	IdempotencyKey string

	mayHave bool // see MayHaveHappened
}

// Error implements the error interface.
func (e *ResponseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "upvest: %s %s: unexpected answer: HTTP %d", e.Method, e.Path, e.StatusCode)
	if e.ContentType != "" {
		b.WriteString(" (" + e.ContentType + ")")
	}
	b.WriteString(": " + e.Reason)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	appendAttempts(&b, e.Attempts)
	appendKey(&b, e.IdempotencyKey)
	return b.String()
}

// Unwrap returns Err.
func (e *ResponseError) Unwrap() error { return e.Err }

// ErrInvalidArgument is wrapped by errors about arguments, returned before
// anything is sent.
var ErrInvalidArgument = errors.New("upvest: invalid argument")

// ErrConfig is wrapped by every error of New about its Config.
var ErrConfig = errors.New("upvest: invalid configuration")

// CallError is a call that got no answer from the API: the connection
// failed, the attempt timed out, the API answered with a redirect (a
// *middleware.RedirectError; none is ever followed), the token could not
// be fetched (a *middleware.TokenError, with the token endpoint's status,
// problem type and request id), or the request could not be signed. Err
// says which; errors.Is(err, context.DeadlineExceeded) and errors.As work
// through it. A refused token exchange also matches the sentinel of its
// status: a wrong client secret is errors.Is(err, ErrUnauthorized) with a
// *middleware.TokenError inside, while a token the API refused is an
// *APIError.
type CallError struct {
	Method, Path string
	Err          error
	// Attempts counts the attempts the call made (0 when the request
	// could not be built).
	Attempts int
	// IdempotencyKey is the key every attempt of a create sent, or empty.
	IdempotencyKey string

	mayHave bool // see MayHaveHappened
}

// Error implements the error interface: one line.
func (e *CallError) Error() string {
	var b strings.Builder
	b.WriteString("upvest: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	b.WriteString(e.Err.Error())
	appendAttempts(&b, e.Attempts)
	appendKey(&b, e.IdempotencyKey)
	return b.String()
}

// Unwrap returns Err.
func (e *CallError) Unwrap() error { return e.Err }

// Is matches the sentinel of a refused token exchange's status.
func (e *CallError) Is(target error) bool {
	var te *middleware.TokenError
	return errors.As(e.Err, &te) && te.StatusCode != 0 && statusIs(te.StatusCode, target)
}

// ErrStatusUnreachable is matched by a *WaitError for a group that reached
// a state from which none of the awaited statuses can follow.
var ErrStatusUnreachable = errors.New("upvest: account group cannot reach the awaited status")

// WaitError ends a WaitForAccountGroup that did not see an awaited status:
// the group reached a state from which none can follow (Err is
// ErrStatusUnreachable), the context ended (Err is its error), or reading
// the group failed (Err is that error).
type WaitError struct {
	// ID is the account group's id.
	ID uuid.UUID
	// Want lists the awaited statuses.
	Want []AccountGroupStatus
	// Status is the last status seen; the zero value when none was read.
	Status AccountGroupStatus
	// Err says why the wait ended.
	Err error
}

// Error implements the error interface.
func (e *WaitError) Error() string {
	want := make([]string, len(e.Want))
	for i, s := range e.Want {
		want[i] = string(s)
	}
	last := string(e.Status)
	if last == "" {
		last = "unknown"
	}
	return fmt.Sprintf("upvest: waiting for account group %s to be %s (last seen %s): %v", e.ID, strings.Join(want, " or "), last, e.Err)
}

// Unwrap returns Err.
func (e *WaitError) Unwrap() error { return e.Err }
