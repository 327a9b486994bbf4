// Package middleware adds what Upvest requires on every call: a scoped OAuth2
// client-credentials token, the v15 HTTP message signature, the
// upvest-client-id and upvest-api-version headers, accept, and idempotency
// keys.
//
// # Order
//
// What is fixed for a call is set by request editors (gen.RequestEditorFn),
// which the generated client (package gen) runs once per call, after
// building the request and before handing it to its doer: HeadersEditor
// (upvest-client-id, upvest-api-version, accept, user-agent) as a
// client-wide editor, then the call's own editors, IdempotencyKeyEditor and
// any of the caller's, which may replace what ran before them. What must be
// fresh on every attempt is added below the generated client, after every
// editor: Transport, an http.RoundTripper, takes a bearer token from Tokens
// and adds the content-digest and a new v15 signature (created time,
// nonce) to the final request, so the signature covers every header the
// editors set, and every attempt of a retried call is signed afresh.
//
//	gen.Client        builds method, path, query and body from the document
//	  │ editors       HeadersEditor → IdempotencyKeyEditor → the caller's own   (once per call)
//	  ▼
//	doer              package upvest: operation looked up once, body buffered,
//	  │               one idempotency key for the call, retries, attempt timeout
//	  ▼ every attempt
//	Transport         bearer token (Tokens), content-digest, v15 signature
//	  ▼
//	http.RoundTripper the caller's (http.DefaultTransport)
//
// upvest.GeneratedClientOptions builds exactly this stack for a generated
// client of your own, and upvest.New builds it under the facade, so the
// wrong order cannot be built there. Transport also fills in the fixed
// headers a request lacks (the token exchange, which x/oauth2 builds, runs
// no editor), and never modifies the request it is given: it works on a
// clone.
package middleware
