package sandbox_test

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/internal/fakeclock"
	"github.com/upvest-go/upvest/middleware"
	"github.com/upvest-go/upvest/sandbox"
)

// A client can have two keys uploaded at once (the state during a key
// rotation): calls signed by either, each naming its own key id, are
// accepted; a key signing under the other's id, or an id never uploaded, is
// refused. Also while a signer rotates between the two under load.
func TestSandboxTwoKeysOfOneClient(t *testing.T) {
	t.Parallel()
	r := newRig(t, sandbox.Config{TokenTTL: 30 * time.Minute})
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const secondID = "second-key-of-the-client"
	r.sb.AddClientKey(secondID, edPub)
	steps := []struct {
		name   string
		key    crypto.Signer
		keyID  string
		status int
	}{
		{"first key", r.key, r.keyID, 200},
		{"second key", edPriv, secondID, 200},
		{"first key again", r.key, r.keyID, 200},
		{"second key under the first's id", edPriv, r.keyID, 401},
		{"first key under the second's id", r.key, secondID, 401},
		{"second key under an id never uploaded", edPriv, "never-uploaded", 401},
		{"second key after all", edPriv, secondID, 200},
	}
	for _, st := range steps {
		if err := r.signer.Rotate(st.key, st.keyID); err != nil {
			t.Fatalf("%s: Rotate: %v", st.name, err)
		}
		if status, detail := r.do(t, context.Background(), "GET", "/account_groups", ""); status != st.status {
			t.Fatalf("%s: status %d (%s), want %d", st.name, status, detail, st.status)
		}
	}

	// Under load: 8 callers, 5 calls each, while the signer flips between
	// the two keys every millisecond.
	base, _ := url.Parse(r.url)
	hc := &http.Client{Transport: &middleware.Transport{Signer: r.signer, ClientID: r.sb.ClientID(), Tokens: r.tokens, BaseURL: base}}
	stop := make(chan struct{})
	var flips sync.WaitGroup
	flips.Add(1)
	go func() {
		defer flips.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			var err error
			if i%2 == 0 {
				err = r.signer.Rotate(r.key, r.keyID)
			} else {
				err = r.signer.Rotate(edPriv, secondID)
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var callers sync.WaitGroup
	for range 8 {
		callers.Add(1)
		go func() {
			defer callers.Done()
			for range 5 {
				req, _ := http.NewRequest(http.MethodGet, r.url+"/account_groups", nil)
				req.Header.Set("Accept", "application/json")
				req.Header.Set("Upvest-Api-Version", "1")
				req.Header.Set("Upvest-Client-Id", r.sb.ClientID())
				resp, err := hc.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("status %d during rotation: %s", resp.StatusCode, b)
					return
				}
			}
		}()
	}
	callers.Wait()
	close(stop)
	flips.Wait()
}

func TestSandboxTokenExpiry(t *testing.T) {
	t.Parallel()
	clk := fakeclock.At(time.Now())
	r := newRig(t, sandbox.Config{TokenTTL: time.Minute, Now: clk.Now})
	r.tokens.RefreshBefore = time.Nanosecond
	r.tokens.Now = func() time.Time { return time.Now().Add(-time.Hour) } // the client never refreshes on its own
	if status, _ := r.do(t, context.Background(), "GET", "/account_groups", ""); status != 200 {
		t.Fatalf("status %d", status)
	}
	clk.Advance(2 * time.Minute)
	r.signer.Now = clk.Now
	r.tsign.Now = clk.Now
	// The sandbox refuses the expired token; the middleware drops it and
	// retries once with a new one.
	if status, _ := r.do(t, context.Background(), "GET", "/account_groups", ""); status != 200 {
		t.Fatalf("after expiry: status %d", status)
	}
}

func TestSandboxIdempotency(t *testing.T) {
	t.Parallel()
	r := newRig(t, sandbox.Config{})
	base, _ := url.Parse(r.url)
	hc := &http.Client{Transport: &middleware.Transport{Signer: r.signer, ClientID: r.sb.ClientID(), Tokens: r.tokens, BaseURL: base}}
	key := middleware.NewIdempotencyKey()
	post := func(body string) (int, string) {
		req, _ := http.NewRequest("POST", r.url+"/account_groups", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	body := `{"user_id":"` + r.user.String() + `","type":"PERSONAL"}`
	s1, b1 := post(body)
	s2, b2 := post(body)
	if s1 != 200 || s2 != 200 || b1 != b2 {
		t.Fatalf("replay: %d %s / %d %s", s1, b1, s2, b2)
	}
	s3, b3 := post(`{"user_id":"` + r.user.String() + `","type":"LEGAL_ENTITY"}`)
	if s3 != 422 || !strings.Contains(b3, "different request body") {
		t.Fatalf("reuse with another body: %d %s", s3, b3)
	}
	if n := len(r.sb.AccountGroups()); n != 1 {
		t.Fatalf("%d groups", n)
	}
	for name, tc := range map[string]struct {
		body, key string
		status    int
	}{
		"unknown user":      {`{"user_id":"00000000-0000-4000-8000-000000000000","type":"PERSONAL"}`, middleware.NewIdempotencyKey(), 404},
		"bad type":          {`{"user_id":"` + r.user.String() + `","type":"CORP"}`, middleware.NewIdempotencyKey(), 400},
		"unknown field":     {`{"user_id":"` + r.user.String() + `","type":"PERSONAL","x":1}`, middleware.NewIdempotencyKey(), 200},
		"bad key":           {body, "123", 400},
		"UUIDv7 key":        {body, "01a2252c-d05b-7440-b151-facb87bd4b0b", 400},
		"variant c key":     {body, "f1150421-2e34-42b6-cae9-52ef157065b9", 400},
		"v5 key, no dashes": {`{"user_id":"` + r.user.String() + `","type":"LEGAL_ENTITY"}`, "9f82993d4e9e58bba870baa7ab904a7f", 200},
	} {
		key = tc.key
		if s, b := post(tc.body); s != tc.status {
			t.Errorf("%s: %d %s", name, s, b)
		}
	}
}

func TestSandboxFaultsAreDeterministic(t *testing.T) {
	t.Parallel()
	statuses := func() []int {
		r := newRig(t, sandbox.Config{})
		r.sb.SetFaults(sandbox.Faults{Seed: 42, RateLimited: 0.3, RetryAfter: 2, ServerErrors: 0.3})
		var out []int
		for i := 0; i < 20; i++ {
			s, _ := r.do(t, context.Background(), "GET", "/account_groups", "")
			out = append(out, s)
		}
		return out
	}
	a, b := statuses(), statuses()
	faults := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different faults: %v vs %v", a, b)
		}
		if a[i] != 200 {
			faults++
		}
	}
	if faults == 0 || faults == len(a) {
		t.Fatalf("statuses %v", a)
	}
}

func TestSandboxMalformedParameters(t *testing.T) {
	t.Parallel()
	r := newRig(t, sandbox.Config{})
	for path, want := range map[string]int{
		"/account_groups/not-a-uuid":                                 404,
		"/users/not-a-uuid/account_groups":                           400,
		"/account_groups?limit=5000":                                 400,
		"/account_groups?order=SIDEWAYS":                             400,
		"/users/00000000-0000-4000-8000-000000000000/account_groups": 404,
	} {
		if status, detail := r.do(t, context.Background(), "GET", path, ""); status != want || detail == "" {
			t.Errorf("GET %s: %d %q, want %d with a detail", path, status, detail, want)
		}
	}
}

// A started sandbox gives the client configuration ready for upvest.New.
func TestClientConfig(t *testing.T) {
	t.Parallel()
	for _, kind := range []sandbox.KeyKind{sandbox.P521, sandbox.Ed25519} {
		sb, err := sandbox.Start(sandbox.Config{}, kind)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sb.Close)
		client, err := upvest.New(sb.ClientConfig())
		if err != nil {
			t.Fatal(err)
		}
		g, err := client.CreateAccountGroup(context.Background(), sb.NewUser(), upvest.TypePersonal)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := client.GetAccountGroup(context.Background(), g.ID); err != nil || got.ID != g.ID {
			t.Fatalf("get: %v %v", got, err)
		}
	}
}

// Start and Close write nothing to the temporary directory (nor anywhere).
func TestStartLeavesNoFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	sb, err := sandbox.Start(sandbox.Config{}, sandbox.P521)
	if err != nil {
		t.Fatal(err)
	}
	client, err := upvest.New(sb.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.ListAccountGroups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	sb.Close()
	sb.Close() // twice is fine
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the temporary directory: %s", e.Name())
	}
}

// Every operation of the document is served: New refuses to build a
// sandbox that would leave one unrouted, so building one is the check; an
// operation's path with another method is a 404 problem, never a 405 or
// net/http's text.
func TestRoutedOnce(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Config{})
	hc := newHand(t, sb, true)
	hc.mustToken("accounts:admin")
	for _, c := range []struct{ method, path string }{
		{"PUT", "/account_groups"},
		{"GET", "/auth/token"},
		{"GET", "/account_groups/x/y"},
		{"GET", "/nothing"},
	} {
		a := hc.do(c.method, c.path, nil, nil)
		if a.status != 404 || a.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(a.detail(), "no operation") {
			t.Errorf("%s %s: %s", c.method, c.path, a)
		}
	}
	// A path parameter is read from the escaped path, one segment each.
	if a := hc.do("GET", "/account_groups/"+url.PathEscape("a/b"), nil, nil); a.status != 404 || !strings.Contains(a.detail(), "not a UUID") {
		t.Errorf("escaped slash in the id: %s", a)
	}
}
