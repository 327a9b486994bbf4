package redisstore

import (
	"crypto/rand"
	"encoding/hex"
)

// newToken returns a random claim token: "claim:" and 32 hex digits, never
// equal to the done mark.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "claim:" + hex.EncodeToString(b[:])
}
