package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/google/uuid"
)

// maxRequestBody bounds request bodies: the API's are well under 1 KiB (a
// create, the token form).
const maxRequestBody = 64 << 10

// listen serves s on cfg.Addr with bounded reads and connections: a request
// has ReadTimeout for its headers and body, an idle connection IdleTimeout,
// and at most MaxConnections are held at once.
func (s *Sandbox) listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	s.ln = newLimitListener(ln, s.cfg.MaxConnections)
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.cfg.ReadTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
	s.URL = "http://" + ln.Addr().String()
	go func() { _ = s.srv.Serve(s.ln) }()
	return nil
}

// ServeHTTP answers one request: it gives it a request id and the
// sandbox's Date, then hands it to the router, the generated handler, which
// admits it (admit) and calls its operation.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := uuid.NewString()
	w.Header().Set("Upvest-Request-Id", rid)
	// Dated by the sandbox's own clock (net/http would use the real one).
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	r = r.WithContext(context.WithValue(r.Context(), ctxRequestID, rid))
	if !serves(r) {
		s.noOperation(w, r)
		return
	}
	s.router.mux.ServeHTTP(w, r)
}

// readBody reads r's body, refusing one over maxRequestBody (from its
// content-length when it has one, before reading); false when it answered.
func (s *Sandbox) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	tooLarge := func() {
		w.Header().Set("Connection", "close")
		s.problem(w, r, http.StatusRequestEntityTooLarge, problemType(http.StatusRequestEntityTooLarge),
			fmt.Sprintf("request body over %d KiB, the sandbox's bound", maxRequestBody>>10))
	}
	if r.ContentLength > maxRequestBody {
		tooLarge()
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		w.Header().Set("Connection", "close")
		s.problem(w, r, http.StatusRequestTimeout, problemType(http.StatusRequestTimeout),
			fmt.Sprintf("request body not received within %s", s.cfg.ReadTimeout))
		return nil, false
	case err != nil:
		w.Header().Set("Connection", "close")
		s.problem(w, r, http.StatusBadRequest, "bad_request", "request body could not be read: "+err.Error())
		return nil, false
	case len(body) > maxRequestBody:
		tooLarge()
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, true
}
