package sandbox_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/sandbox"
)

// The list's query parameters reach the sandbox: order=DESC lists newest
// first, and a sort or order the document does not allow is a 400, on both
// lists. (The enumerations are struct types; the generated server binds
// them only through their Bind method.)
func TestListQueryParameters(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Config{ApprovalDelay: -1, ClosingDelay: -1})
	hc := newHand(t, sb, true)
	hc.mustToken("accounts:read accounts:admin")
	user := sb.NewUser()
	var created []uuid.UUID
	for range 3 {
		a := hc.create(user, uuid.NewString())
		var g struct {
			ID uuid.UUID `json:"id"`
		}
		if a.status != http.StatusOK || json.Unmarshal(a.body, &g) != nil {
			t.Fatalf("create: %s", a)
		}
		created = append(created, g.ID)
	}
	for _, list := range []string{"/account_groups", "/users/" + user.String() + "/account_groups"} {
		tests := []struct {
			query  string
			status int
			first  uuid.UUID // the first group listed, on a 200
			order  string    // meta.order, on a 200
		}{
			{"", 200, created[0], "ASC"},
			{"?sort=created_at&order=ASC", 200, created[0], "ASC"},
			{"?sort=created_at&order=DESC", 200, created[2], "DESC"},
			{"?order=DESC", 200, created[2], "DESC"},
			{"?order=SIDEWAYS", 400, uuid.Nil, ""},
			{"?sort=bogus&order=ASC", 400, uuid.Nil, ""},
			// A repeated parameter is not one value: refused, not the first taken.
			{"?order=DESC&order=ASC", 400, uuid.Nil, ""},
			{"?sort=created_at&sort=bogus", 400, uuid.Nil, ""},
		}
		for _, tt := range tests {
			a := hc.do(http.MethodGet, list+tt.query, nil, nil)
			if a.status != tt.status {
				t.Errorf("GET %s%s: %s, want %d", list, tt.query, a, tt.status)
				continue
			}
			if tt.status != 200 {
				continue
			}
			var page struct {
				Data []struct {
					ID uuid.UUID `json:"id"`
				} `json:"data"`
				Meta struct {
					Order string `json:"order"`
				} `json:"meta"`
			}
			if err := json.Unmarshal(a.body, &page); err != nil || len(page.Data) != 3 {
				t.Fatalf("GET %s%s: %s", list, tt.query, a)
			}
			if page.Data[0].ID != tt.first || page.Meta.Order != tt.order {
				t.Errorf("GET %s%s: first %s, order %q; want %s, %q", list, tt.query, page.Data[0].ID, page.Meta.Order, tt.first, tt.order)
			}
		}
	}
}
