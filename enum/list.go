package enum

import "slices"

// SortField is the field a list is sorted by.
type SortField struct {
	_ [0]*SortField // its own underlying type: no conversion from another enumeration
	name
}

// SortByCreatedAt sorts by creation time, the only field the API sorts by.
var SortByCreatedAt SortField = SortField{name: named("created_at")}

// SortFields returns the known sort fields.
func SortFields() []SortField { return []SortField{SortByCreatedAt} }

// Valid reports whether f is a known field (SortByCreatedAt).
func (f SortField) Valid() bool { return slices.Contains(SortFields(), f) }

// Equal reports whether f and u are the same value (==); go-cmp uses it,
// as it cannot look into the unexported field.
func (f SortField) Equal(u SortField) bool { return f == u }

// SortOrder is the direction of a sorted list.
type SortOrder struct {
	_ [0]*SortOrder // its own underlying type: no conversion from another enumeration
	name
}

// Sort orders.
var (
	// Ascending: oldest first (ASC).
	Ascending SortOrder = SortOrder{name: named("ASC")}
	// Descending: newest first (DESC).
	Descending SortOrder = SortOrder{name: named("DESC")}
)

// SortOrders returns the known sort orders.
func SortOrders() []SortOrder { return []SortOrder{Ascending, Descending} }

// Valid reports whether o is Ascending or Descending.
func (o SortOrder) Valid() bool { return slices.Contains(SortOrders(), o) }

// Equal reports whether o and u are the same value (==); go-cmp uses it,
// as it cannot look into the unexported field.
func (o SortOrder) Equal(u SortOrder) bool { return o == u }
