// Package httpsig holds the pure pieces of Upvest's HTTP message signatures:
// body digests, the signature base, the signature-input and signature header
// syntax, and verification. The request signer (package middleware), the
// webhook verifier (package webhook) and the sandbox share them.
//
// Nothing here does I/O or reads a clock; every function is safe for
// concurrent use.
package httpsig
