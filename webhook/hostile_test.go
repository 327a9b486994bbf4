package webhook_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upvest-go/upvest/webhook"
)

// hostileDelivery is what an attacker who knows the webhook key id (any
// delivery shows it) can send: a body of size bytes with its correct
// digest, and a signature-input of members members, each naming that key
// and covering what the verifier requires, none with a valid signature.
func hostileDelivery(tb testing.TB, f *fixture, size, members int) (http.Header, []byte) {
	tb.Helper()
	body := bytes.Repeat([]byte("x"), size)
	req := must(f.signer.NewRequestWithBody(context.Background(), "https://hooks.example/upvest", body))
	in := strings.TrimPrefix(req.Header.Get("Signature-Input"), "sig1=")
	sig := strings.TrimPrefix(req.Header.Get("Signature"), "sig1=")
	ins, sigs := make([]string, members), make([]string, members)
	for i := range ins {
		// Another nonce: the signature no longer matches the base.
		ins[i] = fmt.Sprintf("m%d=%s", i, strings.Replace(in, `nonce="`, fmt.Sprintf(`nonce="%d`, i), 1))
		sigs[i] = fmt.Sprintf("m%d=%s", i, sig)
	}
	h := req.Header.Clone()
	h.Set("Signature-Input", strings.Join(ins, ", "))
	h.Set("Signature", strings.Join(sigs, ", "))
	return h, body
}

// countingKeys counts the key lookups a verification makes.
type countingKeys struct {
	webhook.StaticKeys
	lookups atomic.Int32
}

func (k *countingKeys) Key(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	k.lookups.Add(1)
	return k.StaticKeys.Key(ctx, kid)
}

// An unsigned delivery whose signature-input repeats the webhook key id in
// many members costs what one member does: a header of more than
// MaxSignatureMembers members is refused before any key is looked up, and of
// the members naming a known key at most two are tried.
func TestHostileSignatureInputIsCheap(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		members int
		want    error
		lookups int32
	}{
		{1, webhook.ErrBadSignature, 1},
		{webhook.MaxSignatureMembers, webhook.ErrBadSignature, 2},
		{webhook.MaxSignatureMembers + 1, webhook.ErrMalformedSignature, 0},
		{120, webhook.ErrMalformedSignature, 0},
		{3000, webhook.ErrMalformedSignature, 0},
	} {
		keys := &countingKeys{StaticKeys: f.keys}
		v := &webhook.Verifier{Keys: keys, Now: func() time.Time { return now }}
		h, body := hostileDelivery(t, f, 64<<10, tc.members)
		_, err := v.VerifyParts(context.Background(), http.MethodPost, "https://hooks.example/upvest", h, body)
		if !errors.Is(err, tc.want) || keys.lookups.Load() != tc.lookups {
			t.Errorf("%d members: %d key lookups, then %.100v; want %d, then %v", tc.members, keys.lookups.Load(), err, tc.lookups, tc.want)
		}
	}
}
