package httpsig

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
)

// ContentDigest returns the v15 content-digest header value of body:
// sha-512=:<base64 of SHA-512(body)>:.
func ContentDigest(body []byte) string {
	sum := sha512.Sum512(body)
	const prefix = "sha-512=:"
	var buf [len(prefix) + (sha512.Size+2)/3*4 + 1]byte // on the stack: one allocation, the string
	out := append(buf[:0], prefix...)
	out = base64.StdEncoding.AppendEncode(out, sum[:])
	out = append(out, ':')
	return string(out)
}

// LegacyDigest returns the v6 digest header value of body:
// SHA-256=<base64 of SHA-256(body)>.
func LegacyDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
}
