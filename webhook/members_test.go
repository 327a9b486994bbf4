package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/upvest-go/upvest/webhook"
)

// A delivery that passed a signing proxy carries the proxy's signature
// ahead of Upvest's: the member whose kid is known is verified. A member
// with the known kid that covers a component parameter this package does
// not handle is refused as ErrMalformedSignature, naming the parameter.
func TestDeliveryWithSeveralSignatures(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := &webhook.Verifier{Keys: f.keys, Now: func() time.Time { return now }}
	req := must(f.signer.NewRequest(context.Background(), "https://hooks.example/upvest", event("ACCOUNT_GROUP.CREATED")))
	body, _ := ioReadAll(req)
	h := req.Header.Clone()
	h.Set("Signature-Input", `proxy=("@method" "@query-param";name="a");keyid="proxy";created=1, `+strings.Replace(h.Get("Signature-Input"), "sig1=", "upvest=", 1))
	h.Set("Signature", `proxy=:AAAA:, `+strings.Replace(h.Get("Signature"), "sig1=", "upvest=", 1))
	if _, err := v.VerifyParts(context.Background(), http.MethodPost, "https://hooks.example/upvest", h, body); err != nil {
		t.Fatalf("refused: %v", err)
	}

	h.Set("Signature-Input", `sig1=("@method" "@path" "content-type" "digest" "@query-param";name="a");keyid="`+f.kid+`";created=1700000000;expires=1700000300`)
	_, err := v.VerifyParts(context.Background(), http.MethodPost, "https://hooks.example/upvest", h, body)
	if !errors.Is(err, webhook.ErrMalformedSignature) || !strings.Contains(err.Error(), "@query-param") {
		t.Fatalf("err = %v, want ErrMalformedSignature naming @query-param", err)
	}
}
