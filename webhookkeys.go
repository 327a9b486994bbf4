package upvest

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/upvest-go/upvest/gen"
)

// jwks checks a JWKS answer's required fields and keeps its bytes, which
// WebhookKeys returns as they came.
type jwks struct {
	raw []byte
	set gen.JWKS
}

func (j *jwks) UnmarshalJSON(b []byte) error {
	j.raw = append(j.raw[:0], b...)
	return json.Unmarshal(b, &j.set)
}

func (j *jwks) check() (string, []Finding) {
	if j.set.Keys == nil {
		return "JWKS without keys", nil
	}
	return "", nil
}

// WebhookKeys returns the JWKS of the keys that sign Upvest's webhook
// deliveries (GET /auth/verify_keys, scope webhooks:read), as JSON: give it
// to webhook.RemoteKeys as its Fetch function.
func (c *Client) WebhookKeys(ctx context.Context) ([]byte, error) {
	cl := &call{opts: &noOptions, facade: true}
	resp, err := c.gen.GetWebhookVerifyKeys(withCall(ctx, cl))
	var j jwks
	if err := c.d.finish(ctx, cl, resp, err, http.StatusOK, &j); err != nil {
		return nil, err
	}
	return j.raw, nil
}
