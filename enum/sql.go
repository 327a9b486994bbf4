package enum

import (
	"database/sql/driver"
	"fmt"
)

// Scan implements sql.Scanner: a text column (string or []byte) sets the
// value as UnmarshalText does, known or not (check Valid); NULL sets the
// zero value. Any other column type is an error.
func (n *name) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		n.s = ""
		return nil
	case string:
		return n.UnmarshalText([]byte(v))
	case []byte:
		return n.UnmarshalText(v)
	}
	return fmt.Errorf("enum: cannot scan a %T into an enumeration (a text column is needed)", src)
}

// Value implements driver.Valuer: the value's text (the zero value is "").
func (n name) Value() (driver.Value, error) { return n.s, nil }
