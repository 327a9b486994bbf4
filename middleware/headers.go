package middleware

// Canonical header keys, looked up without re-canonicalising on every request.
const (
	hAccept          = "Accept"
	hAuthorization   = "Authorization"
	hContentType     = "Content-Type"
	hContentDigest   = "Content-Digest"
	hIdempotencyKey  = "Idempotency-Key"
	hClientID        = "Upvest-Client-Id"
	hAPIVersion      = "Upvest-Api-Version"
	hSigVersion      = "Upvest-Signature-Version"
	hSignature       = "Signature"
	hSignatureInput  = "Signature-Input"
	signatureVersion = "15"
)
