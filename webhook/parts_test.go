package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upvest-go/upvest/webhook"
)

// VerifyParts checks a delivery given as its parts (method, URL, headers,
// body), as a queue consumer or a serverless function receives it, with the
// same rules and replay memory as Verify.
func TestVerifyParts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	type parts struct {
		method, url string
		header      http.Header
		body        []byte
	}
	sign := func(url string) parts {
		req := must(f.signer.NewRequest(context.Background(), url, event("ACCOUNT_GROUP.CREATED")))
		body, _ := ioReadAll(req)
		return parts{http.MethodPost, url, req.Header.Clone(), body}
	}
	lowerCase := func(h http.Header) http.Header { // as a queue or an API gateway hands them over
		out := http.Header{}
		for k, v := range h {
			out[strings.ToLower(k)] = v
		}
		return out
	}
	for _, tc := range []struct {
		name string
		edit func(p *parts)
		want error // nil: verified
	}{
		{"full URL", func(p *parts) {}, nil},
		{"path only", func(p *parts) { p.url = "/upvest" }, nil},
		{"path and query", func(p *parts) { p.url = "/upvest?attempt=2" }, nil},
		{"lower-case header names", func(p *parts) { p.header = lowerCase(p.header) }, nil},
		{"content-length header", func(p *parts) { p.header.Set("Content-Length", strconv.Itoa(len(p.body))) }, nil},
		{"wrong content-length header", func(p *parts) { p.header.Set("Content-Length", "5") }, webhook.ErrBadSignature},
		{"tampered body", func(p *parts) { p.body = []byte(strings.Replace(string(p.body), "PERSONAL", "LEGAL_ENTITY", 1)) }, webhook.ErrDigest},
		{"other path", func(p *parts) { p.url = "https://hooks.example/elsewhere" }, webhook.ErrBadSignature},
		{"unsigned", func(p *parts) { p.header.Del("Signature") }, webhook.ErrUnsigned},
		{"GET", func(p *parts) { p.method = http.MethodGet }, webhook.ErrMethod},
		{"oversize", func(p *parts) { p.body = append(p.body, make([]byte, 64<<10)...) }, webhook.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := sign("https://hooks.example/upvest")
			tc.edit(&p)
			v := &webhook.Verifier{Keys: f.keys, Now: func() time.Time { return now }, MaxBodyBytes: 64 << 10}
			release, err := v.VerifyParts(context.Background(), p.method, p.url, p.header, p.body)
			if tc.want != nil {
				if !errors.Is(err, tc.want) || release != nil {
					t.Fatalf("%v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.VerifyParts(context.Background(), p.method, p.url, p.header, p.body); !errors.Is(err, webhook.ErrReplay) {
				t.Fatalf("the same parts again: %v, want ErrReplay", err)
			}
			release() // not handled: the retry is accepted
			if _, err := v.VerifyParts(context.Background(), p.method, p.url, p.header, p.body); err != nil {
				t.Fatalf("after release: %v", err)
			}
			if events, err := webhook.DecodeEvents(p.body); err != nil || len(events) != 1 {
				t.Fatalf("events: %v", err)
			}
		})
	}
	t.Run("URL without a path", func(t *testing.T) {
		p := sign("https://hooks.example")
		for _, url := range []string{"https://hooks.example", "/"} {
			v := &webhook.Verifier{Keys: f.keys, Now: func() time.Time { return now }}
			if _, err := v.VerifyParts(context.Background(), p.method, url, p.header, p.body); err != nil {
				t.Fatalf("%s: %v", url, err)
			}
		}
	})
	t.Run("unparsable URL", func(t *testing.T) {
		p := sign("https://hooks.example/upvest")
		v := &webhook.Verifier{Keys: f.keys, Now: func() time.Time { return now }}
		if _, err := v.VerifyParts(context.Background(), p.method, "https://hooks.example/%zz", p.header, p.body); err == nil {
			t.Fatal("verified with an unparsable URL")
		}
	})
}
