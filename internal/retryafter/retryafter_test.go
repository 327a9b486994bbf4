package retryafter

import (
	"net/http"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{"0", 0, false},
		{"-3", 0, false},
		{"+3", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"9223372037", maxSeconds * time.Second, true},
		{"99999999999999999999999999999", maxSeconds * time.Second, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, false},
		{now.Format(http.TimeFormat), 0, false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.in, now)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if got < 0 {
			t.Errorf("Parse(%q) is negative: %v", tt.in, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"7", "9223372037", "Sun, 06 Nov 1994 08:49:37 GMT", "-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, ok := Parse(s, time.Unix(1e9, 0)); d < 0 || (ok && d == 0) {
			t.Fatalf("Parse(%q) = %v, %v", s, d, ok)
		}
	})
}
