package upvest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/enum"
	"github.com/upvest-go/upvest/gen"
)

// TestGeneratedCreateKeepsOneKey: a create through Generated() without an
// idempotency key gets one key for all its attempts, and every attempt
// carries the transport headers and a fresh signature.
func TestGeneratedCreateKeepsOneKey(t *testing.T) {
	t.Parallel()
	f := newFake(t, lostThenGroup())
	c := f.client(t)
	resp, err := c.Generated().CreateAccountGroup(context.Background(), gen.AccountGroupCreateRequest{UserID: uuid.MustParse(userID), Type: upvest.TypePersonal})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d attempts, want 2", len(reqs))
	}
	k0, k1 := reqs[0].header.Get("Idempotency-Key"), reqs[1].header.Get("Idempotency-Key")
	if k0 == "" || k0 != k1 {
		t.Fatalf("keys %q and %q, want one key", k0, k1)
	}
	for _, r := range reqs {
		if r.header.Get("Upvest-Client-Id") != fakeClientID || r.header.Get("Upvest-Api-Version") != "1" || r.header.Get("Accept") != "application/json" ||
			r.header.Get("Authorization") == "" || r.header.Get("Signature") == "" || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("headers %v", r.header)
		}
	}
	if reqs[0].header.Get("Signature") == reqs[1].header.Get("Signature") {
		t.Fatal("the retry reused the signature")
	}
}

// The generated client writes the enumerations' text into the query and
// the body: sort=created_at&order=DESC, "type":"LEGAL_ENTITY".
func TestGeneratedClientWritesEnumText(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	})
	c := f.client(t)
	sort, order := enum.SortByCreatedAt, upvest.Descending
	resp, err := c.Generated().ListAccountGroups(context.Background(), &gen.ListAccountGroupsParams{Sort: &sort, Order: &order})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Generated().CreateAccountGroup(context.Background(), gen.AccountGroupCreateRequest{UserID: theUser, Type: upvest.TypeLegalEntity})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if reqs[0].query != "sort=created_at&order=DESC" || !strings.Contains(string(reqs[1].body), `"type":"LEGAL_ENTITY"`) {
		t.Fatalf("query %q, body %s", reqs[0].query, reqs[1].body)
	}
}
