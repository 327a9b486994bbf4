package webhook

import (
	"fmt"
	"log/slog"
	"runtime/debug"
)

// PanicError reports a callback that panicked. Handler recovers the panic,
// answers 500 (so Upvest retries the delivery), forgets the delivery so that
// the retry verifies, and passes OnRefusal an error that matches
// ErrCallback and, with errors.As, a *PanicError. A panic with
// http.ErrAbortHandler is not recovered: it aborts the connection as
// net/http intends (the delivery is forgotten all the same).
type PanicError struct {
	// Value is what the callback panicked with.
	Value any
	// Stack is the panicking goroutine's stack trace.
	Stack []byte
}

// Error implements the error interface.
func (e *PanicError) Error() string {
	return fmt.Sprintf("webhook: event handler panicked: %v", e.Value)
}

// Unwrap returns the panic's value when it is an error, else nil.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// callHook runs fn, a hook of the user's named name, recovering a panic,
// which it logs at error level on logger (nil: slog.Default()) with the
// value and the stack: a hook's failure must neither end the process (some
// hooks run on background goroutines) nor change a delivery's answer.
func callHook(logger *slog.Logger, name string, fn func()) {
	defer func() {
		if p := recover(); p != nil {
			if logger == nil {
				logger = slog.Default()
			}
			logger.Error("webhook: a hook panicked", slog.String("hook", name),
				slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(debug.Stack())))
		}
	}()
	fn()
}
