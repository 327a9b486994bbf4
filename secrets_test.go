package upvest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/upvest-go/upvest"
)

// Secrets never leak: with a debug logger and failing servers, no log line,
// error string or panic message holds the client secret, a bearer token, a
// signature or key bytes.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var seenMu sync.Mutex
	var secrets []string
	remember := func(r *http.Request) {
		seenMu.Lock()
		defer seenMu.Unlock()
		for _, h := range []string{"Authorization", "Signature"} {
			if v := r.Header.Get(h); v != "" {
				secrets = append(secrets, strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(v, "sig1=:"), ":"), "Bearer "))
			}
		}
	}
	var errs []string
	scenarios := map[string]http.HandlerFunc{
		"token endpoint echoes the form": nil, // handled below
		"problem echoing headers": func(w http.ResponseWriter, r *http.Request) {
			remember(r)
			writeProblem(w, 500, "internal_server_error")
		},
		"dropped connections": func(w http.ResponseWriter, r *http.Request) {
			remember(r)
			hangUp(w)
		},
		"HTML error": func(w http.ResponseWriter, r *http.Request) {
			remember(r)
			w.WriteHeader(403)
			io.WriteString(w, "<html>forbidden</html>")
		},
	}
	for name, handle := range scenarios {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			remember(r)
			if r.URL.Path == "/auth/token" {
				if handle == nil { // a hostile token endpoint echoing what it got
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(400)
					fmt.Fprintf(w, `{"error":"invalid_request","error_description":%q}`, string(body))
					return
				}
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"access_token":"`+fakeToken+`","expires_in":1799,"token_type":"bearer"}`)
				return
			}
			handle(w, r)
		}))
		c, err := upvest.New(upvest.Config{BaseURL: srv.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "k", PrivateKeyPEM: testKeyPEM},
			upvest.WithLogger(logger), fastRetries)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal)
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		errs = append(errs, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		func() {
			defer func() {
				if p := recover(); p != nil {
					errs = append(errs, fmt.Sprint(p))
				}
			}()
			_, _ = c.GetAccountGroup(context.Background(), theGroup)
		}()
		srv.Close()
	}
	secrets = append(secrets, fakeSecret, fakeToken, string(testKeyPEM[30:90]))
	haystack := logs.String() + strings.Join(errs, "\n")
	if !strings.Contains(haystack, "upvest request") || !strings.Contains(haystack, "invalid_request") {
		t.Fatalf("the scenarios did not run:\n%s", haystack)
	}
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(haystack, s) {
			t.Errorf("secret %.6s… appears in logs or errors", s)
		}
	}
}
