package middleware

import (
	"net/http"
	"time"

	"github.com/upvest-go/upvest/internal/httpsig"
)

// maxClockSkew is how far a server's Date may differ from the local clock
// before the difference is taken for an offset. Date has one-second
// resolution, and a clock kept by NTP stays far inside this.
const maxClockSkew = 5 * time.Second

// learnOffset reads the Date of an answer that refused a request: when it
// differs from the local clock by more than maxClockSkew, and from the
// offset in use by as much, that difference becomes the offset of every
// later signature; a Date within maxClockSkew of the local clock resets a
// learned offset to zero, so a right clock never keeps one. It reports
// whether the offset changed.
func (s *Signer) learnOffset(date string) bool {
	if s == nil || s.offset == nil || date == "" {
		return false
	}
	server, err := http.ParseTime(date)
	if err != nil {
		return false
	}
	skew := server.Sub(httpsig.Now(s.Now)).Truncate(time.Second)
	if skew.Abs() <= maxClockSkew {
		skew = 0
	}
	old := time.Duration(s.offset.Load())
	if (skew - old).Abs() <= maxClockSkew {
		return false
	}
	if !s.offset.CompareAndSwap(int64(old), int64(skew)) {
		return true // another request learned it meanwhile: resend
	}
	if s.OnClockOffset != nil {
		s.OnClockOffset(old, skew)
	}
	return true
}
