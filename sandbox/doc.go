// Package sandbox is an in-process imitation of the Upvest Investment API's
// account groups, built on the server interfaces generated from the same
// OpenAPI document as the client, for testing services without Upvest
// credentials (stripe-mock is the model).
//
// It checks what Upvest checks: the v15 signature (ECDSA P-521/SHA-512 or
// Ed25519) over the components signature-input lists, their coverage, the
// body digest, the created/expires window, nonce replay,
// upvest-signature-version, upvest-client-id, upvest-api-version, accept; the
// token exchange (form, secret, signature), token expiry and each
// operation's scopes. A refusal is a problem+json 401, 403 or 406 whose
// detail says exactly what was wrong.
//
// It keeps account groups per user (PENDING_APPROVAL → ACTIVE, close →
// CLOSING → CLOSED), paginates, replays idempotent creates, injects faults on
// demand (deterministic with a seed) and delivers signed webhooks to
// subscribers.
//
//	sb, _ := sandbox.Start(sandbox.Config{}, sandbox.P521) // on 127.0.0.1, credentials registered
//	defer sb.Close()
//	c := sb.Credentials
//	client, _ := upvest.New(upvest.Config{BaseURL: sb.URL, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
//		KeyID: c.KeyID, PrivateKeyPEM: c.PrivateKeyPEM})
//	user := sb.NewUser()
package sandbox
