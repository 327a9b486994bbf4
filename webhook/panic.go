package webhook

import "fmt"

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
