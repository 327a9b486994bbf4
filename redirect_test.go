package upvest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/middleware"
)

// elsewhere is another host: it counts what reaches it and answers as a
// token endpoint and an API would, so a followed redirect would succeed.
type elsewhere struct {
	srv  *httptest.Server
	hits atomic.Int32
	form atomic.Value // the last body it received
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.form.Store(string(body))
		e.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/auth/token" {
			io.WriteString(w, `{"access_token":"attacker-token","expires_in":1799,"token_type":"bearer"}`)
			return
		}
		io.WriteString(w, groupJSON)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// TestNoRedirectIsFollowed: a 3xx from the token endpoint or from the API
// is a typed error naming the status and the Location host; nothing is
// re-sent, whatever the caller's CheckRedirect allows.
func TestNoRedirectIsFollowed(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, where := range []string{"token", "api"} {
			t.Run(where+"/"+itoa(status), func(t *testing.T) {
				other := newElsewhere(t)
				target, _ := url.Parse(other.srv.URL)
				api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/auth/token" && where == "api" {
						w.Header().Set("Content-Type", "application/json")
						io.WriteString(w, `{"access_token":"`+fakeToken+`","expires_in":1799,"token_type":"bearer"}`)
						return
					}
					http.Redirect(w, r, other.srv.URL+r.URL.Path, status)
				}))
				defer api.Close()
				cfg := upvest.Config{BaseURL: api.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "k", PrivateKeyPEM: testKeyPEM,
					HTTPClient: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}}
				c, err := upvest.New(cfg, fastRetries)
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal)
				if err == nil {
					t.Fatal("a redirect was followed: the create succeeded")
				}
				if n := other.hits.Load(); n != 0 {
					t.Fatalf("%d requests reached the other host (last body %q)", n, other.form.Load())
				}
				var re *middleware.RedirectError
				if !errors.As(err, &re) || re.StatusCode != status || re.Location != target.Host {
					t.Fatalf("err = %v, want *middleware.RedirectError with %d and host %s", err, status, target.Host)
				}
				if !strings.Contains(err.Error(), itoa(status)) || !strings.Contains(err.Error(), target.Host) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("message %q does not name the status and the host on one line", err)
				}
			})
		}
	}
}

// TestNoRedirectFromHTTPSToHTTP: an https API redirecting to plain http on
// another host gets nothing re-sent, not even with a permissive client.
func TestNoRedirectFromHTTPSToHTTP(t *testing.T) {
	t.Parallel()
	other := newElsewhere(t)
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.srv.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer api.Close()
	hc := api.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return nil }
	c, err := upvest.New(upvest.Config{BaseURL: api.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, KeyID: "k",
		PrivateKeyPEM: testKeyPEM, HTTPClient: hc}, fastRetries)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetAccountGroup(context.Background(), theGroup)
	var re *middleware.RedirectError
	if !errors.As(err, &re) || re.StatusCode != 307 {
		t.Fatalf("err = %v, want *middleware.RedirectError", err)
	}
	if n := other.hits.Load(); n != 0 {
		t.Fatalf("%d requests went to the plain-http host", n)
	}
}
