package middleware

import (
	"net/http"
	"testing"
	"time"
)

// TestLearnOffset: a Date within 5 s of the local clock is never taken for
// an offset; one 10 minutes off is, once; a Date agreeing with the local
// clock again drops it. Signatures follow the offset in use.
func TestLearnOffset(t *testing.T) {
	t.Parallel()
	s, err := NewSigner(must(ParseKey(readKey(t, "ed25519-pkcs8.pem"), nil)), testKeyID)
	if err != nil {
		t.Fatal(err)
	}
	local := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return local }
	var changes [][2]time.Duration
	s.OnClockOffset = func(old, new time.Duration) { changes = append(changes, [2]time.Duration{old, new}) }
	date := func(d time.Duration) string { return local.Add(d).Format(http.TimeFormat) }
	steps := []struct {
		date    string
		learned bool
		offset  time.Duration
	}{
		{date(4 * time.Second), false, 0}, // a right clock
		{date(-5 * time.Second), false, 0},
		{"not a date", false, 0},
		{date(10 * time.Minute), true, 10 * time.Minute},
		{date(10*time.Minute + 2*time.Second), false, 10 * time.Minute}, // already learned: the 401 is another matter
		{date(0), true, 0},                                              // the clock was set right
	}
	for i, st := range steps {
		if got := s.learnOffset(st.date); got != st.learned || time.Duration(s.offset.Load()) != st.offset {
			t.Fatalf("step %d (%s): learned %v, offset %v; want %v, %v", i+1, st.date, got, time.Duration(s.offset.Load()), st.learned, st.offset)
		}
	}
	if len(changes) != 2 || changes[0] != [2]time.Duration{0, 10 * time.Minute} || changes[1] != [2]time.Duration{10 * time.Minute, 0} {
		t.Fatalf("OnClockOffset calls %v", changes)
	}
}
