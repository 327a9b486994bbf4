package middleware

import (
	"context"
	"net/http"

	"github.com/upvest-go/upvest/gen"
)

// HeadersEditor returns the request editor that sets the headers fixed for
// every call of one client: upvest-client-id, upvest-api-version
// (APIVersion), accept (application/json) and, when userAgent is not
// empty, user-agent. Give it to the generated client as a client-wide
// editor (gen.WithRequestEditorFn): a per-call editor runs after it and may
// replace what it set, and the signature, added below the generated client
// by Transport, covers the result. The editor is safe for concurrent use.
func HeadersEditor(clientID, userAgent string) gen.RequestEditorFn {
	// net/http only reads header slices: one slice per value serves every
	// request.
	id, ua := []string{clientID}, []string{userAgent}
	return func(_ context.Context, req *http.Request) error {
		h := req.Header
		h[hClientID] = id
		h[hAPIVersion] = apiVersionValue
		h[hAccept] = acceptJSON
		if userAgent != "" {
			h[hUserAgent] = ua
		}
		return nil
	}
}
