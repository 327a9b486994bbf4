package contracttest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	contracttest "github.com/upvest-go/upvest/contract_test"
)

// The RoundTripper hands the caller the body it checked, whole, also one
// over the limit (reported, not checked); it checks only the API's host
// and strips the base URL's path.
func TestRoundTripperBodiesAndHosts(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 500)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/big") {
			_, _ = io.WriteString(w, `{"data":"`+big+`"}`)
			return
		}
		_, _ = io.WriteString(w, validGroup)
	}))
	defer srv.Close()
	v, err := contracttest.New(contracttest.Options{BaseURL: srv.URL + "/v1/", MaxBodyBytes: 400})
	if err != nil {
		t.Fatal(err)
	}
	rec := &contracttest.Recorder{}
	c := &http.Client{Transport: v.RoundTripper(nil, rec.Report)}

	get := func(url string) string {
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := get(srv.URL + "/v1/account_groups/9d95820d-4333-46b6-98de-04ab7512e76f"); got != validGroup {
		t.Errorf("body %q", got)
	}
	res := rec.Results()
	if len(res) != 1 || res[0].Operation != "getAccountGroup" {
		t.Fatalf("results %+v", res)
	}
	// No signature or token: the request findings; the answer is fine (no request id is fine too).
	for _, f := range res[0].Findings {
		if f.Response {
			t.Errorf("response finding %s", f)
		}
	}
	rec.Reset()
	if got := get(srv.URL + "/v1/big"); !strings.Contains(got, big) {
		t.Errorf("big body cut: %d bytes", len(got))
	}
	var tooLarge bool
	for _, f := range rec.Findings() {
		tooLarge = tooLarge || (f.Kind == contracttest.KindDecode && f.Response && strings.Contains(f.Message, "larger than 400 bytes"))
	}
	if !tooLarge {
		t.Errorf("big body not reported: %v", rec.Findings())
	}
	rec.Reset()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hi") }))
	defer other.Close()
	if got := get(other.URL + "/account_groups"); got != "hi" || len(rec.Results()) != 0 {
		t.Errorf("another host checked: %q %v", got, rec.Results())
	}
}
