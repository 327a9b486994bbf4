package contracttest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// redacted stands for a value never shown.
const redacted = "[redacted]"

// publicHeader lists the headers whose values carry no secret and may be
// shown in findings; every other header's value is redacted.
func publicHeader(name string) bool {
	switch strings.ToLower(name) {
	case "content-type", "accept", "upvest-request-id", "retry-after", "idempotency-key",
		"upvest-api-version", "upvest-signature-version", "upvest-client-id":
		return true
	}
	return false
}

// secretPath reports whether a body value sits under a name that may hold
// a secret.
func secretPath(path []string) bool {
	for _, s := range path {
		s = strings.ToLower(s)
		for _, w := range []string{"token", "secret", "password", "signature", "authorization", "credential"} {
			if strings.Contains(s, w) {
				return true
			}
		}
	}
	return false
}

// secretsOf lists the texts of an exchange that findings must never show:
// the bearer token, the signature headers, every form field value (the
// client secret) and an issued access token, in the forms they may take
// in a rendered value.
func secretsOf(ex Exchange) []string {
	var raw []string
	if h := ex.Request.Header; h != nil {
		for _, name := range []string{"Authorization", "Signature", "Signature-Input"} {
			for _, v := range h.Values(name) {
				raw = append(raw, v)
				if tok, ok := strings.CutPrefix(v, "Bearer "); ok {
					raw = append(raw, tok)
				}
			}
		}
		if isForm(h.Get("Content-Type")) {
			if form, err := url.ParseQuery(string(ex.RequestBody)); err == nil {
				for _, vals := range form {
					raw = append(raw, vals...)
				}
			}
		}
	}
	var tok struct {
		AccessToken  any `json:"access_token"`
		RefreshToken any `json:"refresh_token"`
	}
	if ex.Response != nil && json.Unmarshal(ex.ResponseBody, &tok) == nil {
		for _, t := range []any{tok.AccessToken, tok.RefreshToken} {
			if s, ok := t.(string); ok {
				raw = append(raw, s)
			}
		}
	}
	var out []string
	for _, s := range raw {
		if len(s) < 4 { // too short to be a secret, too common to scrub
			continue
		}
		js, _ := json.Marshal(s)
		q := strconv.Quote(s)
		for _, form := range []string{s, string(js[1 : len(js)-1]), q[1 : len(q)-1], url.QueryEscape(s)} {
			if !slices.Contains(out, form) {
				out = append(out, form)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// scrub replaces every secret of the exchange in s, and a secret cut by
// shortening (its first 16 bytes or more at the end of s).
func (c *checker) scrub(s string) string {
	for _, sec := range c.secrets {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	if body, ok := strings.CutSuffix(s, "…"); ok {
		for _, sec := range c.secrets {
			for n := len(sec) - 1; n >= 8; n-- {
				if strings.HasSuffix(body, sec[:n]) {
					return body[:len(body)-n] + redacted + "…"
				}
			}
		}
	}
	return s
}
