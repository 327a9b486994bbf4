package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/upvest-go/upvest"
)

// usageErr is a usage error: a flag, an argument or a credential missing or
// wrong. It is printed as one line and exits 2.
type usageErr string

func (e usageErr) Error() string { return string(e) }

// fail prints err as one line and returns 1, or 2 for a usage error. A
// failed create that may have happened says how to settle it.
func (a *app) fail(err error) int {
	var ue usageErr
	if errors.As(err, &ue) {
		return a.usageError(err.Error())
	}
	line := oneLine(err)
	if key, ok := upvest.IdempotencyKeyOf(err); ok && upvest.MayHaveHappened(err) {
		line += "; the create may have happened: re-run it with --idempotency-key " + key + " to settle it without creating twice"
	}
	fmt.Fprintf(a.stderr, "%s\n", line)
	return 1
}

// oneLine renders err on one line, as the library words it (each fact
// once: the call, the status and problem type, the detail, the request
// id, the key).
func oneLine(err error) string {
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
