package upvest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/internal/redact"
	"github.com/upvest-go/upvest/internal/retryafter"
)

// maxErrorBody bounds the raw body an error keeps.
const maxErrorBody = 4 << 10

// finish turns what the generated client returned for the facade's call c
// into its outcome: the answer the doer read (c.ans) decoded into out when
// its status is want, else a typed error; out may be nil for answers
// without a body. It reports the answer's findings and ends the call's
// span. An error from the generated client is already one of the
// facade's, or the request could not be built (ErrInvalidArgument).
func (d *doer) finish(ctx context.Context, c *call, resp *http.Response, err error, want int, out checked) error {
	if err == nil {
		resp.Body.Close() // c.ans holds the body
		err = decode(c, c.ans, want, out, d.strict)
		d.scrubBodies(err)
		d.reportFindings(ctx, c)
	} else if !isFacadeError(err) {
		err = fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	setAttempts(err, c.attempts)
	if info := c.opts.info; info != nil {
		info.Findings = c.findings
	}
	endCall(c.span, err)
	return err
}

// setAttempts records n attempts in the facade error err carries.
func setAttempts(err error, n int) {
	if f, ok := factsOf(err); ok {
		*f.attempts = n
	}
}

// reportFindings reports what the document's rules found in a result that
// decoded: one WARN naming the operation and each field and rule (never a
// value), and an event on the call's span.
func (d *doer) reportFindings(ctx context.Context, c *call) {
	if len(c.findings) == 0 {
		return
	}
	names := make([]string, len(c.findings))
	for i, f := range c.findings {
		names[i] = f.String()
	}
	if c.span != nil {
		c.span.AddEvent("upvest.response.findings", trace.WithAttributes(attribute.StringSlice("upvest.findings", names)))
	}
	if d.logger != nil {
		d.logger.LogAttrs(ctx, slog.LevelWarn, "upvest answer breaks the API document; accepted",
			slog.String("operation", c.op.Op.ID), slog.String("findings", strings.Join(names, "; ")))
	}
}

func isFacadeError(err error) bool {
	var callErr *CallError
	var respErr *ResponseError
	return errors.As(err, &callErr) || errors.As(err, &respErr)
}

// decode turns an answer into out (when the status is want) or a typed
// error. What the document's rules find in a result that decoded goes to
// c.findings, or, when strict, makes the answer a *ResponseError.
func decode(c *call, ans *answer, want int, out checked, strict bool) error {
	method, path := c.op.Op.Method, c.path
	rid := ans.header.Get("Upvest-Request-Id")
	ct := ans.header.Get("Content-Type")
	mediaType, _, _ := mime.ParseMediaType(ct)
	respErr := func(reason string, err error) error {
		return &ResponseError{Method: method, Path: path, StatusCode: ans.status, RequestID: rid, ContentType: ct, Reason: reason, Err: err,
			Body: bounded(ans.body)}
	}
	switch {
	case ans.status == want && out == nil:
		return nil
	case ans.status == want:
		if mediaType != "application/json" {
			return respErr("want application/json", nil)
		}
		if err := json.Unmarshal(ans.body, out); err != nil {
			return respErr("malformed JSON", err)
		}
		fatal, findings := out.check()
		switch {
		case fatal != "":
			return respErr("does not match the API document: "+fatal, nil)
		case strict && len(findings) > 0:
			return respErr("does not match the API document: "+findings[0].String(), nil)
		}
		c.findings = findings
		return nil
	case ans.status >= 400:
		return problemError(method, path, ans, rid, ct, mediaType)
	default:
		return respErr("status not in the API document", nil)
	}
}

// scrubBodies removes the client secret, in any encoding a server may
// echo it in, from the bodies err keeps: its own and those of the facade
// errors it wraps (an *APIError's unreadable problem).
func (d *doer) scrubBodies(err error) {
	for ; err != nil; err = errors.Unwrap(err) {
		if f, ok := err.(factual); ok && f.facts().body != nil {
			body := f.facts().body
			*body = []byte(redact.Scrub(string(*body), d.secretForms))
		}
	}
}

// bounded returns at most maxErrorBody bytes of body, a copy.
func bounded(body []byte) []byte {
	return append([]byte(nil), body[:min(len(body), maxErrorBody)]...)
}

// problemError builds the *APIError of an error answer.
func problemError(method, path string, ans *answer, rid, ct, mediaType string) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: ans.status, HeaderRequestID: rid, Body: bounded(ans.body)}
	if ra, ok := retryafter.Header(ans.header, time.Now()); ok {
		e.RetryAfter = ra
	}
	var p gen.Problem
	reason := ""
	switch {
	case mediaType != "application/problem+json" && mediaType != "application/json":
		reason = "want application/problem+json"
	case json.Unmarshal(ans.body, &p) != nil:
		reason = "malformed problem+json"
	case p.Type == "" || p.Status == 0:
		reason = "problem without type or status"
	}
	if reason != "" {
		e.Err = &ResponseError{Method: method, Path: path, StatusCode: ans.status, RequestID: rid, ContentType: ct, Reason: reason, Body: e.Body}
		return e
	}
	e.Type = p.Type
	e.Title, e.Detail, e.Instance, e.RequestID = p.Title, p.Detail, p.Instance, p.RequestID
	return e
}
