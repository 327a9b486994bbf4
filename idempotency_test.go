package upvest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// TestFailedCreateNamesItsKey: whatever way a create fails after it may
// have reached the server, its error carries the idempotency key every
// attempt sent, through IdempotencyKeyOf and as idempotency-key=<uuid> in
// the message.
func TestFailedCreateNamesItsKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		handle http.HandlerFunc
	}{
		{"answer lost", func(w http.ResponseWriter, r *http.Request) {
			hangUp(w)
		}},
		{"attempt timeout", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }},
		{"retries exhausted on 503", func(w http.ResponseWriter, r *http.Request) { writeProblem(w, 503, "service_unavailable") }},
		{"500 not retried further", func(w http.ResponseWriter, r *http.Request) { writeProblem(w, 500, "internal_server_error") }},
		{"malformed answer", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":`)
		}},
		{"refused (404)", func(w http.ResponseWriter, r *http.Request) { writeProblem(w, 404, "not_found") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handle)
			c := f.client(t, upvest.WithTimeout(200*time.Millisecond),
				upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}))
			_, err := c.CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal)
			if err == nil {
				t.Fatal("no error")
			}
			key, ok := upvest.IdempotencyKeyOf(err)
			if !ok {
				t.Fatalf("IdempotencyKeyOf(%v) found no key", err)
			}
			for _, r := range f.requests() {
				if got := r.header.Get("Idempotency-Key"); got != key {
					t.Fatalf("an attempt sent key %q, the error names %q", got, key)
				}
			}
			if !strings.Contains(err.Error(), "idempotency-key="+key) {
				t.Fatalf("message does not name the key: %v", err)
			}
		})
	}
	if _, ok := upvest.IdempotencyKeyOf(errors.New("other")); ok {
		t.Fatal("IdempotencyKeyOf found a key in an unrelated error")
	}
}

// TestRetryWithTheNamedKeyCreatesOnce: a create whose answer is lost on
// every attempt fails; the caller retries with the key its error names and
// gets the group created the first time, not a second one.
func TestRetryWithTheNamedKeyCreatesOnce(t *testing.T) {
	t.Parallel()
	c, sb := newSandbox(t, sandbox.Config{}, upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 1}))
	user := sb.NewUser()
	sb.SetFaults(sandbox.Faults{LostAnswers: 1})
	_, err := c.CreateAccountGroup(context.Background(), user, upvest.TypePersonal)
	key, ok := upvest.IdempotencyKeyOf(err)
	if err == nil || !ok {
		t.Fatalf("err = %v, key found %v", err, ok)
	}
	sb.SetFaults(sandbox.Faults{})
	g, err := c.CreateAccountGroup(context.Background(), user, upvest.TypePersonal, upvest.WithIdempotencyKey(key))
	if err != nil {
		t.Fatal(err)
	}
	if all := sb.AccountGroups(); len(all) != 1 || all[0].ID != g.ID {
		t.Fatalf("%d groups exist, want the one first created", len(all))
	}
}

// TestIdempotencyReference: the key is a UUID v5 of the client id and the
// caller's reference in the documented namespace, so a process that dies
// mid-create and starts again with the same reference cannot create twice.
func TestIdempotencyReference(t *testing.T) {
	t.Parallel()
	// Known answer: the namespace and the name's layout are public API.
	if got := upvest.IdempotencyKeyFor("ebabcf4d-61c3-4942-875c-e265a7c2d062", "order-42"); got != knownReferenceKey {
		t.Fatalf("IdempotencyKeyFor = %s, want %s", got, knownReferenceKey)
	}
	if want := uuid.NewSHA1(uuid.MustParse(upvest.IdempotencyNamespace), []byte("ebabcf4d-61c3-4942-875c-e265a7c2d062:order-42")).String(); knownReferenceKey != want {
		t.Fatalf("the documented derivation gives %s", want)
	}

	_, sb := newSandbox(t, sandbox.Config{})
	user := sb.NewUser()
	var groups []string
	for i := 0; i < 2; i++ { // two processes: the first "dies" after its create
		c, err := upvest.New(configFor(sb), fastRetries)
		if err != nil {
			t.Fatal(err)
		}
		g, err := c.CreateAccountGroup(context.Background(), user, upvest.TypePersonal, upvest.WithIdempotencyReference("order-42"))
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g.ID.String())
	}
	if groups[0] != groups[1] || len(sb.AccountGroups()) != 1 {
		t.Fatalf("groups %v, %d exist: want one", groups, len(sb.AccountGroups()))
	}
	c, _ := upvest.New(configFor(sb), fastRetries)
	other, err := c.CreateAccountGroup(context.Background(), user, upvest.TypePersonal, upvest.WithIdempotencyReference("order-43"))
	if err != nil || other.ID.String() == groups[0] {
		t.Fatalf("another reference: %v, %v", other, err)
	}
	for name, opts := range map[string][]upvest.CallOption{
		"empty reference":   {upvest.WithIdempotencyReference("")},
		"key and reference": {upvest.WithIdempotencyKey(uuid.NewString()), upvest.WithIdempotencyReference("order-44")},
		"reference and key": {upvest.WithIdempotencyReference("order-44"), upvest.WithIdempotencyKey(uuid.NewString())},
	} {
		if _, err := c.CreateAccountGroup(context.Background(), user, upvest.TypePersonal, opts...); !errors.Is(err, upvest.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", name, err)
		}
	}
}

// knownReferenceKey was computed outside this project, with Python:
// uuid.uuid5(UUID("dc59a2b1-c796-4f2a-9ec8-0853218cfe42"), "ebabcf4d-61c3-4942-875c-e265a7c2d062:order-42").
const knownReferenceKey = "9f82993d-4e9e-58bb-a870-baa7ab904a7f"

// TestIdempotencyKeyPattern: a caller's key must match Upvest's published
// pattern (version 0–5, variant 0, 8, 9, a or b); others are refused before
// anything is sent.
func TestIdempotencyKeyPattern(t *testing.T) {
	t.Parallel()
	var sent atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, groupJSON)
	})
	c := f.client(t)
	v7, _ := uuid.NewV7()
	tests := []struct {
		key string
		ok  bool
	}{
		{uuid.NewString(), true}, // v4
		{uuid.NewSHA1(uuid.NameSpaceDNS, []byte("x")).String(), true}, // v5
		{strings.ToUpper(uuid.NewString()), true},                     // upper case
		{strings.ReplaceAll(uuid.NewString(), "-", ""), true},         // the pattern's dashes are optional
		{"00000000-0000-0000-0000-000000000000", true},                // the pattern allows variant 0
		{v7.String(), false},                                          // v7
		{"f1150421-2e34-62b6-aae9-52ef157065b9", false},               // v6
		{"f1150421-2e34-42b6-cae9-52ef157065b9", false},               // variant c
		{"f1150421-2e34-42b6-7ae9-52ef157065b9", false},               // variant 7
		{"f1150421-2e34-42b6-aae9-52ef157065b", false},                // short
		{"{f1150421-2e34-42b6-aae9-52ef157065b9}", false},             // braces
		{"urn:uuid:f1150421-2e34-42b6-aae9-52ef157065b9", false},
	}
	for _, tt := range tests {
		before := sent.Load()
		_, err := c.CreateAccountGroup(context.Background(), theUser, upvest.TypePersonal, upvest.WithIdempotencyKey(tt.key))
		switch {
		case tt.ok && err != nil:
			t.Errorf("%s refused: %v", tt.key, err)
		case !tt.ok && !errors.Is(err, upvest.ErrInvalidArgument):
			t.Errorf("%s: err = %v, want ErrInvalidArgument", tt.key, err)
		case !tt.ok && sent.Load() != before:
			t.Errorf("%s was sent", tt.key)
		}
	}
}
