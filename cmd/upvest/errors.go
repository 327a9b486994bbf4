package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/middleware"
)

// usageErr is a usage error: a flag, an argument or a credential missing or
// wrong. It is printed as one line and exits 2.
type usageErr string

func (e usageErr) Error() string { return string(e) }

// fail prints err as one line and returns 1, or 2 for a usage error. A
// failed create names its idempotency key and how to settle it.
func (a *app) fail(err error) int {
	var ue usageErr
	if errors.As(err, &ue) {
		return a.usageError(err.Error())
	}
	line := oneLine(err)
	if key, ok := upvest.IdempotencyKeyOf(err); ok {
		if !strings.Contains(line, "idempotency-key="+key) {
			line += " idempotency-key=" + key
		}
		line += "; the create may have happened: re-run it with --idempotency-key " + key + " to settle it without creating twice"
	}
	fmt.Fprintf(a.stderr, "%s\n", line)
	return 1
}

// oneLine renders err on one line, starting with the status, problem type
// and request id for API errors.
func oneLine(err error) string {
	var apiErr *upvest.APIError
	if errors.As(err, &apiErr) {
		s := fmt.Sprintf("upvest: HTTP %d", apiErr.StatusCode)
		if apiErr.Type != "" {
			s += " " + apiErr.Type
		}
		if id := apiErr.ID(); id != "" {
			s += " request-id=" + id
		}
		if apiErr.Detail != "" {
			s += ": " + apiErr.Detail
		} else if apiErr.Err != nil {
			s += ": " + apiErr.Err.Error()
		}
		return flatten(s)
	}
	var te *middleware.TokenError
	if errors.As(err, &te) && te.StatusCode != 0 {
		s := fmt.Sprintf("upvest: HTTP %d", te.StatusCode)
		if te.Type != "" {
			s += " " + te.Type
		}
		if te.RequestID != "" {
			s += " request-id=" + te.RequestID
		}
		return flatten(s + ": " + err.Error())
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "upvest: ") {
		msg = "upvest: " + msg
	}
	return flatten(msg)
}

func flatten(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}
