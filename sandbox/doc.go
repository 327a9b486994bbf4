// Package sandbox is an in-process imitation of the Upvest Investment API's
// account groups, served by the server handler generated from the same
// OpenAPI document as the client, for testing services without Upvest
// credentials (stripe-mock is the model).
//
//	sb, _ := sandbox.Start(sandbox.Config{}, sandbox.P521) // on 127.0.0.1, credentials registered
//	defer sb.Close()
//	client, _ := upvest.New(sb.ClientConfig())
//	user := sb.NewUser()
//	sub := sb.Subscribe(receiverURL)     // signed ACCOUNT_GROUP.* deliveries
//	// … create a group …
//	err := sub.WaitDelivered(ctx, 1)     // no polling
//
// A Sandbox is an http.Handler: New builds one to serve yourself
// (httptest.NewServer(sb)), Start one listening on loopback with a fresh
// key registered. Neither writes a file.
//
// # What it refuses
//
// Only what the API document (openapi/account-groups.yaml, from Upvest's
// published one) or Upvest's published rules refuse; a refusal is a
// problem+json whose detail says exactly what was wrong:
//
//   - upvest-client-id missing or unknown: 401 (required on every call).
//   - upvest-api-version other than 1: 406. The header is optional (default
//     1), so a request without it, such as one signed by Upvest's
//     httpsignature-proxy, is accepted.
//   - accept not allowing JSON: 406 (absent is fine).
//   - upvest-signature-version absent or not 15: 401. Upvest verifies by the
//     v6 rules without it; the sandbox verifies v15 only.
//   - the v15 signature (internal/httpsig): ECDSA P-521/SHA-512 (DER) or
//     Ed25519 by a key uploaded under its keyid; covering @method, @path,
//     upvest-client-id, @query when there is a query, content-type,
//     content-length and content-digest with a body, and accept,
//     authorization and idempotency-key when sent; in any order, with the
//     parameters in any order; the digest matching the body; created no
//     more than SignatureSkew ahead, expires no more than SignatureSkew
//     behind, created at most MaxSignatureAge ago: 401.
//   - a validity (expires - created) over MaxSignatureValidity (60 s, the
//     longest any of Upvest's own signers uses): 401.
//   - no nonce, or a nonce the key already used while that signature could
//     still be accepted: 401.
//   - the token exchange: a form with client_id, client_secret,
//     grant_type=client_credentials and scope, any scope Upvest publishes,
//     no authorization header: 400 or 401.
//   - a bearer token unknown, revoked or expired: 401; without a scope the
//     operation's security lists: 403.
//   - parameters and bodies breaking the document (limit over 1000, a type
//     not in the enum, a missing property, an idempotency key off Upvest's
//     published pattern): 400; a malformed account group id: 404. Properties
//     the document does not list are ignored, as its schemas allow them.
//
// # What it keeps, and for how long
//
// Account groups per user (PENDING_APPROVAL → ACTIVE, close → CLOSING →
// CLOSED), paginated; the answer to each idempotency key for
// IdempotencyRetention (24 h), replayed for the same body (422 for another);
// issued tokens until 5 minutes after they expire; nonces until their
// signature can no longer be accepted. Expired entries are swept by the
// sandbox's clock (Config.Now), so memory follows the call rate, not the
// run's length.
//
// # What it holds, from anyone
//
// A sandbox from Start may listen on every interface, so nothing without
// credentials can hold it: what needs no body (the headers above, a
// signature's presence, the bearer token and its scopes) is checked before
// a byte of the body is read, and a refusal then closes the connection; a
// body is at most 64 KiB (413, from its content-length when it has one),
// headers too (431);
// a request has Config.ReadTimeout for its headers and body (408 when the
// body is late), an idle connection Config.IdleTimeout, and at most
// Config.MaxConnections are held at once (the next wait, unaccepted). The
// signature, which covers the body's digest, is verified once the body is
// in, and the token request's credentials are in its body: a caller with
// the client id can hold a connection, with 64 KiB, for the read timeout.
// The latency fault waits once the body is in and the signature is
// verified, so neither the read timeout nor the signature's expiry cuts it.
//
// It also injects faults on demand (deterministic with a seed), among them
// a per-tenant rate limit as Upvest's (Faults.TenantRate: each client id's
// API calls, not its token requests, above the rate answered 429 without a
// Retry-After), and delivers signed webhooks to subscribers (see
// Subscription).
package sandbox
