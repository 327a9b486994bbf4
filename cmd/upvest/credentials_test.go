package main

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// Missing credentials name the variables and flags to set, only those
// missing, never Go field names; exit 2, nothing sent. A base URL the
// client refuses names --base-url and UPVEST_BASE_URL.
func TestMissingCredentialsNameVariablesAndFlags(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer api.Close()
	id := "9d95820d-4333-46b6-98de-04ab7512e76f"
	all := [][2]string{{"UPVEST_CLIENT_ID", "--client-id"}, {"UPVEST_CLIENT_SECRET", "--client-secret"},
		{"UPVEST_KEY_ID", "--key-id"}, {"UPVEST_PRIVATE_KEY_FILE", "--private-key-file"}}
	for _, cmd := range [][]string{
		{"account-groups", "get", id},
		{"account-groups", "create", "--user-id", id, "--type", "PERSONAL"},
		{"users", "account-groups", id},
		{"webhooks", "keys"},
		{"webhooks", "listen", "--addr", "127.0.0.1:0"},
		{"contract", "check"},
	} {
		for _, missing := range [][]int{{0, 1, 2, 3}, {1}, {3}} {
			w := newWorld(t)
			w.env["UPVEST_BASE_URL"] = api.URL
			for _, i := range missing {
				delete(w.env, all[i][0])
			}
			code, out, errOut := w.run(t, cmd...)
			if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 {
				t.Errorf("%q without %v: exit %d, stderr %q", cmd, missing, code, errOut)
				continue
			}
			for i, v := range all {
				if slices.Contains(missing, i) != (strings.Contains(errOut, v[0]+" ") || strings.Contains(errOut, v[0]+",") || strings.HasSuffix(strings.TrimSpace(errOut), v[0])) ||
					slices.Contains(missing, i) != strings.Contains(errOut, v[1]) {
					t.Errorf("%q without %v: %q; want exactly the missing variables and flags named", cmd, missing, errOut)
				}
			}
			for _, field := range []string{"ClientID", "ClientSecret", "KeyID", "PrivateKeyPEM"} {
				if strings.Contains(errOut, field) {
					t.Errorf("%q: %q names the Go field %s", cmd, errOut, field)
				}
			}
		}
	}
	// An encrypted key without its passphrase: the variable and flag to
	// set, exit 2; a key the client cannot use: the file named, exit 1.
	for _, tc := range []struct {
		file, passphrase string
		code             int
		want             []string
	}{
		{"../../middleware/testdata/keys/ec-sec1-encrypted.pem", "", 2, []string{"UPVEST_PRIVATE_KEY_PASSPHRASE", "--private-key-passphrase", "encrypted"}},
		{"../../middleware/testdata/keys/ec-sec1-encrypted.pem", "Tr0ub4dor-not-it", 1, []string{"--private-key-file", "UPVEST_PRIVATE_KEY_FILE", "ec-sec1-encrypted.pem", "wrong passphrase"}},
		{"../../README.md", "", 1, []string{"--private-key-file", "README.md", "no PEM private key"}},
	} {
		w := newWorld(t)
		w.env["UPVEST_BASE_URL"] = api.URL
		w.env["UPVEST_PRIVATE_KEY_FILE"], w.env["UPVEST_PRIVATE_KEY_PASSPHRASE"] = tc.file, tc.passphrase
		code, _, errOut := w.run(t, "account-groups", "get", id)
		if code != tc.code || strings.Count(errOut, "\n") != 1 || (tc.passphrase != "" && strings.Contains(errOut, tc.passphrase)) {
			t.Errorf("key %s: exit %d, %q; want exit %d", tc.file, code, errOut, tc.code)
		}
		for _, want := range tc.want {
			if !strings.Contains(errOut, want) {
				t.Errorf("key %s: %q lacks %q", tc.file, errOut, want)
			}
		}
	}
	for _, base := range []string{"http://api.example.com", "ftp://127.0.0.1", "https://user:pw@api.example.com", "not a url"} {
		w := newWorld(t)
		w.env["UPVEST_BASE_URL"] = base
		code, _, errOut := w.run(t, "account-groups", "get", id)
		if code != 2 || !strings.Contains(errOut, "--base-url") || !strings.Contains(errOut, "UPVEST_BASE_URL") ||
			strings.Contains(errOut, "BaseURL") || strings.Contains(errOut, "pw@") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("base URL %q: exit %d, %q", base, code, errOut)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
