package middleware

// RedirectError stub.
type RedirectError struct {
	StatusCode int
	Location   string
}

func (e *RedirectError) Error() string { return "redirect" }
