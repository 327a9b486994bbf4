package contracttest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest"
	contracttest "github.com/upvest-go/upvest/contract_test"
	"github.com/upvest-go/upvest/sandbox"
)

// rewrite changes one answer: its status, header and body.
type rewrite func(r *http.Request, status int, h http.Header, body []byte) (int, []byte)

// altered is the sandbox behind a handler that rewrites the answers of the
// requests alter matches, so the "API" answers wrongly.
type altered struct {
	sb  *sandbox.Sandbox
	mu  sync.Mutex
	fix map[string]rewrite // operation key "METHOD /path-prefix" → rewrite
}

func (a *altered) set(method, prefix string, f rewrite) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fix == nil {
		a.fix = map[string]rewrite{}
	}
	a.fix[method+" "+prefix] = f
}

func (a *altered) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	var f rewrite
	for k, g := range a.fix {
		m, p, _ := strings.Cut(k, " ")
		if r.Method == m && strings.HasPrefix(r.URL.Path, p) {
			f = g
		}
	}
	a.mu.Unlock()
	if f == nil {
		a.sb.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	a.sb.ServeHTTP(rec, r)
	status, body := f(r, rec.Code, rec.Header(), rec.Body.Bytes())
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// editJSON rewrites a JSON object answer with edit.
func editJSON(edit func(m map[string]any)) rewrite {
	return func(_ *http.Request, status int, _ http.Header, body []byte) (int, []byte) {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return status, body
		}
		edit(m)
		out, _ := json.Marshal(m)
		return status, out
	}
}

// setup is an altered sandbox on 127.0.0.1 and a facade client; the
// validator sits either under the client (RoundTripper) or around the
// server (Handler).
type setup struct {
	alt    *altered
	client *upvest.Client
	rec    *contracttest.Recorder
	user   uuid.UUID
	secret string
}

func newSetup(t *testing.T, mode contracttest.Mode, adapter string) *setup {
	t.Helper()
	sb, err := sandbox.New(sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := &setup{alt: &altered{sb: sb}, rec: &contracttest.Recorder{}, user: sb.NewUser()}
	v, err := contracttest.New(contracttest.Options{Mode: mode, IssuedTokensOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler = s.alt
	var rt http.RoundTripper = http.DefaultTransport
	if adapter == "handler" {
		handler = v.Handler(s.alt, s.rec.Report)
	} else {
		rt = v.RoundTripper(nil, s.rec.Report)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	creds, err := sb.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	s.secret = creds.ClientSecret
	s.client, err = upvest.New(upvest.Config{BaseURL: srv.URL, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		KeyID: creds.KeyID, PrivateKeyPEM: creds.PrivateKeyPEM, HTTPClient: &http.Client{Transport: rt}},
		upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// group creates a group through the unaltered sandbox.
func (s *setup) group(t *testing.T) uuid.UUID {
	t.Helper()
	g, err := s.client.CreateAccountGroup(context.Background(), s.user, upvest.TypePersonal)
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

// answersWrongly lists the broken answers of a GET of one group and what
// each must be reported as, in each mode.
var answersWrongly = []struct {
	name    string
	change  rewrite
	unknown bool // get an unknown group (a 404) instead of a known one
	kind    contracttest.Kind
	pointer string
	value   string
	drift   bool // in tolerant mode
}{
	{"8-digit securities_account_number", editJSON(func(m map[string]any) { m["securities_account_number"] = "12345678" }), false,
		contracttest.KindPattern, "/securities_account_number", `"12345678"`, false},
	{"missing id", editJSON(func(m map[string]any) { delete(m, "id") }), false,
		contracttest.KindRequired, "/id", "", false},
	{"unknown status", editJSON(func(m map[string]any) { m["status"] = "FROZEN" }), false,
		contracttest.KindEnum, "/status", `"FROZEN"`, true},
	{"unknown property", editJSON(func(m map[string]any) { m["nickname"] = "Bob" }), false,
		contracttest.KindUnknownProperty, "/nickname", `"Bob"`, true},
	{"unknown property in a user", editJSON(func(m map[string]any) {
		m["users"].([]any)[0].(map[string]any)["since"] = "2020"
	}), false, contracttest.KindUnknownProperty, "/users/0/since", `"2020"`, true},
	{"created_at not a date-time", editJSON(func(m map[string]any) { m["created_at"] = "yesterday" }), false,
		contracttest.KindFormat, "/created_at", `"yesterday"`, false},
	{"id not a uuid", editJSON(func(m map[string]any) { m["id"] = "42" }), false,
		contracttest.KindFormat, "/id", `"42"`, false},
	{"number for a string", editJSON(func(m map[string]any) { m["securities_account_number"] = 123456789 }), false,
		contracttest.KindType, "/securities_account_number", `123456789`, false},
	{"undocumented status code", func(_ *http.Request, _ int, _ http.Header, body []byte) (int, []byte) { return 201, body }, false,
		contracttest.KindStatus, "", "201", false},
	{"JSON where problem+json is due", func(_ *http.Request, status int, h http.Header, body []byte) (int, []byte) {
		h.Set("Content-Type", "application/json")
		return status, body
	}, true, contracttest.KindContentType, "content-type", `"application/json"`, false},
	{"problem without status", editJSON(func(m map[string]any) { delete(m, "status") }), true,
		contracttest.KindRequired, "/status", "", false},
	{"HTML instead of JSON", func(_ *http.Request, status int, h http.Header, _ []byte) (int, []byte) {
		return status, []byte("<html>oops</html>")
	}, false, contracttest.KindDecode, "", "", false},
	{"request id not a uuid", func(_ *http.Request, status int, h http.Header, body []byte) (int, []byte) {
		h.Set("Upvest-Request-Id", "req-1")
		return status, body
	}, false, contracttest.KindFormat, "upvest-request-id", `"req-1"`, false},
}

// Each broken answer is caught, precisely, by both adapters, in both modes:
// in strict mode everything is a violation; in tolerant mode unknown
// properties and enum values are drift and everything else a violation.
func TestSandboxAnsweringWrongly(t *testing.T) {
	t.Parallel()
	for _, adapter := range []string{"roundtripper", "handler"} {
		for _, mode := range []contracttest.Mode{contracttest.Strict, contracttest.Tolerant} {
			s := newSetup(t, mode, adapter)
			id := s.group(t)
			if fs := s.rec.Findings(); len(fs) != 0 {
				t.Fatalf("%s/%s: findings before any alteration: %v", adapter, mode, fs)
			}
			for _, tt := range answersWrongly {
				t.Run(adapter+"/"+mode.String()+"/"+tt.name, func(t *testing.T) {
					s.rec.Reset()
					s.alt.set(http.MethodGet, "/account_groups/", tt.change)
					defer s.alt.set(http.MethodGet, "/account_groups/", nil)
					get := id
					if tt.unknown {
						get = uuid.MustParse("00000000-0000-4000-8000-000000000000")
					}
					_, _ = s.client.GetAccountGroup(context.Background(), get) // the facade's verdict is not the point
					var fs []contracttest.Finding
					for _, r := range s.rec.Results() {
						if r.Operation == "getAccountGroup" {
							fs = append(fs, r.Findings...)
						} else if len(r.Findings) > 0 {
							t.Errorf("findings in %s: %v", r.Operation, r.Findings)
						}
					}
					f := only(t, fs)
					want := contracttest.Violation
					if tt.drift && mode == contracttest.Tolerant {
						want = contracttest.Drift
					}
					if f.Kind != tt.kind || f.Pointer != tt.pointer || f.Value != tt.value || f.Severity != want ||
						!f.Response || f.Operation != "getAccountGroup" || f.Method != http.MethodGet {
						t.Fatalf("got %s\n(kind %s pointer %q value %s severity %s), want kind %s pointer %q value %s severity %s",
							f, f.Kind, f.Pointer, f.Value, f.Severity, tt.kind, tt.pointer, tt.value, want)
					}
					if !strings.HasPrefix(f.String(), want.String()+" getAccountGroup ") {
						t.Errorf("line %q", f)
					}
				})
			}
		}
	}
}

// A drifted list: each group's unknown status found at its own pointer.
func TestListDriftPointers(t *testing.T) {
	t.Parallel()
	s := newSetup(t, contracttest.Tolerant, "roundtripper")
	s.group(t)
	s.group(t)
	s.alt.set(http.MethodGet, "/account_groups", editJSON(func(m map[string]any) {
		for _, g := range m["data"].([]any) {
			g.(map[string]any)["status"] = "DORMANT"
		}
		m["meta"].(map[string]any)["cursor"] = "abc"
	}))
	_, _ = s.client.ListAccountGroups(context.Background(), nil)
	var got []string
	for _, f := range s.rec.Findings() {
		if f.Severity != contracttest.Drift {
			t.Errorf("not drift: %s", f)
		}
		got = append(got, f.Pointer)
	}
	want := "/data/0/status /data/1/status /meta/cursor"
	if strings.Join(got, " ") != want {
		t.Fatalf("pointers %v, want %s", got, want)
	}
}
