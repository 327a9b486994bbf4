package sandbox_test

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/internal/fakeclock"
	"github.com/upvest-go/upvest/sandbox"
)

// newClock is a settable clock for Config.Now and the hand-built
// signatures.
func newClock() *fakeclock.Clock { return fakeclock.At(time.Unix(1_750_000_000, 0)) }

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// The soak: thousands of calls (bounded in count and in time, in process,
// no network) signed with 64 different keys, half of them asking for a
// one-year signature validity, a token fetched every 10 calls, a create
// (with a fresh idempotency key) every 100, the clock advancing 30 s a call
// (33 hours in all). The nonce, token and idempotency caches stay within
// what their lifetimes allow, and the heap stays flat.
func TestSoakCachesStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("long test: make test-long runs it")
	}
	// Not parallel: the heap it measures is the whole test binary's.
	const (
		iterations = 4000
		step       = 30 * time.Second
		budget     = 40 * time.Second
	)
	clk := newClock()
	sb := newSandbox(t, sandbox.Config{Now: clk.Now, TokenTTL: 10 * time.Minute})
	var keys []*hand
	for range 64 {
		hc := newHand(t, sb, true)
		hc.now = clk.Now
		keys = append(keys, hc)
	}
	user := sb.NewUser()
	tok := keys[0].fetchToken("accounts:admin")
	if tok.status != 200 {
		t.Fatalf("token: %s", tok)
	}
	token := keys[0].token

	start := time.Now()
	var warm uint64
	maxN, maxT, maxI := 0, 0, 0
	i := 0
	for ; i < iterations && time.Since(start) < budget; i++ {
		clk.Advance(step)
		hc := keys[i%len(keys)]
		hc.validity = sandbox.MaxSignatureValidity
		if i%10 == 0 {
			if a := hc.fetchToken("accounts:admin"); a.status != 200 {
				t.Fatalf("call %d: token: %s", i, a)
			}
			token = hc.token
		}
		hc.token = token
		if a := hc.do("GET", "/account_groups?limit=1", nil, nil); a.status != 200 {
			t.Fatalf("call %d: %s", i, a)
		}
		hc.validity = 365 * 24 * time.Hour
		if a := hc.do("GET", "/account_groups?limit=1", nil, nil); a.status != 401 {
			t.Fatalf("call %d, one-year validity: %s", i, a)
		}
		if i%100 == 0 {
			hc.validity = 0
			if a := hc.create(user, uuid.NewString()); a.status != 200 {
				t.Fatalf("call %d: create: %s", i, a)
			}
		}
		n, tk, id := sandbox.CacheSizes(sb)
		maxN, maxT, maxI = max(maxN, n), max(maxT, tk), max(maxI, id)
		if i == iterations/3 {
			warm = heapAlloc()
		}
	}
	if i < iterations/3+500 {
		t.Fatalf("only %d calls in %s", i, budget)
	}
	end := heapAlloc()
	t.Logf("%d calls in %s (%s of sandbox time); largest caches: %d nonces, %d tokens, %d idempotency entries; heap %d KiB after a third, %d KiB at the end",
		i, time.Since(start).Round(time.Millisecond), time.Duration(i)*step, maxN, maxT, maxI, warm>>10, end>>10)
	// A nonce lives until its signature can no longer be used (at most
	// MaxSignatureValidity plus the skew) and is swept within a minute;
	// a token until TokenTTL plus 5 minutes; an idempotency entry 24 h.
	if maxN > 8 {
		t.Errorf("up to %d nonces remembered, want at most 8 (a call every %s)", maxN, step)
	}
	if maxT > 5 {
		t.Errorf("up to %d tokens remembered, want at most 5 (one issued every %s)", maxT, 10*step)
	}
	if maxI > 31 {
		t.Errorf("up to %d idempotency entries remembered, want at most 31 (one every %s)", maxI, 100*step)
	}
	if n := sandbox.PendingTimers(sb); n > 4 {
		t.Errorf("%d lifecycle timers kept after their groups were approved", n)
	}
	if end > warm+256<<10 {
		t.Errorf("heap grew from %d KiB to %d KiB", warm>>10, end>>10)
	}
}

// Idempotent creates are replayed for 24 hours, then forgotten: after that,
// the key creates anew.
func TestIdempotencyRetention(t *testing.T) {
	t.Parallel()
	clk := newClock()
	sb := newSandbox(t, sandbox.Config{Now: clk.Now, TokenTTL: 72 * time.Hour})
	hc := newHand(t, sb, true)
	hc.now = clk.Now
	hc.mustToken("accounts:admin")
	user, key := sb.NewUser(), uuid.NewString()
	first := hc.create(user, key)
	if first.status != 200 {
		t.Fatalf("create: %s", first)
	}
	clk.Advance(sandbox.IdempotencyRetention - time.Minute)
	if a := hc.create(user, key); a.status != 200 || string(a.body) != string(first.body) {
		t.Fatalf("replay after %s: %s, want the first answer %s", sandbox.IdempotencyRetention-time.Minute, a, first)
	}
	if n := len(sb.AccountGroups()); n != 1 {
		t.Fatalf("%d groups after the replay", n)
	}
	clk.Advance(2 * time.Minute)
	// Another create sweeps the expired entry.
	if a := hc.create(user, uuid.NewString()); a.status != 200 {
		t.Fatalf("create: %s", a)
	}
	if _, _, idem := sandbox.CacheSizes(sb); idem != 1 {
		t.Fatalf("%d idempotency entries after the retention, want 1", idem)
	}
	if a := hc.create(user, key); a.status != 200 || string(a.body) == string(first.body) {
		t.Fatalf("the key after the retention: %s", a)
	}
	if n := len(sb.AccountGroups()); n != 3 {
		t.Fatalf("%d groups, want 3", n)
	}
}

// Expired tokens are forgotten (5 minutes after their expiry); a call with
// one still says it expired until then.
func TestExpiredTokensForgotten(t *testing.T) {
	t.Parallel()
	clk := newClock()
	sb := newSandbox(t, sandbox.Config{Now: clk.Now, TokenTTL: time.Minute})
	hc := newHand(t, sb, true)
	hc.now = clk.Now
	hc.mustToken("accounts:read")
	old := hc.token
	clk.Advance(2 * time.Minute)
	if a := hc.do("GET", "/account_groups", nil, nil); a.status != 401 || !strings.Contains(a.detail(), "expired at") {
		t.Fatalf("expired token: %s", a)
	}
	for range 100 {
		clk.Advance(10 * time.Second)
		hc.mustToken("accounts:read")
	}
	// One token every 10 s, each remembered for TTL + 5 minutes.
	if _, tokens, _ := sandbox.CacheSizes(sb); tokens > 40 {
		t.Fatalf("%d tokens remembered, want those of the last 6 minutes (at most 40)", tokens)
	}
	hc.token = old
	a := hc.do("GET", "/account_groups", nil, http.Header{})
	if a.status != 401 {
		t.Fatalf("forgotten token: %s", a)
	}
}
