package webhook

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/upvest-go/upvest/gen"
)

// ErrBadKeySet reports a JWKS or PEM document that holds no usable P-521 key
// (and, through SkippedKeyError, one key of a JWKS that cannot be used).
var ErrBadKeySet = errors.New("webhook: bad verification key set")

// KeySet is a parsed JWKS: the keys that can verify deliveries, by kid, and
// the keys that were skipped, with the reason. Build it with ParseKeySet;
// treat it as read-only once shared.
type KeySet struct {
	// Keys are the usable EC P-521 keys by kid.
	Keys StaticKeys
	// Skipped lists the other keys of the document, in document order.
	Skipped []*SkippedKeyError
}

// SkippedKeyError says why one key of a JWKS cannot verify deliveries: a key
// type or curve other than EC P-521 (such as an OKP Ed25519 key), bad
// coordinates, no kid, or a kid already taken. errors.Is(err, ErrBadKeySet)
// holds.
type SkippedKeyError struct {
	// Index is the key's position in the document's "keys" array.
	Index int
	// Kid is the key's kid; empty when it has none or does not decode.
	Kid string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements the error interface.
func (e *SkippedKeyError) Error() string {
	return fmt.Sprintf("webhook: JWKS key %d (kid %q) skipped: %s", e.Index, e.Kid, e.Reason)
}

// Unwrap returns ErrBadKeySet.
func (e *SkippedKeyError) Unwrap() error { return ErrBadKeySet }

// ParseKeySet reads a JWKS document ({"keys":[…]}). Keys that cannot verify
// deliveries are skipped and listed in Skipped; the error (wrapping
// ErrBadKeySet, and naming every skipped key) comes only when the document
// does not parse or holds no usable key.
func ParseKeySet(data []byte) (*KeySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKeySet, err)
	}
	set := &KeySet{Keys: make(StaticKeys, len(doc.Keys))}
	for i, raw := range doc.Keys {
		var k gen.JWK
		if err := json.Unmarshal(raw, &k); err != nil {
			set.Skipped = append(set.Skipped, &SkippedKeyError{Index: i, Reason: err.Error()})
			continue
		}
		pub, reason := publicKeyOf(k)
		if reason == "" {
			if _, taken := set.Keys[k.Kid]; taken {
				reason = "another key has the same kid"
			}
		}
		if reason != "" {
			set.Skipped = append(set.Skipped, &SkippedKeyError{Index: i, Kid: k.Kid, Reason: reason})
			continue
		}
		set.Keys[k.Kid] = pub
	}
	if len(set.Keys) == 0 {
		why := make([]string, len(set.Skipped))
		for i, s := range set.Skipped {
			why[i] = fmt.Sprintf("key %d (kid %q): %s", s.Index, s.Kid, s.Reason)
		}
		if len(why) == 0 {
			return nil, fmt.Errorf("%w: no keys", ErrBadKeySet)
		}
		return nil, fmt.Errorf("%w: no usable EC P-521 key: %s", ErrBadKeySet, strings.Join(why, "; "))
	}
	return set, nil
}

// publicKeyOf returns k's public key, or why it cannot verify deliveries.
func publicKeyOf(k gen.JWK) (*ecdsa.PublicKey, string) {
	if k.Kid == "" {
		return nil, "no kid"
	}
	if k.Kty != gen.JWKKtyEC || k.Crv != gen.JWKCrvP521 {
		return nil, fmt.Sprintf("%s %s, want EC P-521", k.Kty, k.Crv)
	}
	x, errX := base64.RawURLEncoding.DecodeString(k.X)
	y, errY := base64.RawURLEncoding.DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) != 66 || len(y) != 66 {
		return nil, "coordinates are not 66-byte base64url"
	}
	raw := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P521(), raw)
	if err != nil {
		return nil, err.Error()
	}
	return pub, ""
}
