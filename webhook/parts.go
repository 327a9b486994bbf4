package webhook

import (
	"context"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
)

// VerifyParts checks a delivery given as its parts, for code that receives
// it outside a net/http handler (a queue consumer, a serverless function):
// the method, the URL it was posted to (absolute, or just the path and
// query as the server saw them), its headers (names in any case) and its
// body. The rules, errors and replay memory are those of Verify, whose
// Verifier it shares; decode the body with DecodeEvents once it returns nil.
//
// A verified delivery is remembered: call release if you then fail to
// handle it, so that the same delivery, retried, is accepted. header and
// body are not modified.
func (v *Verifier) VerifyParts(ctx context.Context, method, rawURL string, header http.Header, body []byte) (release func(), err error) {
	if err := v.usable(); err != nil {
		return nil, err
	}
	if method != http.MethodPost {
		return nil, ErrMethod
	}
	if limit := v.maxBodyBytes(); int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: %d bytes > %d", ErrTooLarge, len(body), limit)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("webhook: VerifyParts: %w", err)
	}
	r := &http.Request{
		Method:        method,
		URL:           u,
		Host:          u.Host,
		Header:        canonical(header),
		Body:          http.NoBody,
		ContentLength: int64(len(body)),
	}
	return v.verify(ctx, r, body)
}

// canonical returns h with canonical header names, h itself when they
// already are.
func canonical(h http.Header) http.Header {
	for k := range h {
		if textproto.CanonicalMIMEHeaderKey(k) != k {
			out := make(http.Header, len(h))
			for k, vs := range h {
				ck := textproto.CanonicalMIMEHeaderKey(k)
				out[ck] = append(out[ck], vs...)
			}
			return out
		}
	}
	return h
}
