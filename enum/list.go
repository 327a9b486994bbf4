package enum

import "slices"

// SortField is the field a list is sorted by.
type SortField struct{ name }

// SortByCreatedAt sorts by creation time, the only field the API sorts by.
var SortByCreatedAt SortField = SortField{named("created_at")}

// SortFields returns the known sort fields.
func SortFields() []SortField { return []SortField{SortByCreatedAt} }

// Valid reports whether f is a known field (SortByCreatedAt).
func (f SortField) Valid() bool { return slices.Contains(SortFields(), f) }

// SortOrder is the direction of a sorted list.
type SortOrder struct{ name }

// Sort orders.
var (
	// Ascending: oldest first (ASC).
	Ascending SortOrder = SortOrder{named("ASC")}
	// Descending: newest first (DESC).
	Descending SortOrder = SortOrder{named("DESC")}
)

// SortOrders returns the known sort orders.
func SortOrders() []SortOrder { return []SortOrder{Ascending, Descending} }

// Valid reports whether o is Ascending or Descending.
func (o SortOrder) Valid() bool { return slices.Contains(SortOrders(), o) }
