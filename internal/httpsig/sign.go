package httpsig

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"sync"
)

// NonceSize is the number of random bytes in a nonce; the nonce parameter
// carries them base64url-encoded without padding (22 characters).
const NonceSize = 16

// Input is what one signature is made of.
type Input struct {
	// Style is how the base writes component names.
	Style Style
	// Components are the covered components, in base order.
	Components []Component
	// KeyID is the keyid parameter: printable ASCII (quotes and
	// backslashes are escaped), else AppendSignature fails.
	KeyID string
	// Created and Expires are the created and expires parameters (Unix
	// seconds).
	Created, Expires int64
	// NoNonce leaves the nonce parameter out.
	NoNonce bool
}

// AppendSignature signs in with key, reading a nonce of NonceSize bytes from
// nonceRand (nil means crypto/rand) unless in.NoNonce, and appends to dst the two header
// values: the signature-input value (sig1=(…);keyid=…;created=…;expires=…
// and nonce=… unless in.NoNonce), then the signature value (sig1=:…:). It
// returns the extended slice and the offset where the signature value
// starts. The params are serialised once and written to both the
// signature-input value and the base's @signature-params line.
//
// ECDSA P-521 keys sign the SHA-512 digest of the base (opts crypto.SHA512)
// and must return an ASN.1 DER signature; Ed25519 keys sign the base itself
// (crypto.Hash(0)). A signer with SignContext is called with ctx, any other
// crypto.Signer with Sign. The signer's rand argument is crypto/rand.
//
// The base and the digest are built in dst's spare capacity and handed to
// the signer. On error a signer that gave up on ctx may still be reading
// them: do not reuse dst's array then.
//
// nonceRand is a parameter, not a field of Input: a reader inside Input
// would make the escape analysis move the caller's component array to the
// heap.
func AppendSignature(ctx context.Context, dst []byte, key *Key, nonceRand io.Reader, in *Input) (out []byte, split int, err error) {
	start := len(dst)
	if !quotable(in.KeyID) {
		// No key id in the message: boxing it would move the caller's
		// components to the heap on every call.
		return dst, 0, errKeyID
	}
	var nonce [NonceSize]byte
	if !in.NoNonce {
		// Read through dst's spare capacity: a stack array handed to an
		// io.Reader would escape to the heap on every call.
		if nonceRand == nil {
			nonceRand = rand.Reader
		}
		dst = append(dst, nonce[:]...)
		if _, err := io.ReadFull(nonceRand, dst[start:]); err != nil {
			return dst[:start], 0, fmt.Errorf("httpsig: reading the nonce: %w", err)
		}
		copy(nonce[:], dst[start:])
		dst = dst[:start]
	}

	dst = append(dst, "sig1="...)
	pStart := len(dst)
	dst = append(dst, '(')
	for i, c := range in.Components {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = appendID(dst, V15, c.Name, c.Flags)
	}
	dst = appendParamsTail(dst, in.KeyID, in.Created, in.Expires)
	if !in.NoNonce {
		dst = append(dst, `;nonce="`...)
		dst = base64.RawURLEncoding.AppendEncode(dst, nonce[:])
		dst = append(dst, '"')
	}
	pEnd := len(dst)

	dst = AppendBase(dst, in.Style, in.Components, "")
	dst = append(dst, dst[pStart:pEnd]...)
	msg := dst[pEnd:]

	var opts crypto.SignerOpts = crypto.Hash(0)
	if key.alg == ECDSAP521SHA512 {
		sum := sha512.Sum512(msg)
		n := len(dst)
		dst = append(dst, sum[:]...)
		msg, opts = dst[n:], crypto.SHA512
	}
	var sig []byte
	if key.ctx != nil {
		sig, err = key.ctx.SignContext(ctx, rand.Reader, msg, opts)
	} else {
		sig, err = key.signer.Sign(rand.Reader, msg, opts)
	}
	if err != nil {
		return dst[:start], 0, err
	}
	if err := checkSignature(key.alg, sig); err != nil {
		return dst[:start], 0, err
	}
	// The signer is done with the base: write over it.
	dst = append(dst[:pEnd], "sig1=:"...)
	dst = base64.StdEncoding.AppendEncode(dst, sig)
	dst = append(dst, ':')
	return dst, pEnd, nil
}

var errKeyID = errors.New("httpsig: the key id is not printable ASCII")

// scratch recycles the buffers Sign builds in; only after a successful
// signature, when the signer is done with them.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// Sign is AppendSignature returning the signature-input and signature header
// values as strings, which share one allocation.
func Sign(ctx context.Context, key *Key, nonceRand io.Reader, in *Input) (input, signature string, err error) {
	bp := scratch.Get().(*[]byte)
	out, split, err := AppendSignature(ctx, (*bp)[:0], key, nonceRand, in)
	if err != nil {
		return "", "", err // the signer may still hold the buffer: let it go
	}
	s := string(out)
	if cap(out) <= 64<<10 {
		*bp = out[:0]
		scratch.Put(bp)
	}
	return s[:split], s[split:], nil
}

// checkSignature refuses what a verifier would: an ECDSA signature that is
// not ASN.1 DER (a raw r||s from an HSM wrapper, say) or an Ed25519
// signature of the wrong length.
func checkSignature(alg Algorithm, sig []byte) error {
	if alg == Ed25519 {
		if len(sig) != ed25519.SignatureSize {
			return fmt.Errorf("httpsig: the signer returned %d bytes, not an Ed25519 signature", len(sig))
		}
		return nil
	}
	inner, rest, ok := readDER(sig, 0x30) // SEQUENCE
	if ok && len(rest) == 0 {
		var r, s []byte
		r, inner, ok = readDER(inner, 0x02) // INTEGER r
		if ok {
			s, inner, ok = readDER(inner, 0x02) // INTEGER s
		}
		ok = ok && len(inner) == 0 && len(r) > 0 && len(s) > 0
	}
	if !ok || len(rest) != 0 {
		return fmt.Errorf("httpsig: the signer returned %d bytes that are not an ASN.1 DER ECDSA signature (a raw r||s?)", len(sig))
	}
	return nil
}

// readDER reads one DER element with the given tag (definite length, short
// or long form) and returns its contents and what follows.
func readDER(b []byte, tag byte) (contents, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, false
	}
	n, hdr := int(b[1]), 2
	if n >= 0x80 {
		k := n & 0x7f
		if k == 0 || k > 2 || len(b) < 2+k {
			return nil, nil, false
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		if n < 0x80 || (k == 2 && n < 0x100) {
			return nil, nil, false // not the shortest form
		}
		hdr += k
	}
	if len(b)-hdr < n {
		return nil, nil, false
	}
	return b[hdr : hdr+n], b[hdr+n:], true
}
