package middleware

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"strings"
)

// ParseKey loads a PEM private key for signing, decrypting it with
// passphrase when it is encrypted. Accepted: SEC1 "EC PRIVATE KEY", plain or
// encrypted the legacy way (Proc-Type: 4,ENCRYPTED, what
// `openssl ec -aes256` writes); PKCS#8 "PRIVATE KEY"; PKCS#8 "ENCRYPTED
// PRIVATE KEY" (PBES2 with PBKDF2 and AES-CBC, what `openssl pkcs8 -topk8`
// writes); for ECDSA only the P-521 curve, and Ed25519 in PKCS#8. Leading
// blocks such as "EC PARAMETERS" are skipped.
//
// A passphrase given for a key that is not encrypted is refused
// (ErrPassphraseNotNeeded): a plain key where an encrypted one was meant is
// worth knowing about. Every failure is a *KeyError wrapping a sentinel
// (ErrWrongPassphrase, ErrUnsupportedKey, …), returned here rather than at
// the first request.
func ParseKey(pemBytes, passphrase []byte) (*Key, error) {
	return parseKey(pemBytes, passphrase, maxIterations)
}

// parseKey is ParseKey with a bound on the PBKDF2 iterations an encrypted
// PKCS#8 key may ask for: maxIterations, or less for the fuzzers.
func parseKey(pemBytes, passphrase []byte, maxIter int) (*Key, error) {
	rest := pemBytes
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, &KeyError{Err: ErrNoPEM}
		}
		switch block.Type {
		case "EC PARAMETERS":
			continue
		case "EC PRIVATE KEY":
			return parseSEC1(block, passphrase)
		case "PRIVATE KEY":
			if len(passphrase) > 0 {
				return nil, &KeyError{Err: ErrPassphraseNotNeeded, Block: block.Type}
			}
			return parsePKCS8(block.Type, block.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			if len(passphrase) == 0 {
				return nil, &KeyError{Err: ErrPassphraseRequired, Block: block.Type}
			}
			der, err := decryptPKCS8(block.Bytes, passphrase, maxIter)
			if err != nil {
				return nil, keyErr(block.Type, err)
			}
			k, err := parsePKCS8(block.Type, der)
			if err != nil && errors.Is(err, ErrMalformedKey) {
				// CBC padding checks pass by chance for about one
				// wrong passphrase in 256; the key then does not parse.
				return nil, &KeyError{Err: ErrWrongPassphrase, Block: block.Type}
			}
			return k, err
		case "RSA PRIVATE KEY":
			return nil, &KeyError{Err: ErrUnsupportedKey, Block: block.Type, Detail: "RSA keys are not accepted"}
		case "PUBLIC KEY", "CERTIFICATE":
			return nil, &KeyError{Err: ErrNoPEM, Block: block.Type, Detail: "found a public key or certificate, need the private key"}
		default:
			if strings.Contains(block.Type, "PRIVATE KEY") {
				return nil, &KeyError{Err: ErrUnsupportedKey, Block: block.Type}
			}
		}
	}
}

func parseSEC1(block *pem.Block, passphrase []byte) (*Key, error) {
	der := block.Bytes
	// Legacy PEM encryption (RFC 1423, Proc-Type: 4,ENCRYPTED) is
	// deprecated, rightly: it does not authenticate the ciphertext. It stays
	// because Upvest's own instructions (openssl ec -aes256) make keys
	// encrypted this way; the key file is the user's, not an attacker's.
	//lint:ignore SA1019 Upvest's key instructions write legacy-encrypted SEC1 keys (see above)
	if x509.IsEncryptedPEMBlock(block) {
		if len(passphrase) == 0 {
			return nil, &KeyError{Err: ErrPassphraseRequired, Block: block.Type}
		}
		var err error
		//lint:ignore SA1019 Upvest's key instructions write legacy-encrypted SEC1 keys (see above)
		der, err = x509.DecryptPEMBlock(block, passphrase)
		switch {
		case errors.Is(err, x509.IncorrectPasswordError):
			return nil, &KeyError{Err: ErrWrongPassphrase, Block: block.Type}
		case err != nil:
			return nil, &KeyError{Err: ErrUnsupportedEncryption, Block: block.Type, Detail: block.Headers["DEK-Info"]}
		}
		k, perr := x509.ParseECPrivateKey(der)
		if perr != nil {
			// See the note on CBC padding in ParseKey.
			return nil, &KeyError{Err: ErrWrongPassphrase, Block: block.Type}
		}
		return withBlock(NewKey(k))(block.Type)
	}
	if len(passphrase) > 0 {
		return nil, &KeyError{Err: ErrPassphraseNotNeeded, Block: block.Type}
	}
	k, err := x509.ParseECPrivateKey(der)
	if err != nil {
		if curve := sec1Curve(der); curve != "" {
			return nil, &KeyError{Err: ErrUnsupportedKey, Block: block.Type, Detail: "curve " + curve + ", Upvest requires P-521"}
		}
		return nil, &KeyError{Err: ErrMalformedKey, Block: block.Type}
	}
	return withBlock(NewKey(k))(block.Type)
}

func parsePKCS8(blockType string, der []byte) (*Key, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		if strings.Contains(err.Error(), "unsupported elliptic curve") || strings.Contains(err.Error(), "unknown algorithm") {
			return nil, &KeyError{Err: ErrUnsupportedKey, Block: blockType, Detail: "key algorithm or curve not supported, Upvest requires ECDSA P-521 or Ed25519"}
		}
		return nil, &KeyError{Err: ErrMalformedKey, Block: blockType}
	}
	return withBlock(NewKey(k))(blockType)
}

// withBlock fills in the PEM block type of a NewKey error.
func withBlock(k *Key, err error) func(string) (*Key, error) {
	return func(block string) (*Key, error) {
		var ke *KeyError
		if errors.As(err, &ke) && ke.Block == "" {
			ke.Block = block
		}
		return k, err
	}
}

func keyErr(block string, err error) error {
	var ke *KeyError
	if errors.As(err, &ke) {
		ke.Block = block
		return ke
	}
	return &KeyError{Err: ErrMalformedKey, Block: block}
}

// sec1Curve names the curve of a SEC1 key Go refused, when it is one of the
// well-known others, for a clearer error.
func sec1Curve(der []byte) string {
	var k struct {
		Version    int
		PrivateKey []byte
		Curve      asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(der, &k); err != nil || k.Curve == nil {
		return ""
	}
	switch k.Curve.String() {
	case "1.3.132.0.10":
		return "secp256k1"
	case "1.2.840.10045.3.1.7":
		return "P-256"
	case "1.3.132.0.34":
		return "P-384"
	}
	return k.Curve.String()
}
