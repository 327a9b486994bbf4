package httpsig

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// hostile builds a POST with a body whose signature-input has the members
// listed: "good" is the genuine signature of the key "upvest", "bad" a
// member naming that key whose signature does not verify, "proxy" a member
// naming a key the verifier does not know.
func hostile(t *testing.T, members ...string) (*http.Request, []byte, func(string) (any, error), *int) {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(nil)
	body := bytes.Repeat([]byte("x"), 64<<10)
	in := &Input{Style: V15, KeyID: "upvest", Created: 1700000000, Expires: 1700000030, Components: []Component{
		{Name: "@method", Value: "POST"}, {Name: "content-digest", Value: ContentDigest(body)}}}
	input, sig, err := Sign(t.Context(), mustKey(t, priv), nil, in)
	if err != nil {
		t.Fatal(err)
	}
	goodIn, goodSig := strings.TrimPrefix(input, "sig1="), strings.TrimPrefix(sig, "sig1=")
	var ins, sigs []string
	for i, m := range members {
		label := fmt.Sprintf("m%d", i)
		switch m {
		case "good":
			ins, sigs = append(ins, label+"="+goodIn), append(sigs, label+"="+goodSig)
		case "bad":
			ins, sigs = append(ins, label+"="+strings.Replace(goodIn, `nonce="`, `nonce="x`, 1)), append(sigs, label+"="+goodSig)
		case "proxy":
			ins, sigs = append(ins, label+`=("@method");keyid="proxy";created=1700000000;expires=1700000030`), append(sigs, label+"=:AAAA:")
		}
	}
	req, _ := http.NewRequest(http.MethodPost, "https://api.example/hooks", bytes.NewReader(body))
	req.Header.Set("Content-Digest", ContentDigest(body))
	req.Header.Set("Signature-Input", strings.Join(ins, ", "))
	req.Header.Set("Signature", strings.Join(sigs, ", "))
	lookups := new(int)
	key := func(kid string) (any, error) {
		*lookups++
		if kid == "upvest" {
			return priv.Public(), nil
		}
		return nil, errors.New("no such key")
	}
	return req, body, key, lookups
}

func repeat(n int, m string, then ...string) []string {
	out := make([]string, n, n+len(then))
	for i := range out {
		out[i] = m
	}
	return append(out, then...)
}

// One request costs a bounded amount of work whatever its signature
// headers hold: the body is digested once, at most two members naming a
// known key are verified, and a header of more than MaxMembers members is
// refused before any key is looked up.
func TestVerifyWorkIsBounded(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		members                    []string
		sigHeader                  string // replaces the signature header when set
		want                       error  // nil: verified
		lookups, digests, verifies int
	}{
		{"one genuine member", []string{"good"}, "", nil, 1, 1, 1},
		{"proxies ahead of the genuine member", repeat(MaxMembers-1, "proxy", "good"), "", nil, MaxMembers, 1, 1},
		{"a bad member, then the genuine one", []string{"bad", "good"}, "", nil, 2, 1, 2},
		{"every member naming the known key, none verifying", repeat(MaxMembers, "bad"), "", ErrBadSignature, 2, 1, 2},
		{"the genuine member after two bad ones is not tried", []string{"bad", "bad", "good"}, "", ErrBadSignature, 2, 1, 2},
		{"one member over the bound", repeat(MaxMembers+1, "bad"), "", ErrMalformed, 0, 0, 0},
		{"120 members", repeat(120, "bad"), "", ErrMalformed, 0, 0, 0},
		{"3,000 members", repeat(3000, "proxy"), "", ErrMalformed, 0, 0, 0},
		{"a signature header over the bound", []string{"good"}, strings.Repeat("x=:AAAA:, ", MaxMembers) + "m0=:AAAA:", ErrMalformed, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, body, key, lookups := hostile(t, tc.members...)
			if tc.sigHeader != "" {
				req.Header.Set("Signature", tc.sigHeader)
			}
			w := &work{}
			v := &Verification{Style: V15, Now: time.Unix(1700000001, 0), Skew: time.Minute, Key: key, work: w}
			got, err := VerifyRequest(req, body, v)
			switch {
			case tc.want == nil && (err != nil || got.KeyID != "upvest"):
				t.Fatalf("refused: %.200v", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("err = %.200v, want %v", err, tc.want)
			}
			if *lookups != tc.lookups || w.digests != tc.digests || w.verifies != tc.verifies {
				t.Fatalf("%d key lookups, %d digests, %d verifications; want %d, %d, %d",
					*lookups, w.digests, w.verifies, tc.lookups, tc.digests, tc.verifies)
			}
		})
	}
}
