package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/upvest-go/upvest/webhook"
)

// A JWKS holding a key that cannot verify deliveries (an Ed25519 OKP key,
// another curve, bad coordinates) beside usable P-521 keys still yields the
// usable keys; it fails only when none is usable.
func TestJWKSWithUnusableKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p521, _ := json.Marshal(jwkOf(f.kid, &f.key.PublicKey))
	for _, tc := range []struct {
		name    string
		doc     string
		usable  bool
		skipped []string // kids of the keys left out
	}{
		{"OKP beside P-521", `{"keys":[{"kid":"ed","kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},` + string(p521) + `]}`, true, []string{"ed"}},
		{"P-256 beside P-521", `{"keys":[` + string(p521) + `,{"kid":"p256","kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`, true, []string{"p256"}},
		{"bad coordinates beside P-521", `{"keys":[{"kid":"bad","kty":"EC","crv":"P-521","x":"AA","y":"AA"},` + string(p521) + `]}`, true, []string{"bad"}},
		{"non-string field beside P-521", `{"keys":[{"kid":"n","kty":"EC","crv":"P-521","x":1,"y":2},` + string(p521) + `]}`, true, []string{""}},
		{"duplicate kid", `{"keys":[` + string(p521) + `,` + string(p521) + `]}`, true, []string{f.kid}},
		{"key without kid beside P-521", `{"keys":[` + strings.Replace(string(p521), f.kid, "", 1) + `,` + string(p521) + `]}`, true, []string{""}},
		{"only OKP", `{"keys":[{"kid":"ed","kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`, false, []string{"ed"}},
		{"no keys", `{"keys":[]}`, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := webhook.ParseJWKS([]byte(tc.doc))
			set, setErr := webhook.ParseKeySet([]byte(tc.doc))
			if !tc.usable {
				if !errors.Is(err, webhook.ErrBadKeySet) || !errors.Is(setErr, webhook.ErrBadKeySet) {
					t.Fatalf("no usable key: %v, %v, want ErrBadKeySet", err, setErr)
				}
				for _, kid := range tc.skipped {
					if !strings.Contains(setErr.Error(), fmt.Sprintf("kid %q", kid)) {
						t.Fatalf("%v does not say why key %q was skipped", setErr, kid)
					}
				}
				return
			}
			if err != nil || len(keys) != 1 || !keys[f.kid].Equal(&f.key.PublicKey) {
				t.Fatalf("ParseJWKS: %v, %d keys", err, len(keys))
			}
			if setErr != nil || len(set.Keys) != 1 || len(set.Skipped) != len(tc.skipped) {
				t.Fatalf("ParseKeySet: %v, %+v", setErr, set)
			}
			for i, s := range set.Skipped {
				if s.Kid != tc.skipped[i] || s.Reason == "" || !errors.Is(s, webhook.ErrBadKeySet) {
					t.Fatalf("skipped %+v, want kid %q with a reason", s, tc.skipped[i])
				}
			}
			var reported []string
			remote := &webhook.RemoteKeys{
				Fetch:        func(context.Context) ([]byte, error) { return []byte(tc.doc), nil },
				OnSkippedKey: func(s *webhook.SkippedKeyError) { reported = append(reported, s.Kid) },
			}
			if k, err := remote.Key(context.Background(), f.kid); err != nil || !k.Equal(&f.key.PublicKey) {
				t.Fatalf("RemoteKeys: %v", err)
			}
			if !slices.Equal(reported, tc.skipped) {
				t.Fatalf("reported %q, want %q", reported, tc.skipped)
			}
		})
	}
}
