package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/upvest-go/upvest"
	contracttest "github.com/upvest-go/upvest/contract_test"
	"github.com/upvest-go/upvest/sandbox"
)

// No finding and no reported line shows the client secret, a bearer token,
// an issued access token or a signature, even when they sit in the broken
// part.
func TestFindingsShowNoSecret(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.New(sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	alt := &altered{sb: sb}
	srv := httptest.NewServer(alt)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	creds, err := sb.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	v, err := contracttest.New(contracttest.Options{Mode: contracttest.Strict})
	if err != nil {
		t.Fatal(err)
	}
	tb := &fakeTB{}
	rec := &contracttest.Recorder{}
	sent := &sentSecrets{}
	report := func(r contracttest.Result) { rec.Report(r); contracttest.ReportTo(tb)(r) }
	// client → middleware → spoil (below the signature) → validator → network
	rt := &spoil{next: v.RoundTripper(sent, report)}
	client, err := upvest.New(upvest.Config{BaseURL: srv.URL, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		KeyID: creds.KeyID, PrivateKeyPEM: creds.PrivateKeyPEM, HTTPClient: &http.Client{Transport: rt}},
		upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	// The token answer carries the token under an unknown name too, and a
	// refresh token; the access token's type is wrong in a second answer.
	alt.set(http.MethodPost, "/auth/token", editJSON(func(m map[string]any) {
		m["id_token"] = m["access_token"]
		m["refresh_token"] = "rt-" + m["access_token"].(string)
		m["echo"] = creds.ClientSecret
	}))
	alt.set(http.MethodGet, "/account_groups", editJSON(func(m map[string]any) {
		m["seen_authorization"] = "Bearer something"
	}))
	_, _ = client.ListAccountGroups(context.Background(), nil)

	fs := rec.Findings()
	kinds := map[string]bool{}
	for _, f := range fs {
		kinds[f.Pointer] = true
	}
	// The spoiled signature header, the spoiled form field, the unknown
	// token properties: all found, none shown.
	for _, want := range []string{"signature", "/grant_type", "/id_token", "/refresh_token", "/echo"} {
		if !kinds[want] {
			t.Errorf("no finding at %s; findings: %v", want, fs)
		}
	}
	for _, f := range fs {
		switch f.Pointer {
		case "signature", "/grant_type", "/id_token", "/refresh_token", "/echo":
			if !strings.Contains(f.Value, "[redacted]") {
				t.Errorf("value shown: %s", f)
			}
		}
	}
	var text strings.Builder
	for _, f := range fs {
		text.WriteString(f.String() + "\n" + f.Value + f.Message)
	}
	text.WriteString(strings.Join(tb.lines(), "\n"))
	secrets := append(sent.all(), creds.ClientSecret)
	if len(secrets) < 3 {
		t.Fatalf("too few secrets captured: %d", len(secrets))
	}
	for _, s := range secrets {
		if strings.Contains(text.String(), s) {
			t.Errorf("a secret (%d bytes) appears in the findings:\n%s", len(s), text.String())
		}
	}
	if len(tb.errors) == 0 {
		t.Error("ReportTo reported no violation")
	}
}

// spoil breaks, below the signature and above the validator, the token
// request's form (grant_type password) and the signature header of API
// calls; sentSecrets, below the validator, sends the original on, so the
// sandbox answers as usual.
type spoil struct{ next http.RoundTripper }

type originalKey struct{}

type original struct {
	header http.Header
	body   string
}

func (s *spoil) RoundTrip(req *http.Request) (*http.Response, error) {
	var b bytes.Buffer
	if req.Body != nil {
		_, _ = b.ReadFrom(req.Body)
		req.Body.Close()
	}
	orig := original{header: req.Header.Clone(), body: b.String()}
	out := req.Clone(context.WithValue(req.Context(), originalKey{}, orig))
	body := orig.body
	if req.URL.Path == "/auth/token" {
		body = strings.Replace(body, "grant_type=client_credentials", "grant_type=password", 1)
	} else {
		out.Header.Set("Signature", "sig1=:not base64!:")
	}
	out.Body = nopCloser{strings.NewReader(body)}
	out.ContentLength = int64(len(body))
	return s.next.RoundTrip(out)
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

// sentSecrets sends the unspoiled request on and keeps the secrets that
// went over the wire.
type sentSecrets struct {
	mu      sync.Mutex
	secrets []string
}

func (s *sentSecrets) RoundTrip(req *http.Request) (*http.Response, error) {
	if orig, ok := req.Context().Value(originalKey{}).(original); ok {
		req = req.Clone(req.Context())
		req.Header = orig.header
		req.Body = nopCloser{strings.NewReader(orig.body)}
		req.ContentLength = int64(len(orig.body))
	}
	s.mu.Lock()
	for _, h := range []string{"Authorization", "Signature"} {
		if v := req.Header.Get(h); v != "" {
			s.secrets = append(s.secrets, v, strings.TrimPrefix(v, "Bearer "))
		}
	}
	s.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && req.URL.Path == "/auth/token" {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(b.Bytes(), &tok) == nil && tok.AccessToken != "" {
			s.mu.Lock()
			s.secrets = append(s.secrets, tok.AccessToken)
			s.mu.Unlock()
		}
		resp.Body = nopCloser{strings.NewReader(b.String())}
	}
	return resp, err
}

func (s *sentSecrets) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.secrets...)
}
