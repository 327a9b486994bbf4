// Package httpsig holds the pieces of Upvest's HTTP message signatures: body
// digests, the signature base, the signature-input and signature header
// syntax (parsed as RFC 9651 dictionaries with github.com/dunglas/httpsfv;
// serialised by hand on the signing path, without allocating),
// verification, and the one signing core (Sign, AppendSignature)
// that the request signer (package middleware), the webhook test signer
// (package webhook) and the sandbox share: nonce, params, base, a
// crypto.Signer, header values.
//
// Nothing here reads a clock but Now and Window, and those only when the
// caller gives none. Signing reads a nonce and calls the key's
// crypto.Signer, which may do I/O (a KMS, an HSM): a signer with
// SignContext gets the caller's context. Every function is safe for
// concurrent use.
package httpsig
