// Package upvest is a Go client for the Upvest Investment API's account
// groups: get, list (and a user's groups), create and close.
//
// Every call carries what Upvest requires, added by package middleware: an
// OAuth2 client-credentials token with the scopes the operation needs
// (fetched once, cached per scope set, refreshed before expiry), a v15 HTTP
// message signature made afresh for every attempt (ECDSA P-521/SHA-512 or
// Ed25519), upvest-client-id and upvest-api-version.
//
// # Getting started
//
//	client, err := upvest.New(upvest.Config{
//		BaseURL:       upvest.SandboxURL,
//		ClientID:      clientID,
//		ClientSecret:  clientSecret,
//		KeyID:         keyID,         // the id Upvest gave your uploaded public key
//		PrivateKeyPEM: privateKeyPEM, // SEC1 or PKCS#8, encrypted or not
//		PrivateKeyPassphrase: passphrase,
//	})
//	g, err := client.CreateAccountGroup(ctx, userID, upvest.TypePersonal)
//
// New checks everything it can (a wrong passphrase or an unsupported key
// fails there, not at the first call) and sends nothing. A Client is safe for
// concurrent use; share one.
//
// # Ids and enumerations
//
// Ids are uuid.UUID values (github.com/google/uuid) going in and coming
// out: the document declares every id format: uuid, the models carry them
// as such, and so g.ID from one answer is the argument of the next call
// (client.CloseAccountGroup(ctx, g.ID)) with no String and no parsing. A
// malformed id cannot reach a request path, and the nil UUID, an id never
// set, is refused with ErrInvalidArgument. Ids kept as text (a database
// column, a request from your own users) are parsed once, at that edge,
// with uuid.Parse. Idempotency keys stay strings: Upvest's pattern allows
// forms (no dashes) that are not a UUID's canonical text.
//
// Enumerations (AccountGroupType, AccountGroupStatus, SortOrder, ...) are
// the generated string types (package gen), with the document's values as
// constants (TypePersonal, StatusActive, Descending, ...), as aws-sdk-go-v2
// and stripe-go have them. A value a newer API version adds decodes without
// error and reports Valid() false; a method given a value that is not
// Valid refuses it with ErrInvalidArgument before anything is sent, except
// WaitForAccountGroup, which waits for a status the document may add. A
// change to an enumeration in the document reaches Go through go generate
// alone (gen's XValues functions list each one's values).
//
// # Errors
//
// An error answer is an *APIError (status, problem type, title, detail,
// request ids, Retry-After); errors.Is matches it against ErrNotFound,
// ErrConflict, ErrRateLimited, ErrUnauthorized and the other sentinels. An
// answer that is not what the API document says (HTML from a proxy,
// truncated JSON, an undocumented status) is a *ResponseError carrying the
// status and request id. A call that got no answer is a *CallError. Bad
// arguments wrap ErrInvalidArgument and are caught before anything is sent.
//
// # Retries
//
// 429, 500, 502, 503, 504 and connection failures are retried with
// exponential back-off and full jitter, honouring Retry-After up to a cap,
// within a bounded number of attempts and an overall budget (RetryPolicy).
// Creates are retried too, always with the same idempotency key, so a retry
// after a lost answer never creates a second group.
//
// # Pagination
//
// ListAccountGroups returns one page with its meta; AllAccountGroups is an
// iterator over every group, page by page.
//
// # Several replicas
//
// WithRateLimiter makes every attempt wait for a permit: a *rate.Limiter
// for one process, ratelimit/redisrate for a fleet sharing one client id's
// budget through Redis.
//
// # Where things are
//
//	client.go        Client, New, GeneratedClientOptions, key rotation
//	config.go        Config: its checks, and its printing without secrets
//	options.go       Option and the client options (telemetry's are in
//	                 telemetry.go, the rate limiter's in ratelimit.go)
//	calloptions.go   CallOption and every per-call option, ResponseInfo
//	errors.go        every error type and sentinel
//	accountgroups.go the account-group methods; pages.go their iterators;
//	                 wait.go WaitForAccountGroup; webhookkeys.go WebhookKeys
//	idempotency.go   idempotency keys and what a failed create did
//	types.go         the generated models and enumerations, re-exported
//	stack.go         the request stack under the generated client; doer.go
//	                 its retry loop; call.go one call's record; retry.go
//	                 when an attempt is retried and what its failure means;
//	                 ratelimit.go permits; telemetry.go spans and metrics
//	decode.go        answers into results or typed errors; findings.go the
//	                 document's rules a decoded result is checked against
//
// # Testing
//
// Package sandbox is an in-process imitation of the API that checks
// signatures, tokens and scopes like Upvest; package webhook verifies
// Upvest's signed webhook deliveries and signs test deliveries. The
// generated client (package gen) is reachable through Client.Generated.
package upvest
