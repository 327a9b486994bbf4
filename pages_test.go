package upvest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// pagesServer answers lists from a script: for each request, the number of
// items and the total_count to report.
func pagesServer(t *testing.T, script []struct{ count, total int }) (*fake, *atomic.Int32) {
	var n atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(script) {
			t.Errorf("request %d beyond the script", i+1)
			writeProblem(w, 400, "bad_request")
			return
		}
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		data := make([]string, script[i].count)
		for j := range data {
			data[j] = strings.Replace(groupJSON, groupID, fmt.Sprintf("00000000-0000-4000-8000-%012d", offset+j), 1)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"meta":{"offset":%d,"limit":2,"count":%d,"total_count":%d},"data":[%s]}`, offset, len(data), script[i].total, strings.Join(data, ","))
	})
	return f, &n
}

func TestAllAccountGroupsWalk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		script   []struct{ count, total int }
		want     int
		requests int32
	}{
		{"several pages", []struct{ count, total int }{{2, 5}, {2, 5}, {1, 5}}, 5, 3},
		{"exact multiple", []struct{ count, total int }{{2, 4}, {2, 4}}, 4, 2},
		{"empty first page", []struct{ count, total int }{{0, 0}}, 0, 1},
		{"empty page before total", []struct{ count, total int }{{2, 6}, {0, 6}}, 2, 2},
		{"total grows mid-walk", []struct{ count, total int }{{2, 4}, {2, 6}, {2, 6}}, 6, 3},
		{"total shrinks mid-walk", []struct{ count, total int }{{2, 6}, {1, 3}}, 3, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, n := pagesServer(t, tt.script)
			var ids []string
			for g, err := range f.client(t).AllAccountGroups(context.Background(), &upvest.ListParams{Limit: 2}) {
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, g.ID.String())
			}
			if len(ids) != tt.want || n.Load() != tt.requests {
				t.Fatalf("%d groups in %d requests, want %d in %d", len(ids), n.Load(), tt.want, tt.requests)
			}
			for i, id := range ids {
				if !strings.HasSuffix(id, fmt.Sprintf("%012d", i)) {
					t.Fatalf("item %d is %s: offsets not followed", i, id)
				}
			}
			for i, r := range f.requests() {
				if q := r.query; !strings.Contains(q, "limit=2") || (i > 0 && !strings.Contains(q, "offset=")) {
					t.Fatalf("request %d query %q", i, q)
				}
			}
		})
	}
}

func TestAllAccountGroupsStopsOnErrorAndBreak(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { writeProblem(w, 403, "forbidden") })
	var errs int
	for _, err := range f.client(t).AllAccountGroups(context.Background(), nil) {
		if !errors.Is(err, upvest.ErrForbidden) {
			t.Fatalf("err %v", err)
		}
		errs++
	}
	if errs != 1 {
		t.Fatalf("%d errors yielded", errs)
	}
	f2, n := pagesServer(t, []struct{ count, total int }{{2, 10}, {2, 10}})
	for range f2.client(t).AllAccountGroups(context.Background(), &upvest.ListParams{Limit: 2}) {
		break
	}
	if n.Load() != 1 {
		t.Fatalf("%d requests after break, want 1", n.Load())
	}
}

func TestWalkAgainstSandbox(t *testing.T) {
	t.Parallel()
	c, sb := newSandbox(t, sandbox.Config{})
	ctx := context.Background()
	user, other := sb.NewUser(), sb.NewUser()
	for i := 0; i < 7; i++ {
		if _, err := c.CreateAccountGroup(ctx, user, upvest.TypePersonal); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateAccountGroup(ctx, other, upvest.TypeLegalEntity); err != nil {
		t.Fatal(err)
	}
	count := func(seq func(func(upvest.AccountGroup, error) bool)) (n int) {
		for _, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}
	if n := count(c.AllUserAccountGroups(ctx, user, &upvest.ListParams{Limit: 3})); n != 7 {
		t.Fatalf("user walk: %d", n)
	}
	if n := count(c.AllAccountGroups(ctx, &upvest.ListParams{Limit: 3, Order: upvest.Descending})); n != 8 {
		t.Fatalf("tenant walk: %d", n)
	}
	page, err := c.ListAccountGroups(ctx, &upvest.ListParams{Offset: 6, Limit: 5})
	if err != nil || page.Meta.Count != 2 || page.Meta.TotalCount != 8 || page.Meta.Offset != 6 || page.Meta.Limit != 5 {
		t.Fatalf("%v %+v", err, page.Meta)
	}
	b, _ := json.Marshal(page)
	if !strings.Contains(string(b), `"meta"`) {
		t.Fatal(string(b))
	}
}
