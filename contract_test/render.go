package contracttest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// maxValue bounds a rendered value, in bytes.
const maxValue = 80

// render JSON-encodes a value, shortened.
func render(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	return shorten(string(b))
}

// quote renders a string as a Go literal, shortened.
func quote(s string) string { return shorten(strconv.Quote(s)) }

// shorten cuts s to maxValue bytes, at a rune boundary, marking the cut
// with "…".
func shorten(s string) string {
	if len(s) <= maxValue {
		return s
	}
	cut := maxValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
