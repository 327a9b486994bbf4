package sandbox

import (
	"log/slog"
	"time"
)

// Config sets up a Sandbox. Its zero value works: random credentials,
// groups activated right after creation and closed right after closure is
// asked, no faults.
type Config struct {
	// ClientID and ClientSecret are the tenant credentials the sandbox
	// accepts; empty means random ones (see Sandbox.ClientID).
	ClientID, ClientSecret string
	// TokenTTL is the lifetime of issued tokens; zero means 30 minutes.
	TokenTTL time.Duration
	// ApprovalDelay is how long a new group stays PENDING_APPROVAL before
	// it becomes ACTIVE; negative means until Sandbox.Activate.
	ApprovalDelay time.Duration
	// ClosingDelay is how long a group stays CLOSING before CLOSED;
	// negative means until Sandbox.FinishClosing.
	ClosingDelay time.Duration
	// Faults makes some calls fail on purpose.
	Faults Faults
	// SignatureSkew is the clock skew tolerated on created and expires;
	// zero means 5 s.
	SignatureSkew time.Duration
	// MaxSignatureAge refuses signatures created longer ago; zero means
	// 5 minutes.
	MaxSignatureAge time.Duration
	// WebhookRetry is the back-off between failed webhook deliveries;
	// nil means Upvest's 1, 2, 3, 5, 8 … 600 s. The last entry repeats.
	WebhookRetry []time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger logs each request's outcome at debug level and each
	// refusal's reason at info level; nil logs nothing.
	Logger *slog.Logger
}

// Faults make a share of calls fail, deterministically for a given Seed. Each
// share is a probability from 0 to 1, drawn per call.
type Faults struct {
	// Seed seeds the draws: the same seed and calls give the same faults.
	Seed uint64
	// RateLimited is the share of calls answered 429 before any effect.
	RateLimited float64
	// RetryAfter, when positive, is sent as Retry-After (seconds) with
	// those 429s.
	RetryAfter int
	// ServerErrors is the share answered with a server error before any
	// effect, its status drawn from ServerErrorStatuses.
	ServerErrors float64
	// ServerErrorStatuses are the statuses of those errors; nil means 500,
	// 503 and 504, the ones the API document lists.
	ServerErrorStatuses []int
	// LostAnswers is the share of successful creates whose answer is lost:
	// the group is created, then the connection is closed unanswered.
	LostAnswers float64
	// Latency delays every answer.
	Latency time.Duration
}
