// Package webhook verifies the signed deliveries Upvest sends when an
// account group changes and hands typed events to your code.
//
// A delivery is a POST whose body bundles events as {"payload":[…]}, signed
// with one of the keys Upvest publishes at GET /auth/verify_keys. Handler
// verifies the signature, decodes the events and calls your callbacks in
// order; it answers 200 only when every event was handled, so Upvest retries
// the rest (a callback's error or panic answers 500, and the delivery is
// forgotten so that the retry verifies). Deliveries can repeat: the
// Handler runs each event's callback once by default, remembering the
// events handled in memory (WithDedupe sizes that memory, or turns it off);
// with several replicas, give them one store (WithEventStore, such as
// package redisstore's), or make callbacks idempotent on the event's ID
// (RawEvent.ID, AccountGroupEvent.ID).
//
// Verifier refuses replays: it remembers each delivery it accepted, keyed
// on what its signature covers, for as long as the delivery could verify.
// Outside a net/http handler (a queue consumer, a serverless function),
// Verifier.VerifyParts checks a delivery given as method, URL, headers and
// body.
//
// RemoteKeys fetches the verification keys from the API and fetches them
// again when a delivery names a key it does not know (Upvest rotated its
// key) and once the set is older than its MaxAge (Upvest withdrew a key):
// one shared, time-bounded fetch, without stalling deliveries signed with
// known keys; keys it cannot use are skipped and reported.
//
// A delivery's cost is bounded whoever sends it (see Verifier), and a
// Handler that could not work is refused when it is built (ErrConfig).
//
// TestSigner signs deliveries the way Upvest does, for your own tests.
package webhook
