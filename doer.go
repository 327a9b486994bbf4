package upvest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"github.com/upvest-go/upvest/internal/retryafter"
	"github.com/upvest-go/upvest/middleware"
)

// doer sits between the generated client and the signing transport: it runs
// the retry loop, bounds each attempt and reads each answer in full (up to
// a size limit), so the generated client's editors ran once per logical call
// while every attempt is signed afresh below. It implements
// gen.HttpRequestDoer and is safe for concurrent use.
type doer struct {
	hc      *http.Client
	policy  RetryPolicy
	timeout time.Duration
	maxBody int64
	logger  *slog.Logger
	sleep   func(done <-chan struct{}, d time.Duration) bool
	now     func() time.Time
}

// Do sends req, retrying per the policy, and returns the last answer with its
// body buffered.
func (d *doer) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	start := d.now()
	if req.Method == http.MethodPost && req.Header.Get("Idempotency-Key") == "" {
		// A create without a key could not be retried safely: give it one,
		// used by every attempt.
		req = req.Clone(ctx)
		req.Header.Set("Idempotency-Key", middleware.NewIdempotencyKey())
	}
	retryable := req.Method == http.MethodGet || req.Method == http.MethodHead ||
		req.Method == http.MethodDelete || req.Header.Get("Idempotency-Key") != ""
	state, _ := ctx.Value(callStateKey{}).(*callState)
	for attempt := 1; ; attempt++ {
		actx := ctx
		var wrote atomic.Bool
		if state != nil {
			// Only calls that settle an unknown outcome pay for the trace.
			actx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})
		}
		resp, err := d.attempt(actx, req, attempt)
		if state != nil && mayHaveReached(resp, err, wrote.Load()) {
			state.uncertain = true
		}
		if ctx.Err() != nil {
			return nil, &CallError{Method: req.Method, Path: req.URL.Path, Err: ctx.Err()}
		}
		var wait time.Duration
		var reason string
		switch {
		case err != nil && retryable && transient(err):
			wait, reason = d.policy.backoff(attempt), "connection: "+errorKind(err)
		case err != nil:
			return nil, err
		case retryable && retryableStatus(resp.StatusCode):
			wait, reason = d.policy.backoff(attempt), resp.Status
			if ra, ok := retryafter.Header(resp.Header, d.now()); ok {
				wait = min(ra, d.policy.MaxRetryAfter)
			}
		default:
			return resp, nil
		}
		if attempt >= d.policy.MaxAttempts || d.now().Add(wait).Sub(start) > d.policy.Budget {
			return resp, err
		}
		if d.logger != nil {
			d.logger.LogAttrs(ctx, slog.LevelInfo, "upvest retry",
				slog.String("method", req.Method), slog.String("path", req.URL.Path),
				slog.Int("attempt", attempt), slog.String("reason", reason), slog.Duration("wait", wait))
		}
		if !d.sleep(ctx.Done(), wait) {
			return nil, &CallError{Method: req.Method, Path: req.URL.Path, Err: fmt.Errorf("waiting to retry: %w", ctx.Err())}
		}
	}
}

// attempt sends one try and reads its answer within the attempt timeout.
func (d *doer) attempt(parent context.Context, req *http.Request, n int) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(parent, d.timeout)
	defer cancel()
	// A shallow copy: nothing below modifies the header map (the signing
	// transport works on its own clone).
	out := req.WithContext(ctx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		out.Body = body
	}
	began := time.Now()
	resp, err := d.hc.Do(out)
	if err != nil {
		d.log(ctx, req, n, 0, "", began, err)
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, d.maxBody+1))
	rid := resp.Header.Get("Upvest-Request-Id")
	d.log(ctx, req, n, resp.StatusCode, rid, began, err)
	if err != nil {
		return nil, &ResponseError{Method: req.Method, Path: req.URL.Path, StatusCode: resp.StatusCode, RequestID: rid,
			ContentType: resp.Header.Get("Content-Type"), Reason: "reading the body failed", Err: &readError{err}}
	}
	if int64(len(body)) > d.maxBody {
		return nil, &ResponseError{Method: req.Method, Path: req.URL.Path, StatusCode: resp.StatusCode, RequestID: rid,
			ContentType: resp.Header.Get("Content-Type"), Reason: fmt.Sprintf("body exceeds %d bytes", d.maxBody)}
	}
	resp.Body = &bufferedBody{Reader: bytes.NewReader(body), bytes: body}
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// bufferedBody is an answer's body read in full by the doer; decode takes
// its bytes without copying them again.
type bufferedBody struct {
	*bytes.Reader
	bytes []byte
}

// Close implements io.Closer; there is nothing to release.
func (*bufferedBody) Close() error { return nil }

// readAll returns the whole body, without a copy when the doer buffered it.
func readAll(body io.Reader) []byte {
	if b, ok := body.(*bufferedBody); ok {
		return b.bytes
	}
	all, _ := io.ReadAll(body)
	return all
}

func (d *doer) log(ctx context.Context, req *http.Request, attempt, status int, rid string, began time.Time, err error) {
	if d.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method), slog.String("path", req.URL.Path),
		slog.Int("status", status), slog.Int("attempt", attempt),
		slog.String("request_id", rid), slog.Duration("duration", time.Since(began)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", errorKind(err)))
	}
	d.logger.LogAttrs(ctx, slog.LevelDebug, "upvest request", attrs...)
}

// readError marks a failure while reading an answer's body: transient.
type readError struct{ err error }

// Error implements the error interface.
func (e *readError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error.
func (e *readError) Unwrap() error { return e.err }

// transient reports whether a failed attempt is worth retrying: connection
// failures, timeouts and bodies cut short. Not retried here: token
// failures (the shared token fetch already retried them, once for all
// callers), redirects (never followed), local mistakes (bad arguments,
// signing) and oversize answers.
func transient(err error) bool {
	var re *readError
	if errors.As(err, &re) {
		return true
	}
	var redirect *middleware.RedirectError
	var oe *ResponseError
	return !errors.Is(err, middleware.ErrNotSigned) && !errors.As(err, &redirect) && !errors.As(err, &oe)
}

// callState is what one logical call learns from its attempts; the facade
// puts it in the call's context (withCallState) and reads it after.
type callState struct {
	// uncertain: an attempt may have reached the server without its
	// outcome being known (a lost or cut answer, a timeout, a 5xx).
	uncertain bool
}

type callStateKey struct{}

// withCallState returns ctx carrying st for the doer to fill.
func withCallState(ctx context.Context, st *callState) context.Context {
	return context.WithValue(ctx, callStateKey{}, st)
}

// mayHaveReached reports whether an attempt may have had an effect on the
// server whose outcome is unknown: a 5xx answer, or a failure after the
// request's headers were written to a connection (wrote). Failures before
// that (no token, not signed, no connection made) and redirects are
// certain.
func mayHaveReached(resp *http.Response, err error, wrote bool) bool {
	if err == nil {
		return resp.StatusCode >= 500
	}
	var redirect *middleware.RedirectError
	return wrote && !errors.Is(err, middleware.ErrNotSigned) && !errors.As(err, &redirect)
}

// errorKind describes err for logs without any request detail.
func errorKind(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection closed"
	}
	var te *middleware.TokenError
	if errors.As(err, &te) {
		return "token request failed"
	}
	return "transport error"
}
