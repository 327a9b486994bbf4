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
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/upvest-go/upvest/internal/retryafter"
	"github.com/upvest-go/upvest/internal/routes"
	"github.com/upvest-go/upvest/middleware"
)

// doer sends every call to Upvest, the facade's and the generated
// client's alike: it is the gen.HttpRequestDoer underneath the generated
// client. It takes the request the generated client built (its editors
// already ran), looks its operation up once, buffers its body, fixes its
// idempotency key, runs the retry loop, bounds each attempt, and hands a
// fresh copy of the request to the middleware Transport on every attempt
// (which adds a token and signs it); it reads each answer whole, up to a
// size limit. It is safe for concurrent use.
type doer struct {
	tel      telemetry
	rt       http.RoundTripper // the middleware Transport
	basePath string            // the API base URL's path, stripped before the lookup
	policy   RetryPolicy
	timeout  time.Duration
	maxBody  int64
	logger   *slog.Logger
	sleep    func(done <-chan struct{}, d time.Duration) bool
	now      func() time.Time
	strict   bool // WithStrictResponses
	limiter  RateLimiter
	// secretForms are the client secret's encodings, scrubbed from the
	// bodies errors keep.
	secretForms []string
}

// Do implements gen.HttpRequestDoer: it sends req per the call's retry
// policy and returns the last answer, its body buffered; the status is not
// turned into an error. Every error is one of the facade's: a *CallError
// (no answer) or a *ResponseError (an answer that could not be read).
func (d *doer) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	c, _ := ctx.Value(callKey{}).(*call)
	if c == nil {
		c = &call{opts: &noOptions}
	}
	c.url, c.path = req.URL, strings.TrimPrefix(req.URL.Path, d.basePath)
	// The one lookup of the call: the Transport finds the operation (and
	// so its scopes) in the context on every attempt.
	if c.op = routes.Lookup(req.Method, c.path); c.op == nil {
		return nil, &CallError{Method: req.Method, Path: c.path,
			Err: fmt.Errorf("%w: %w", middleware.ErrNotSigned, &middleware.ScopeError{Method: req.Method, Path: c.path})}
	}
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, &CallError{Method: req.Method, Path: c.path, Err: err}
		}
		c.body = body
	}
	// One key for every attempt: the editors' (the facade's, the caller's),
	// else a new one for an operation that requires it.
	c.key = req.Header.Get("Idempotency-Key")
	if c.key == "" && c.op.Op.IdempotencyKey {
		c.key = middleware.NewIdempotencyKey()
		req.Header.Set("Idempotency-Key", c.key)
	}
	ctx, c.span = d.tel.startCall(ctx, c)
	ans, err := d.do(routes.NewContext(ctx, c.op), c, req)
	if !c.facade {
		endCall(c.span, answerError(ans, err))
	}
	if err != nil {
		return nil, err
	}
	c.ans = ans
	return &http.Response{
		Status: fmt.Sprintf("%d %s", ans.status, http.StatusText(ans.status)), StatusCode: ans.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: ans.header,
		Body: io.NopCloser(bytes.NewReader(ans.body)), ContentLength: int64(len(ans.body)), Request: req,
	}, nil
}

// answer is an answer read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do runs the call, retrying per the policy, and returns its last answer.
func (p *doer) do(ctx context.Context, c *call, req *http.Request) (*answer, error) {
	policy, timeout := p.policy, p.timeout
	if c.opts.policy != nil {
		policy = *c.opts.policy
	}
	if c.opts.timeoutOK {
		timeout = c.opts.timeout
	}
	var info *ResponseInfo
	if c.opts.info != nil {
		info = c.opts.info
		*info = ResponseInfo{IdempotencyKey: c.key}
	}
	start := p.now()
	// Creates are retried because they carry one key on every attempt.
	retryable := c.op.Op.Method != http.MethodPost || c.key != ""
	for attempt := 1; ; attempt++ {
		if p.limiter != nil {
			if err := p.permit(ctx, c, attempt); err != nil {
				return nil, err
			}
		}
		ans, err := p.attempt(ctx, c, req, attempt, timeout)
		c.attempts = attempt
		if info != nil {
			info.Attempts = attempt
			if ans != nil {
				info.StatusCode, info.Header, info.RequestID = ans.status, ans.header, ans.header.Get("Upvest-Request-Id")
			}
		}
		if ctx.Err() != nil {
			return nil, &CallError{Method: c.op.Op.Method, Path: c.path, Err: ctx.Err(), Attempts: attempt}
		}
		var wait time.Duration
		var reason, kind string
		switch {
		case err != nil && retryable && transient(err):
			kind = errorKind(err)
			wait, reason = policy.Backoff(attempt), "connection: "+kind
		case err != nil:
			return nil, facadeError(c, err)
		case retryable && retryableStatus(ans.status):
			kind = strconv.Itoa(ans.status)
			wait, reason = policy.Backoff(attempt), http.StatusText(ans.status)
			var honoured time.Duration // the Retry-After the call waits out, or 0
			if ra, ok := retryafter.Header(ans.header, p.now()); ok {
				wait = min(ra, policy.MaxRetryAfter)
				honoured = wait
			}
			if p.limiter != nil && ans.status == http.StatusTooManyRequests {
				p.throttled(ctx, honoured)
			}
		default:
			return ans, nil
		}
		if attempt >= policy.MaxAttempts || p.now().Add(wait).Sub(start) > policy.Budget {
			if err != nil {
				return nil, facadeError(c, err)
			}
			return ans, nil
		}
		if p.logger != nil {
			p.logger.LogAttrs(ctx, slog.LevelInfo, "upvest retry",
				slog.String("method", c.op.Op.Method), slog.String("path", c.path),
				slog.Int("attempt", attempt), slog.String("reason", reason), slog.Duration("wait", wait))
		}
		p.tel.retried(ctx, c, kind)
		if !p.sleep(ctx.Done(), wait) {
			return nil, &CallError{Method: c.op.Op.Method, Path: c.path, Err: fmt.Errorf("waiting to retry: %w", ctx.Err()), Attempts: attempt}
		}
	}
}

// attempt sends one try and reads its answer within the attempt timeout.
func (p *doer) attempt(parent context.Context, c *call, req *http.Request, n int, timeout time.Duration) (*answer, error) {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	ctx, span := p.tel.startAttempt(ctx, c, n)
	began := time.Now()
	ans, err := p.send(ctx, c, req, n, began)
	p.tel.endAttempt(ctx, span, c, ans, err, began)
	return ans, err
}

// send sends the attempt's copy of req and reads the answer. The copy
// shares req's headers (the Transport works on a clone of its own) and
// gets a new reader over the call's body.
func (p *doer) send(ctx context.Context, c *call, req *http.Request, n int, began time.Time) (*answer, error) {
	var wrote atomic.Bool
	if c.settle {
		// Only calls that settle an unknown outcome pay for the trace.
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})
	}
	out := req.WithContext(ctx)
	out.GetBody, out.ContentLength, out.Body = nil, int64(len(c.body)), nil
	if len(c.body) > 0 {
		out.Body = io.NopCloser(bytes.NewReader(c.body))
	}
	resp, err := p.rt.RoundTrip(out)
	if err != nil {
		p.log(ctx, c, n, 0, "", began, err)
		if c.settle && mayHaveReached(nil, err, wrote.Load()) {
			c.state.uncertain, c.state.refused = true, false
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := p.read(resp)
	rid := resp.Header.Get("Upvest-Request-Id")
	p.log(ctx, c, n, resp.StatusCode, rid, began, err)
	if c.settle {
		c.state.refused = err == nil && definiteRefusal(resp.StatusCode)
		if mayHaveReached(resp, err, wrote.Load()) {
			c.state.uncertain = true
		}
	}
	switch {
	case errors.Is(err, errTooLarge):
		return nil, &ResponseError{Method: c.op.Op.Method, Path: c.path, StatusCode: resp.StatusCode, RequestID: rid,
			ContentType: resp.Header.Get("Content-Type"), Reason: fmt.Sprintf("body exceeds %d bytes", p.maxBody)}
	case err != nil:
		return nil, &ResponseError{Method: c.op.Op.Method, Path: c.path, StatusCode: resp.StatusCode, RequestID: rid,
			ContentType: resp.Header.Get("Content-Type"), Reason: "reading the body failed", Err: &readError{err}}
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// read reads resp's body whole: into a buffer of its Content-Length when
// it announces one, else growing, never more than maxBody bytes.
func (p *doer) read(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 {
		if n > p.maxBody {
			return nil, errTooLarge
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, p.maxBody+1))
	if err == nil && int64(len(body)) > p.maxBody {
		return nil, errTooLarge
	}
	return body, err
}

func (p *doer) log(ctx context.Context, c *call, attempt, status int, rid string, began time.Time, err error) {
	if p.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", c.op.Op.Method), slog.String("path", c.path),
		slog.Int("status", status), slog.Int("attempt", attempt),
		slog.String("request_id", rid), slog.Duration("duration", time.Since(began)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", errorKind(err)))
	}
	p.logger.LogAttrs(ctx, slog.LevelDebug, "upvest request", attrs...)
}
