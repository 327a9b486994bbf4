// Package webhook verifies the signed deliveries Upvest sends when an
// account group changes and hands typed events to your code.
//
// A delivery is a POST whose body bundles events as {"payload":[…]}, signed
// with one of the keys Upvest publishes at GET /auth/verify_keys. Handler
// verifies the signature, decodes the events and calls your callbacks in
// order; it answers 200 only when every event was handled, so Upvest retries
// the rest. Deliveries can repeat: make handlers idempotent on Event.ID, or
// use WithDedupe.
//
// TestSigner signs deliveries the way Upvest does, for your own tests.
package webhook
