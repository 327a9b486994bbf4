package upvest

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// redacted stands for a secret wherever a Config is printed.
const redacted = "[redacted]"

// String shows the Config without its secrets: the base URL, client id and
// key id as they are; the client secret, the private key and its
// passphrase only as present or not.
func (c Config) String() string {
	return fmt.Sprintf("upvest.Config{BaseURL:%q, ClientID:%q, ClientSecret:%s, KeyID:%q, PrivateKeyPEM:%s, PrivateKeyPassphrase:%s, Signer:%s, HTTPClient:%s}",
		c.BaseURL, c.ClientID, secretState(len(c.ClientSecret)), c.KeyID,
		secretState(len(c.PrivateKeyPEM)), secretState(len(c.PrivateKeyPassphrase)), signerState(c), clientState(c))
}

// GoString is String, so %#v shows no secret either.
func (c Config) GoString() string { return c.String() }

// Format prints String for every fmt verb (%q quotes it), so no verb
// reaches the secret fields.
func (c Config) Format(f fmt.State, verb rune) {
	s := c.String()
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = f.Write([]byte(s))
}

// LogValue is what log/slog records for a Config: no secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL), slog.String("client_id", c.ClientID),
		slog.String("client_secret", secretState(len(c.ClientSecret))), slog.String("key_id", c.KeyID),
		slog.String("private_key_pem", secretState(len(c.PrivateKeyPEM))),
		slog.String("private_key_passphrase", secretState(len(c.PrivateKeyPassphrase))))
}

// MarshalJSON encodes the Config without its secrets, for diagnostics; a
// Config cannot be stored and restored through JSON.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{
		"base_url": c.BaseURL, "client_id": c.ClientID, "client_secret": secretState(len(c.ClientSecret)),
		"key_id": c.KeyID, "private_key_pem": secretState(len(c.PrivateKeyPEM)),
		"private_key_passphrase": secretState(len(c.PrivateKeyPassphrase)),
	})
}

func secretState(n int) string {
	if n == 0 {
		return "(empty)"
	}
	return redacted
}

func signerState(c Config) string {
	if c.Signer == nil {
		return "nil"
	}
	return fmt.Sprintf("%T", c.Signer)
}

func clientState(c Config) string {
	if c.HTTPClient == nil {
		return "nil"
	}
	return "set"
}
