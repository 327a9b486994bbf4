package upvest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/upvest-go/upvest/internal/retryafter"
	"github.com/upvest-go/upvest/internal/routes"
	"github.com/upvest-go/upvest/middleware"
)

// pipeline sends every call to Upvest, the facade's and the generated
// client's alike: it runs the retry loop, bounds each attempt, builds each
// attempt's request afresh and hands it to the middleware Transport (which
// sets every transport header and signs it), and reads each answer whole,
// up to a size limit. It is safe for concurrent use.
type pipeline struct {
	tel     telemetry
	tr      *middleware.Transport
	policy  RetryPolicy
	timeout time.Duration
	maxBody int64
	logger  *slog.Logger
	sleep   func(done <-chan struct{}, d time.Duration) bool
	now     func() time.Time
}

// call is one logical call: an operation of the document, its URL, body
// and idempotency key, the same for every attempt.
type call struct {
	op   *routes.Route
	url  *url.URL // read only: every attempt shares it
	path string   // relative to the API base, for errors and logs
	// contentType and body are the request's representation, if any.
	contentType []string
	body        []byte
	// key is the create's idempotency key, or "".
	key string
	// state, when set, learns whether an attempt's outcome is unknown.
	state *callState
	// opts are the call's own options; never nil.
	opts *callOptions
}

// answer is an answer read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// callState is what one logical call learns from its attempts.
type callState struct {
	// uncertain: an attempt may have reached the server without its
	// outcome being known (a lost or cut answer, a timeout, a 5xx).
	uncertain bool
}

var jsonContentType = []string{"application/json"}

// do runs the call, retrying per the policy, and returns its last answer.
// Every error is one of the facade's: a *CallError (no answer) or a
// *ResponseError (an answer that could not be read).
func (p *pipeline) do(ctx context.Context, c *call) (ans *answer, err error) {
	ctx, span := p.tel.startCall(ctx, c)
	if span != nil {
		defer func() {
			if err == nil && ans.status >= 400 {
				endCall(span, &statusError{ans.status})
				return
			}
			endCall(span, err)
		}()
	}
	if c.key != "" {
		ctx = middleware.WithIdempotencyKey(ctx, c.key)
	}
	policy, timeout := p.policy, p.timeout
	if c.opts != nil && c.opts.policy != nil {
		policy = *c.opts.policy
	}
	if c.opts != nil && c.opts.timeoutOK {
		timeout = c.opts.timeout
	}
	var info *ResponseInfo
	if c.opts != nil && c.opts.info != nil {
		info = c.opts.info
		*info = ResponseInfo{IdempotencyKey: c.key}
	}
	start := p.now()
	// Creates are retried because they carry one key on every attempt.
	retryable := c.op.Op.Method != http.MethodPost || c.key != ""
	for attempt := 1; ; attempt++ {
		ans, err := p.attempt(ctx, c, attempt, timeout)
		if info != nil {
			info.Attempts = attempt
			if ans != nil {
				info.StatusCode, info.Header, info.RequestID = ans.status, ans.header, ans.header.Get("Upvest-Request-Id")
			}
		}
		if ctx.Err() != nil {
			return nil, &CallError{Method: c.op.Op.Method, Path: c.path, Err: ctx.Err()}
		}
		var wait time.Duration
		var reason, kind string
		switch {
		case err != nil && retryable && transient(err):
			kind = errorKind(err)
			wait, reason = policy.backoff(attempt), "connection: "+kind
		case err != nil:
			return nil, facadeError(c, err)
		case retryable && retryableStatus(ans.status):
			kind = strconv.Itoa(ans.status)
			wait, reason = policy.backoff(attempt), http.StatusText(ans.status)
			if ra, ok := retryafter.Header(ans.header, p.now()); ok {
				wait = min(ra, policy.MaxRetryAfter)
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
			return nil, &CallError{Method: c.op.Op.Method, Path: c.path, Err: fmt.Errorf("waiting to retry: %w", ctx.Err())}
		}
	}
}

// attempt sends one try and reads its answer within the attempt timeout.
func (p *pipeline) attempt(parent context.Context, c *call, n int, timeout time.Duration) (*answer, error) {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	ctx, span := p.tel.startAttempt(ctx, c, n)
	began := time.Now()
	ans, err := p.send(ctx, c, n, began)
	p.tel.endAttempt(ctx, span, c, ans, err, began)
	return ans, err
}

// send makes the attempt's request, sends it and reads the answer.
func (p *pipeline) send(ctx context.Context, c *call, n int, began time.Time) (*answer, error) {
	var wrote atomic.Bool
	if c.state != nil {
		// Only calls that settle an unknown outcome pay for the trace.
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})
	}
	req := (&http.Request{Method: c.op.Op.Method, URL: c.url, Host: c.url.Host, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: make(http.Header, 12)}).WithContext(ctx)
	if c.contentType != nil {
		req.Header["Content-Type"] = c.contentType
	}
	resp, err := p.tr.Send(req, c.body)
	if err != nil {
		p.log(ctx, c, n, 0, "", began, err)
		if c.state != nil && mayHaveReached(nil, err, wrote.Load()) {
			c.state.uncertain = true
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := p.read(resp)
	rid := resp.Header.Get("Upvest-Request-Id")
	p.log(ctx, c, n, resp.StatusCode, rid, began, err)
	if c.state != nil && mayHaveReached(resp, err, wrote.Load()) {
		c.state.uncertain = true
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
func (p *pipeline) read(resp *http.Response) ([]byte, error) {
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

func (p *pipeline) log(ctx context.Context, c *call, attempt, status int, rid string, began time.Time, err error) {
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
