package middleware

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"hash"
)

// Encrypted PKCS#8 (RFC 5958, RFC 8018): PBES2 with PBKDF2 and AES-CBC, which
// is what OpenSSL writes by default. The standard library cannot read it.

var (
	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}

	prfs = map[string]func() hash.Hash{
		"1.2.840.113549.2.7":  sha1.New,
		"1.2.840.113549.2.9":  sha256.New,
		"1.2.840.113549.2.10": sha512.New384,
		"1.2.840.113549.2.11": sha512.New,
	}
	aesKeySizes = map[string]int{
		"2.16.840.1.101.3.4.1.2":  16,
		"2.16.840.1.101.3.4.1.22": 24,
		"2.16.840.1.101.3.4.1.42": 32,
	}
)

// maxIterations bounds the PBKDF2 work a key file can ask for (ParseKey).
const maxIterations = 10_000_000

type encryptedPrivateKeyInfo struct {
	Algorithm     algorithmIdentifier
	EncryptedData []byte
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type pbes2Params struct {
	KeyDerivationFunc algorithmIdentifier
	EncryptionScheme  algorithmIdentifier
}

type pbkdf2Params struct {
	Salt           []byte
	IterationCount int
	KeyLength      int                 `asn1:"optional"`
	PRF            algorithmIdentifier `asn1:"optional"`
}

// decryptPKCS8 returns the PKCS#8 PrivateKeyInfo DER inside an
// EncryptedPrivateKeyInfo, refusing more than maxIter PBKDF2 iterations.
func decryptPKCS8(der, passphrase []byte, maxIter int) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, &KeyError{Err: ErrMalformedKey}
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil, &KeyError{Err: ErrUnsupportedEncryption, Detail: "scheme " + info.Algorithm.Algorithm.String() + ", want PBES2 (openssl pkcs8 -topk8 -v2 aes-256-cbc)"}
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &params); err != nil {
		return nil, &KeyError{Err: ErrMalformedKey}
	}
	if !params.KeyDerivationFunc.Algorithm.Equal(oidPBKDF2) {
		return nil, &KeyError{Err: ErrUnsupportedEncryption, Detail: "key derivation " + params.KeyDerivationFunc.Algorithm.String() + ", want PBKDF2"}
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KeyDerivationFunc.Parameters.FullBytes, &kdf); err != nil {
		return nil, &KeyError{Err: ErrMalformedKey}
	}
	prf := sha1.New
	if kdf.PRF.Algorithm != nil {
		var ok bool
		if prf, ok = prfs[kdf.PRF.Algorithm.String()]; !ok {
			return nil, &KeyError{Err: ErrUnsupportedEncryption, Detail: "PBKDF2 PRF " + kdf.PRF.Algorithm.String()}
		}
	}
	keyLen, ok := aesKeySizes[params.EncryptionScheme.Algorithm.String()]
	if !ok {
		return nil, &KeyError{Err: ErrUnsupportedEncryption, Detail: "cipher " + params.EncryptionScheme.Algorithm.String() + ", want AES-CBC"}
	}
	if kdf.IterationCount < 1 || kdf.IterationCount > maxIter || (kdf.KeyLength != 0 && kdf.KeyLength != keyLen) {
		return nil, &KeyError{Err: ErrMalformedKey, Detail: "PBKDF2 parameters out of range"}
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.EncryptionScheme.Parameters.FullBytes, &iv); err != nil || len(iv) != aes.BlockSize {
		return nil, &KeyError{Err: ErrMalformedKey}
	}
	data := info.EncryptedData
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, &KeyError{Err: ErrMalformedKey}
	}
	key, err := pbkdf2.Key(prf, string(passphrase), kdf.Salt, kdf.IterationCount, keyLen)
	if err != nil {
		return nil, &KeyError{Err: ErrMalformedKey}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, &KeyError{Err: ErrMalformedKey}
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, data)
	// PKCS#7 padding: a wrong passphrase almost always breaks it.
	pad := int(plain[len(plain)-1])
	if pad == 0 || pad > aes.BlockSize || pad > len(plain) {
		return nil, &KeyError{Err: ErrWrongPassphrase}
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, &KeyError{Err: ErrWrongPassphrase}
		}
	}
	return plain[:len(plain)-pad], nil
}
