package upvest

import (
	"crypto"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Hosts of the API.
const (
	SandboxURL = "https://sandbox.upvest.co"
	LiveURL    = "https://api.upvest.co"
)

// Config holds what New needs. Every field but Signer (or PrivateKeyPEM),
// PrivateKeyPassphrase and HTTPClient is required: BaseURL too, so a
// production service that forgot it fails at New, naming the field, rather
// than calling the sandbox. HTTPClient's zero value means a default client.
// Printed in any way (every fmt verb, log/slog, encoding/json) it shows no
// secret: the client secret, the private key and its passphrase appear as
// [redacted]. One limit: fmt (and so slog's text handler) cannot call a
// method of a value held in an unexported field, so it prints such a Config
// field by field; keep a Config in an unexported field as a *Config, which
// prints as an address.
type Config struct {
	// BaseURL is the API's base URL, SandboxURL or LiveURL. It must be
	// https unless the host is a loopback address (for tests and the
	// sandbox package), and have no user info, query or fragment.
	BaseURL string
	// ClientID and ClientSecret are the tenant's OAuth2 client credentials.
	ClientID     string
	ClientSecret string
	// KeyID is the id Upvest gave the uploaded public signing key.
	KeyID string
	// PrivateKeyPEM is the signing key (ECDSA P-521 or Ed25519): SEC1 or
	// PKCS#8, plain or encrypted. See middleware.ParseKey. Set it or
	// Signer, not both.
	PrivateKeyPEM []byte
	// PrivateKeyPassphrase decrypts PrivateKeyPEM when it is encrypted.
	PrivateKeyPassphrase []byte
	// Signer signs instead of a key in PrivateKeyPEM: any crypto.Signer
	// whose public key is ECDSA P-521 or Ed25519, such as a key held in a
	// KMS, an HSM (PKCS#11) or an agent; others are refused by New (a
	// *middleware.KeyError). A remote signer takes no context: one that
	// implements middleware.ContextSigner is called with the attempt's
	// context, so the attempt's deadline bounds it; any other is called as
	// it is, and a hung one holds its attempt. Client.RotateSigningKey
	// replaces it on a live client.
	Signer crypto.Signer
	// HTTPClient supplies the connection layer and is never modified: its
	// Transport sends every request (nil means http.DefaultTransport), and
	// its Timeout, when shorter than WithTimeout's, bounds each attempt.
	// Its Jar and CheckRedirect are not used: Upvest sets no cookies and
	// documents no redirect, and the client never follows one (a 3xx is a
	// *middleware.RedirectError), so the client secret and signed requests
	// stay with the API host.
	HTTPClient *http.Client
}

// missingFields names the required fields cfg lacks, in a fixed order, as
// "A, B and C are required" (or "A is required"); "" when none is missing.
func missingFields(cfg Config, haveKey bool) string {
	var names []string
	for _, f := range []struct {
		name    string
		missing bool
	}{
		{"BaseURL (SandboxURL or LiveURL)", cfg.BaseURL == ""},
		{"ClientID", cfg.ClientID == ""},
		{"ClientSecret", cfg.ClientSecret == ""},
		{"KeyID", cfg.KeyID == ""},
		{"PrivateKeyPEM (or Signer)", !haveKey && len(cfg.PrivateKeyPEM) == 0},
	} {
		if f.missing {
			names = append(names, f.name)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0] + " is required"
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " are required"
}

// checkBaseURL requires https, except for loopback hosts, and refuses user
// info, a query and a fragment: none belongs in a base URL, and user info
// would be sent along with every call.
func checkBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: BaseURL is not an absolute URL", ErrConfig)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("%w: BaseURL must have no user info, query or fragment (got host %s)", ErrConfig, u.Host)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, fmt.Errorf("%w: BaseURL must use https (http only for loopback hosts), got %s://%s", ErrConfig, u.Scheme, u.Host)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

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
