package upvest_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/internal/secrettest"
)

// renderings prints v every way a program might: each fmt verb, both slog
// handlers and encoding/json.
func renderings(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out["fmt "+verb] = fmt.Sprintf(verb, v)
	}
	out["fmt in a struct"] = fmt.Sprintf("%+v", struct{ C any }{v})
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("config", "cfg", v)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("config", "cfg", v)
	out["slog text"], out["slog json"] = text.String(), js.String()
	b, err := json.Marshal(v)
	out["encoding/json"] = string(b) + fmt.Sprint(err)
	return out
}

// keyForms lists the private key's material in the forms a printer may
// show: PEM lines, DER, and the scalar in decimal and hex.
func keyForms(t *testing.T, pemBytes []byte) []string {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	var forms []string
	for _, line := range strings.Split(string(pemBytes), "\n") {
		if len(line) > 20 && !strings.HasPrefix(line, "-----") {
			forms = append(forms, line)
		}
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	type scalar interface{ Bytes() ([]byte, error) }
	if d, ok := k.(scalar); ok {
		raw, _ := d.Bytes()
		forms = append(forms, fmt.Sprint(raw[:12])[1:30], fmt.Sprintf("%x", raw[:12]))
	}
	return forms
}

// TestConfigPrintsNoSecret: a Config printed with every fmt verb, logged
// with slog's text and JSON handlers and marshalled to JSON, as a value and
// as a pointer, shows no client secret, passphrase or key material.
func TestConfigPrintsNoSecret(t *testing.T) {
	t.Parallel()
	const passphrase = "pass phrase+/=&% ünï"
	cfg := upvest.Config{BaseURL: upvest.LiveURL, ClientID: fakeClientID, ClientSecret: secrettest.Hostile, KeyID: "key-1",
		PrivateKeyPEM: testKeyPEM, PrivateKeyPassphrase: []byte(passphrase)}
	keys := keyForms(t, testKeyPEM)
	for _, v := range []any{cfg, &cfg} {
		for how, s := range renderings(v) {
			if leaks := secrettest.Leaks(s, secrettest.Hostile, passphrase); len(leaks) > 0 {
				t.Errorf("%T %s shows %v", v, how, leaks)
			}
			if secrettest.Contains(s, keys...) {
				t.Errorf("%T %s shows key material", v, how)
			}
		}
		// What is not secret stays visible, so a printed Config is useful.
		if s := fmt.Sprintf("%+v", v); !strings.Contains(s, fakeClientID) || !strings.Contains(s, "key-1") || !strings.Contains(s, upvest.LiveURL) {
			t.Errorf("%T %%+v hides what is not secret: %s", v, s)
		}
	}
}
