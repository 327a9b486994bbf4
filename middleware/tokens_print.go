package middleware

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// String describes t without its secret or any cached token.
func (t *Tokens) String() string {
	if t == nil {
		return "middleware.Tokens(nil)"
	}
	return fmt.Sprintf("middleware.Tokens{TokenURL:%q, ClientID:%q, ClientSecret:%s}", t.TokenURL, t.ClientID, redacted)
}

// GoString is String, so %#v prints no secret either.
func (t *Tokens) GoString() string { return t.String() }

// Format prints String for every verb (%q quotes it).
func (t *Tokens) Format(f fmt.State, verb rune) { redactedFormat(f, verb, t.String()) }

// LogValue is what log/slog records: the endpoint and the client id.
func (t *Tokens) LogValue() slog.Value {
	if t == nil {
		return slog.StringValue("middleware.Tokens(nil)")
	}
	return slog.GroupValue(slog.String("token_url", t.TokenURL), slog.String("client_id", t.ClientID),
		slog.String("client_secret", redacted))
}

// MarshalJSON encodes the endpoint and the client id, never the secret.
func (t *Tokens) MarshalJSON() ([]byte, error) {
	if t == nil {
		return []byte("null"), nil
	}
	return json.Marshal(map[string]string{"token_url": t.TokenURL, "client_id": t.ClientID, "client_secret": redacted})
}
