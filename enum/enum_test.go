package enum_test

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/upvest-go/upvest/enum"
	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/openapi"
)

// value is what every enumeration offers.
type value interface {
	fmt.Stringer
	Valid() bool
	IsZero() bool
}

// enumeration is one enumeration: its known values, as listed, and a fresh
// pointer to decode into.
type enumeration struct {
	schema string // the OpenAPI component schema it implements
	known  []value
	fresh  func() any
	get    func(any) value
}

func of[T value](schema string, known []T) enumeration {
	vs := make([]value, len(known))
	for i, v := range known {
		vs[i] = v
	}
	return enumeration{schema: schema, known: vs,
		fresh: func() any { return new(T) },
		get:   func(p any) value { return *p.(*T) }}
}

var enumerations = []enumeration{
	of("AccountGroupType", enum.AccountGroupTypes()),
	of("AccountGroupStatus", enum.AccountGroupStatuses()),
	of("UserRelationType", enum.UserRelationTypes()),
	of("SortField", enum.SortFields()),
	of("SortOrder", enum.SortOrders()),
	of("AccountGroupEventType", enum.AccountGroupEventTypes()),
}

// The values each type knows are exactly the document's enum list, so a
// value added to the YAML without its Go variable fails here.
func TestValuesAreTheDocuments(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Document)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range enumerations {
		ref := doc.Components.Schemas[e.schema]
		if ref == nil {
			t.Fatalf("no schema %s", e.schema)
		}
		var want, got []string
		for _, v := range ref.Value.Enum {
			want = append(want, v.(string))
		}
		for _, v := range e.known {
			got = append(got, v.String())
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: Go knows %v, the document %v", e.schema, got, want)
		}
		if ref.Value.Extensions["x-go-type"] != "enum."+e.schema {
			t.Errorf("%s: x-go-type is %v, want enum.%s", e.schema, ref.Value.Extensions["x-go-type"], e.schema)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, e := range enumerations {
		for _, v := range append(e.known, nil) {
			text := "NOT_YET_KNOWN" // a value a newer API version adds
			if v != nil {
				text = v.String()
			}
			t.Run(e.schema+"/"+text, func(t *testing.T) {
				p := e.fresh()
				if err := json.Unmarshal([]byte(`"`+text+`"`), p); err != nil {
					t.Fatal(err)
				}
				got := e.get(p)
				if got.String() != text || got.IsZero() || got.Valid() != (v != nil) {
					t.Fatalf("decoded %q: String %q, IsZero %v, Valid %v", text, got.String(), got.IsZero(), got.Valid())
				}
				if v != nil && got != v {
					t.Fatalf("decoded %q is not equal to the variable", text)
				}
				out, err := json.Marshal(got)
				if err != nil || string(out) != `"`+text+`"` {
					t.Fatalf("marshal: %s %v", out, err)
				}
			})
		}
	}
}

// The zero value is no value: not valid, empty text, left out by omitzero.
func TestZeroValue(t *testing.T) {
	var s struct {
		Status enum.AccountGroupStatus `json:"status,omitzero"`
		Type   enum.AccountGroupType   `json:"type"`
	}
	out, err := json.Marshal(s)
	if err != nil || string(out) != `{"type":""}` {
		t.Fatalf("%s %v", out, err)
	}
	if !s.Type.IsZero() || s.Type.Valid() || s.Type.String() != "" || s.Type == enum.TypePersonal {
		t.Fatalf("zero value %#v", s.Type)
	}
	if err := json.Unmarshal([]byte(`{"status":"","type":"PERSONAL"}`), &s); err != nil || !s.Status.IsZero() || s.Type != enum.TypePersonal {
		t.Fatalf("%+v %v", s, err)
	}
}

// fmt prints the text, in every verb a message uses.
func TestFormatting(t *testing.T) {
	got := fmt.Sprintf("%v %s %q %v", enum.StatusActive, enum.TypeLegalEntity, enum.Descending, []enum.AccountGroupStatus{enum.StatusClosing})
	if want := `ACTIVE LEGAL_ENTITY "DESC" [CLOSING]`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// Decoding a known value shares its text: no allocation per group decoded.
func TestDecodingKnownValuesDoesNotAllocate(t *testing.T) {
	var s enum.AccountGroupStatus
	text := []byte("PENDING_APPROVAL")
	if n := testing.AllocsPerRun(100, func() { _ = s.UnmarshalText(text) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
	if s != enum.StatusPendingApproval {
		t.Fatal(s)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		text    string
		want    enum.AccountGroupStatus
		unknown bool
	}{
		{"ACTIVE", enum.StatusActive, false},
		{"PENDING_APPROVAL", enum.StatusPendingApproval, false},
		{"active", enum.AccountGroupStatus{}, true}, // as the API spells it, exactly
		{"DORMANT", enum.AccountGroupStatus{}, true},
		{"", enum.AccountGroupStatus{}, true},
		{"PERSONAL", enum.AccountGroupStatus{}, true}, // another enumeration's value
	}
	for _, tt := range tests {
		got, err := enum.Parse[enum.AccountGroupStatus](tt.text)
		if got != tt.want || errors.Is(err, enum.ErrUnknown) != tt.unknown || (err == nil) == tt.unknown {
			t.Errorf("Parse(%q) = %v, %v; want %v, unknown %v", tt.text, got, err, tt.want, tt.unknown)
		}
	}
	_, err := enum.Parse[enum.SortOrder]("UP")
	if want := `enum: unknown value: "UP" is not a known enum.SortOrder`; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}

// Each enumeration is a database text column: Scan keeps the text as
// decoding does, NULL is the zero value, Value writes the text.
func TestSQL(t *testing.T) {
	var _ sql.Scanner = new(enum.AccountGroupStatus)
	var _ driver.Valuer = enum.AccountGroupStatus{}
	tests := []struct {
		src     any
		want    string
		wantErr bool
	}{
		{"CLOSED", "CLOSED", false},
		{[]byte("LOCKED"), "LOCKED", false},
		{"FROZEN", "FROZEN", false},
		{nil, "", false},
		{int64(3), "", true},
	}
	for _, tt := range tests {
		s := enum.StatusActive
		err := s.Scan(tt.src)
		if (err != nil) != tt.wantErr || (!tt.wantErr && s.String() != tt.want) {
			t.Errorf("Scan(%#v): %v, %v", tt.src, s, err)
		}
	}
	v, err := enum.TypeLegalEntity.Value()
	if err != nil || v != "LEGAL_ENTITY" {
		t.Fatalf("Value: %#v %v", v, err)
	}
	var s enum.AccountGroupStatus
	if err := s.Scan("ACTIVE"); err != nil || s != enum.StatusActive {
		t.Fatalf("a scanned known value is not the variable: %v %v", s, err)
	}
}

// Valid is called on every argument checked and every value parsed: it
// must not allocate.
func TestValidDoesNotAllocate(t *testing.T) {
	v := enum.StatusLocked
	if n := testing.AllocsPerRun(100, func() { _ = v.Valid() }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// go-cmp cannot look into unexported fields; each enumeration's Equal
// lets it compare the models that hold them (a user's test diffing groups).
func TestGoCmpComparesModels(t *testing.T) {
	a := gen.AccountGroup{Status: enum.StatusActive, Type: enum.TypePersonal, Users: []gen.AccountGroupUser{{Type: enum.RelationOwner}}}
	b := a
	b.Users = []gen.AccountGroupUser{{Type: enum.RelationOwner}}
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("equal groups differ:\n%s", d)
	}
	b.Status = enum.StatusLocked
	if d := cmp.Diff(a, b); !strings.Contains(d, "LOCKED") {
		t.Fatalf("the diff does not show the changed status:\n%s", d)
	}
	ev := gen.AccountGroupEvent{Type: enum.AccountGroupClosed, Object: a}
	meta := gen.ListMeta{Order: enum.Descending}
	if !cmp.Equal(ev, ev) || !cmp.Equal(meta, meta) || !cmp.Equal(enum.SortByCreatedAt, enum.SortByCreatedAt) {
		t.Fatal("cmp.Equal of a value with itself is false")
	}
}

// An enumeration is as small as its text: the field that gives each type
// its own underlying type takes no room.
func TestSize(t *testing.T) {
	if got, want := unsafe.Sizeof(enum.StatusActive), unsafe.Sizeof(""); got != want {
		t.Fatalf("%d bytes, want %d", got, want)
	}
}
