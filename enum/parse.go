package enum

import (
	"errors"
	"fmt"
)

// ErrUnknown is matched (errors.Is) by Parse's error for text that is not
// a known value of the type asked for.
var ErrUnknown = errors.New("enum: unknown value")

// Parse returns text as a known value of T, or an error matching ErrUnknown
// that names T and the text: the strict way to read a flag, a column or a
// request of your own (UnmarshalText, which decoding uses, keeps unknown
// text instead). Text is matched exactly, as the API spells it.
//
//	status, err := enum.Parse[enum.AccountGroupStatus]("ACTIVE")
func Parse[T interface{ Valid() bool }, P interface {
	*T
	UnmarshalText([]byte) error
}](text string) (T, error) {
	var v T
	if err := P(&v).UnmarshalText([]byte(text)); err != nil {
		return v, err
	}
	if !v.Valid() {
		var zero T
		return zero, fmt.Errorf("%w: %q is not a known %T", ErrUnknown, text, zero)
	}
	return v, nil
}
