package middleware

import "errors"

// Sentinels for key loading; every error of ParseKey and NewKey is a
// *KeyError wrapping one of them, so errors.Is and errors.As both work.
var (
	// ErrNoPEM: the input holds no PEM private key block.
	ErrNoPEM = errors.New("no PEM private key block")
	// ErrPassphraseRequired: the key is encrypted and no passphrase was given.
	ErrPassphraseRequired = errors.New("key is encrypted and needs a passphrase")
	// ErrPassphraseNotNeeded: a passphrase was given for a key that is not
	// encrypted (a plain key where an encrypted one was meant?).
	ErrPassphraseNotNeeded = errors.New("key is not encrypted, but a passphrase was given")
	// ErrWrongPassphrase: the passphrase does not decrypt the key.
	ErrWrongPassphrase = errors.New("wrong passphrase for the key")
	// ErrUnsupportedKey: RSA, a curve other than P-521, or another key type.
	ErrUnsupportedKey = errors.New("unsupported key: Upvest requires ECDSA P-521 or Ed25519")
	// ErrUnsupportedEncryption: an encryption scheme this package cannot decrypt.
	ErrUnsupportedEncryption = errors.New("unsupported key encryption")
	// ErrMalformedKey: the PEM block does not hold a well-formed key.
	ErrMalformedKey = errors.New("malformed private key")
	// ErrNoKey: a nil or zero Key was asked to sign.
	ErrNoKey = errors.New("no signing key")
)

// KeyError reports why a private key could not be loaded. It never holds key
// material or the passphrase.
type KeyError struct {
	// Err is one of the sentinels above.
	Err error
	// Block is the PEM block type, such as "EC PRIVATE KEY", when known.
	Block string
	// Detail says more, such as the curve found.
	Detail string
}

// Error implements the error interface.
func (e *KeyError) Error() string {
	msg := "middleware: signing key: " + e.Err.Error()
	if e.Block != "" {
		msg += " (PEM " + e.Block + ")"
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns the sentinel.
func (e *KeyError) Unwrap() error { return e.Err }
