package middleware

import (
	"fmt"
	"strconv"

	"github.com/upvest-go/upvest/internal/redact"
)

// redacted replaces a secret wherever this package prints or reports text.
const redacted = redact.Redacted

// redactedFormat writes s for any fmt verb, quoted for %q: used by the
// Format methods of types holding secrets, so no verb reaches their fields.
func redactedFormat(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = f.Write([]byte(s))
}
