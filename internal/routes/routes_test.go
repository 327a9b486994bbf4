package routes

import (
	"maps"
	"net/http"
	"testing"
)

// Params gives the path parameters of the route Lookup found, by the
// names of the document's path template, and nothing for a path that does
// not fit the route.
func TestParams(t *testing.T) {
	group := Lookup(http.MethodGet, "/account_groups/g1")
	user := Lookup(http.MethodGet, "/users/u1/account_groups")
	list := Lookup(http.MethodGet, "/account_groups")
	if group == nil || user == nil || list == nil {
		t.Fatal("the document's operations are not in the table")
	}
	tests := []struct {
		name  string
		route *Route
		path  string
		want  map[string]string // nil: the path does not fit
	}{
		{"one parameter", group, "/account_groups/9d95820d-4333-46b6-98de-04ab7512e76f",
			map[string]string{"account_group_id": "9d95820d-4333-46b6-98de-04ab7512e76f"}},
		{"parameter before a literal", user, "/users/u-1/account_groups", map[string]string{"user_id": "u-1"}},
		{"trailing slash, as Lookup", group, "/account_groups/g1/", map[string]string{"account_group_id": "g1"}},
		{"no leading slash, as Lookup", group, "account_groups/g1", map[string]string{"account_group_id": "g1"}},
		{"escapes kept", group, "/account_groups/a%2Fb", map[string]string{"account_group_id": "a%2Fb"}},
		{"no parameters", list, "/account_groups", map[string]string{}},
		{"empty parameter", group, "/account_groups//", nil},
		{"empty segment before it", group, "//account_groups//g1", nil},
		{"too short", group, "/account_groups", nil},
		{"too long", group, "/account_groups/g1/users", nil},
		{"other literal", user, "/users/u1/accounts", nil},
		{"empty path", list, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.route.Params(tt.path)
			if (got == nil) != (tt.want == nil) || !maps.Equal(got, tt.want) {
				t.Fatalf("Params(%q) = %v, want %v", tt.path, got, tt.want)
			}
			// Params fits exactly the paths Lookup matches to the route.
			if fits := Lookup(tt.route.Op.Method, tt.path) == tt.route; fits != (got != nil) {
				t.Errorf("Lookup(%s, %q) matches the route: %v; Params: %v", tt.route.Op.Method, tt.path, fits, got)
			}
		})
	}
}

var sink map[string]string

// Params allocates the map it returns and nothing else; Lookup nothing.
func TestParamsAllocs(t *testing.T) {
	r := Lookup(http.MethodGet, "/users/u1/account_groups")
	value := "u1"
	mapAllocs := testing.AllocsPerRun(100, func() {
		sink = make(map[string]string, 1)
		sink["user_id"] = value
	})
	if n := testing.AllocsPerRun(100, func() { sink = r.Params("/users/u1/account_groups") }); n > mapAllocs {
		t.Errorf("%v allocations per Params, want at most %v (the map's)", n, mapAllocs)
	}
	if n := testing.AllocsPerRun(100, func() { sink = r.Params("/users") }); n != 0 {
		t.Errorf("%v allocations for a path that does not fit, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Lookup(http.MethodGet, "/users/u1/account_groups") }); n != 0 {
		t.Errorf("%v allocations per Lookup, want 0", n)
	}
}
