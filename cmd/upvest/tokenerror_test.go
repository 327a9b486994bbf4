package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/upvest-go/upvest/internal/secrettest"
)

// TestTokenParseErrorNeverReachesStderr: a token endpoint answering 200
// with the client secret in expires_in makes x/oauth2 fail with a JSON
// error quoting it; the CLI's one stderr line keeps the error, scrubbed.
func TestTokenParseErrorNeverReachesStderr(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		secret, _ := json.Marshal(r.PostForm.Get("client_secret"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"tok","token_type":"bearer","expires_in":`+string(secret)+`}`)
	}))
	defer srv.Close()
	w := newWorld(t)
	w.env["UPVEST_BASE_URL"] = srv.URL
	w.env["UPVEST_CLIENT_SECRET"] = secrettest.Hostile
	code, _, errOut := w.run(t, "account-groups", "get", "9d95820d-4333-46b6-98de-04ab7512e76f")
	if code != 1 || !strings.Contains(errOut, "cannot parse json") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q: want one line with x/oauth2's error", code, errOut)
	}
	if leaks := secrettest.Leaks(errOut, secrettest.Hostile); len(leaks) > 0 {
		t.Fatalf("stderr shows %v", leaks)
	}
	for _, f := range secrettest.Forms(secrettest.Hostile) {
		if q := strconv.Quote(f); strings.Contains(errOut, q[1:len(q)-1]) {
			t.Fatalf("stderr shows a Go-quoted form of the secret")
		}
	}
}
