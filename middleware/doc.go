// Package middleware adds what Upvest requires on every call: a scoped OAuth2
// client-credentials token, the v15 HTTP message signature, the
// upvest-client-id and upvest-api-version headers, accept, and idempotency
// keys.
//
// # Order
//
// Headers come first, the signature last. The generated client
// (package gen) runs its request editors once, before its HTTP doer; the
// editors of this package (ClientID, APIVersion, Accept, IdempotencyKey) are
// such editors and may run in any order among themselves. The signature is
// not an editor: Transport, an http.RoundTripper, adds the token and signs the
// request it is about to send, so it always covers the final request, every
// header any editor or per-call option set included, and every attempt of a
// retried call gets a fresh created time and nonce. Putting Transport under
// the *http.Client the generated client uses is all it takes; package upvest
// does exactly that, so the wrong order cannot be built there.
//
//	editors (once per logical call) → retries (package upvest) → Transport: token, sign (every attempt) → network
//
// Transport never modifies the request it is given: it works on a clone.
package middleware
