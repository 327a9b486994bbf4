package upvest

import (
	"context"
	"net/http"

	"github.com/upvest-go/upvest/gen"
)

// jwks checks a JWKS answer's required fields.
type jwks struct{ gen.JWKS }

func (j *jwks) validate() string {
	if j.Keys == nil {
		return "JWKS without keys"
	}
	return ""
}

// WebhookKeys returns the JWKS of the keys that sign Upvest's webhook
// deliveries (GET /auth/verify_keys, scope webhooks:read), as JSON: give it
// to webhook.RemoteKeys as its Fetch function.
func (c *Client) WebhookKeys(ctx context.Context) ([]byte, error) {
	resp, err := c.gen.GetWebhookVerifyKeys(ctx)
	var j jwks
	if err := decode(http.MethodGet, "/auth/verify_keys", resp, err, http.StatusOK, &j); err != nil {
		return nil, err
	}
	return marshal(j.JWKS)
}
