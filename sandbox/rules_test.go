package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/upvest-go/upvest/sandbox"
)

// Every operation, built by hand from the published rules in each style
// and with each key kind, is answered with its documented success status.
// No request sends upvest-api-version: the document marks it optional with
// default 1, and Upvest's own signing proxy does not send it.
func TestPublishedRulesByHand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		style style
		ed    bool
		extra http.Header
	}{
		{"documented order, P-521", documented, false, nil},
		{"documented order, Ed25519", documented, true, nil},
		{"httpsignature-proxy, P-521", proxy, false, nil},
		{"httpsignature-proxy from Postman", proxy, false, http.Header{
			"Postman-Token": {uuid.NewString()}, "Cache-Control": {"no-cache"}, "User-Agent": {"PostmanRuntime/7.39.0"},
			"X-Forwarded-For": {"10.0.0.1"}, "Connection": {"keep-alive"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Approval by hand: a zero delay approves on a timer, which the
			// DELETE below could overtake (a 409 seen once in 800 runs).
			sb := newSandbox(t, sandbox.Config{ApprovalDelay: -1, ClosingDelay: -1})
			hc := newHand(t, sb, tc.ed)
			hc.style, hc.extra = tc.style, tc.extra
			user := sb.NewUser()
			hc.mustToken("accounts:admin webhooks:read")
			a := hc.create(user, uuid.NewString())
			if a.status != 200 {
				t.Fatalf("create: %s", a)
			}
			var g struct {
				ID uuid.UUID `json:"id"`
			}
			if err := json.Unmarshal(a.body, &g); err != nil {
				t.Fatal(err)
			}
			if !sb.Activate(g.ID) {
				t.Fatal("the new group was not pending")
			}
			for _, c := range []struct{ method, target string }{
				{"GET", "/account_groups/" + g.ID.String()},
				{"GET", "/account_groups"},
				{"GET", "/account_groups?limit=10&order=DESC"},
				{"GET", "/users/" + user.String() + "/account_groups?offset=0"},
				{"GET", "/auth/verify_keys"},
				{"DELETE", "/account_groups/" + g.ID.String()},
			} {
				want := 200
				if c.method == "DELETE" {
					want = 202
				}
				if a := hc.do(c.method, c.target, nil, nil); a.status != want {
					t.Errorf("%s %s: %s, want %d", c.method, c.target, a, want)
				}
			}
		})
	}
}

// upvest-api-version is optional (default 1); only a value other than 1 is
// refused, with 406.
func TestAPIVersionHeader(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Config{})
	hc := newHand(t, sb, true)
	hc.mustToken("accounts:read")
	for _, tc := range []struct {
		value  []string
		status int
	}{
		{nil, 200},
		{[]string{"1"}, 200},
		{[]string{`"1"`}, 406},
		{[]string{"2"}, 406},
		{[]string{""}, 406},
	} {
		a := hc.do("GET", "/account_groups", nil, http.Header{"Upvest-Api-Version": tc.value})
		if a.status != tc.status {
			t.Errorf("upvest-api-version %q: %s, want %d", tc.value, a, tc.status)
		}
		if tc.status == 406 && !strings.Contains(a.detail(), "upvest-api-version") {
			t.Errorf("upvest-api-version %q: detail %q does not name the header", tc.value, a.detail())
		}
	}
}

// Without upvest-signature-version: 15 Upvest verifies by its default, the
// v6 rules; the sandbox, which verifies v15 only, refuses and says why. Any
// value but 15 is refused too.
func TestSignatureVersionHeader(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Config{})
	hc := newHand(t, sb, true)
	hc.mustToken("accounts:read")
	for _, v := range []string{"", "6", "16"} {
		req := hc.build("GET", "/account_groups", nil, nil)
		hc.sign(req, nil)
		if v == "" {
			req.Header.Del("Upvest-Signature-Version")
		} else {
			req.Header.Set("Upvest-Signature-Version", v)
		}
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, req)
		a := answer{status: rec.Code, body: rec.Body.Bytes()}
		if a.status != 401 || !strings.Contains(a.detail(), "upvest-signature-version") {
			t.Errorf("upvest-signature-version %q: %s", v, a)
		}
	}
}

// A signature valid for longer than MaxSignatureValidity is refused with a
// 401 naming the limit; up to the limit it is accepted.
func TestSignatureValidityBounded(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Config{})
	hc := newHand(t, sb, true)
	hc.mustToken("accounts:read")
	for _, tc := range []struct {
		validity time.Duration
		status   int
	}{
		{time.Second, 200},
		{5 * time.Second, 200},
		{sandbox.MaxSignatureValidity, 200},
		{sandbox.MaxSignatureValidity + time.Second, 401},
		{time.Hour, 401},
		{365 * 24 * time.Hour, 401},
	} {
		hc.validity = tc.validity
		a := hc.do("GET", "/account_groups", nil, nil)
		if a.status != tc.status {
			t.Errorf("validity %s: %s, want %d", tc.validity, a, tc.status)
		}
		if tc.status == 401 && !strings.Contains(a.detail(), "at most "+sandbox.MaxSignatureValidity.String()) {
			t.Errorf("validity %s: detail %q does not name the limit", tc.validity, a.detail())
		}
	}
}

// A token may be asked for any scope Upvest publishes, not only those the
// account-group operations use; a scope Upvest does not publish is a 400.
func TestTokenScopes(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Config{})
	hc := newHand(t, sb, true)
	for scopes, want := range map[string]int{
		"accounts:read":                               200,
		"users:read accounts:read":                    200,
		"orders:admin portfolios:read webhooks:admin": 200,
		"accounts:read accounts:write":                400,
		"nope":                                        400,
	} {
		if a := hc.fetchToken(scopes); a.status != want {
			t.Errorf("scope %q: %s, want %d", scopes, a, want)
		}
	}
	// A token for users:read alone does not open account groups.
	hc.fetchToken("users:read")
	if a := hc.do("GET", "/account_groups", nil, nil); a.status != 403 {
		t.Errorf("users:read token on listAccountGroups: %s", a)
	}
}

// The create request's schema does not forbid other properties, so a body
// with one more field is accepted (the field ignored); a body breaking the
// schema is a 400.
func TestCreateBodyAgainstTheDocument(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Config{})
	hc := newHand(t, sb, true)
	hc.mustToken("accounts:admin")
	user := sb.NewUser()
	for _, tc := range []struct {
		name, body, contentType string
		status                  int
	}{
		{"another property", `{"user_id":"` + user.String() + `","type":"PERSONAL","nickname":"x"}`, "application/json", 200},
		{"charset", `{"user_id":"` + user.String() + `","type":"PERSONAL"}`, "application/json; charset=utf-8", 200},
		{"no type", `{"user_id":"` + user.String() + `"}`, "application/json", 400},
		{"no user", `{"type":"PERSONAL"}`, "application/json", 400},
		{"user not a uuid", `{"user_id":"bob","type":"PERSONAL"}`, "application/json", 400},
		{"unknown type", `{"user_id":"` + user.String() + `","type":"CORP"}`, "application/json", 400},
		{"not JSON", `user_id=` + user.String(), "application/json", 400},
		{"form", `user_id=` + user.String() + `&type=PERSONAL`, "application/x-www-form-urlencoded", 400},
		{"nil user", `{"user_id":"00000000-0000-0000-0000-000000000000","type":"PERSONAL"}`, "application/json", 404},
	} {
		a := hc.do("POST", "/account_groups", []byte(tc.body), http.Header{"Content-Type": {tc.contentType}, "Idempotency-Key": {uuid.NewString()}})
		if a.status != tc.status {
			t.Errorf("%s: %s, want %d", tc.name, a, tc.status)
		}
	}
}

// created and expires are judged by the sandbox's clock: a signature from
// the future, expired, older than MaxSignatureAge, or expiring before it was
// created is refused with a 401 saying which.
func TestSignatureTimes(t *testing.T) {
	t.Parallel()
	clk := newClock()
	sb := newSandbox(t, sandbox.Config{Now: clk.Now, MaxSignatureAge: 20 * time.Second, TokenTTL: time.Hour})
	hc := newHand(t, sb, true)
	hc.now = clk.Now
	hc.mustToken("accounts:read")
	for _, tc := range []struct {
		name     string
		shift    time.Duration // of the signer's clock
		validity time.Duration
		status   int
		detail   string
	}{
		{"now", 0, 10 * time.Second, 200, ""},
		{"within the skew ahead", 4 * time.Second, 10 * time.Second, 200, ""},
		{"ahead of the clock", time.Minute, 10 * time.Second, 401, "ahead of the server clock"},
		{"expired", -time.Minute, 10 * time.Second, 401, "signature expired"},
		{"older than MaxSignatureAge", -30 * time.Second, time.Minute, 401, "s old, more than 20s"},
		{"expires before created", 0, -time.Second, 401, "is before created"},
	} {
		hc.now = func() time.Time { return clk.Now().Add(tc.shift) }
		hc.validity = tc.validity
		a := hc.do("GET", "/account_groups", nil, nil)
		if a.status != tc.status || !strings.Contains(a.detail(), tc.detail) {
			t.Errorf("%s: %s, want %d with %q", tc.name, a, tc.status, tc.detail)
		}
	}
}

// A nonce is refused again for as long as its signature could be accepted
// (until expires plus the skew); after that the request is refused as
// expired.
func TestReplayRefusedWhileTheSignatureLives(t *testing.T) {
	t.Parallel()
	clk := newClock()
	sb := newSandbox(t, sandbox.Config{Now: clk.Now, TokenTTL: time.Hour})
	hc := newHand(t, sb, false)
	hc.now, hc.validity = clk.Now, sandbox.MaxSignatureValidity
	hc.mustToken("accounts:read")
	req := hc.build("GET", "/account_groups", nil, nil)
	hc.sign(req, nil)
	serve := func() answer {
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, req.Clone(req.Context()))
		return answer{status: rec.Code, body: rec.Body.Bytes()}
	}
	if a := serve(); a.status != 200 {
		t.Fatalf("first: %s", a)
	}
	for _, d := range []time.Duration{time.Second, sandbox.MaxSignatureValidity, sandbox.MaxSignatureValidity + 4*time.Second} {
		clk.Advance(d - (clk.Now().Sub(time.Unix(1_750_000_000, 0))))
		if a := serve(); a.status != 401 || !strings.Contains(a.detail(), "nonce") {
			t.Fatalf("replay %s later: %s", d, a)
		}
	}
	clk.Advance(2 * time.Second)
	if a := serve(); a.status != 401 || !strings.Contains(a.detail(), "signature expired") {
		t.Fatalf("replay after expiry: %s", a)
	}
}
