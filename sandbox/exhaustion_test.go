package sandbox_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// failsafe bounds every wait of these tests: reaching it is a failure (the
// sandbox held a connection it should have refused or closed), never a
// measurement.
const failsafe = 15 * time.Second

// signedLooking are the headers of a call that looks signed (its
// signature is checked only once its body is in).
func signedLooking(sb *sandbox.Sandbox) string {
	return "Upvest-Client-Id: " + sb.ClientID() + "\r\nUpvest-Signature-Version: 15\r\n" +
		`Signature-Input: sig1=("@method" "@path");keyid="k";created=1;expires=2;nonce="n"` + "\r\nSignature: sig1=:AAAA:\r\n"
}

// send opens a connection to sb and writes raw: a request's start, whose
// rest never comes.
func send(t *testing.T, sb *sandbox.Sandbox, raw string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(sb.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	return c
}

// outcome waits for sb to answer c and close it, or close it unanswered,
// and says which: the answer's status, or "closed". Still open after
// failsafe fails the test.
func outcome(t *testing.T, c net.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(failsafe))
	rd := bufio.NewReader(c)
	resp, err := http.ReadResponse(rd, nil)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		t.Fatalf("neither answered nor closed after %s", failsafe)
	case err != nil:
		return "closed"
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if _, err := rd.ReadByte(); errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("answered %s, then kept the connection open for %s", resp.Status, failsafe)
	}
	return resp.Status
}

// A sandbox on every interface cannot be held by anyone without
// credentials: requests without the client id, a signature or a known
// bearer token are refused before their body is read, a body longer than
// the bound is refused from its content-length, and a body that never
// arrives (the token request's, whose credentials are in it) gets 408 at
// the read timeout; each is then closed. Silent and idle connections are
// closed at the read and idle timeouts. A real client is served
// throughout.
func TestSlowBodiesRefusedOrClosed(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Config{ReadTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond}, sandbox.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	const (
		host = "Host: sandbox\r\n"
		mib  = "Content-Type: application/json\r\nContent-Length: 1048576\r\n\r\n"
		form = "Content-Type: application/x-www-form-urlencoded\r\n"
	)
	for _, tc := range []struct{ name, raw, want string }{
		{"no credentials", "POST /account_groups HTTP/1.1\r\n" + host + mib + `{"user_id":`, "401 Unauthorized"},
		{"unknown client id", "POST /account_groups HTTP/1.1\r\n" + host + "Upvest-Client-Id: nobody\r\n" + mib + `{"user_id":`, "401 Unauthorized"},
		{"signed-looking, no bearer token", "POST /account_groups HTTP/1.1\r\n" + host + signedLooking(sb) + mib + `{"user_id":`, "401 Unauthorized"},
		{"signed-looking, unknown bearer token", "POST /account_groups HTTP/1.1\r\n" + host + "Authorization: Bearer forged\r\n" + signedLooking(sb) + mib + `{"user_id":`, "401 Unauthorized"},
		{"token request over the bound", "POST /auth/token HTTP/1.1\r\n" + host + signedLooking(sb) + form + "Content-Length: 1048576\r\n\r\nclient_id=", "413 Request Entity Too Large"},
		{"token request, body never sent", "POST /auth/token HTTP/1.1\r\n" + host + signedLooking(sb) + form + "Content-Length: 1000\r\n\r\nclient_id=", "408 Request Timeout"},
		{"headers never ended", "GET /account_groups HTTP/1.1\r\n" + host + "Upvest-Client-Id: " + sb.ClientID() + "\r\n", "closed"},
		{"nothing sent", "", "closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := outcome(t, send(t, sb, tc.raw)); got != tc.want {
				t.Fatalf("%s, want %s", got, tc.want)
			}
		})
	}
	t.Run("idle kept-alive connection", func(t *testing.T) {
		t.Parallel()
		c := send(t, sb, "GET /nothing HTTP/1.1\r\n"+host+"\r\n")
		rd := bufio.NewReader(c)
		_ = c.SetReadDeadline(time.Now().Add(failsafe))
		resp, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		var ne net.Error
		if _, err := rd.ReadByte(); err == nil || errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the idle connection was not closed: %v", err)
		}
	})
	t.Run("a real client", func(t *testing.T) {
		t.Parallel()
		client, err := upvest.New(sb.ClientConfig())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.CreateAccountGroup(context.Background(), sb.NewUser(), upvest.TypePersonal); err != nil {
			t.Fatal(err)
		}
	})
}

// The read timeout cuts slow requests, not the latency fault: a latency
// longer than it still answers a create whose body is sent only when the
// sandbox reads it (Expect: 100-continue), as the fault waits once the body
// is in.
func TestLatencyOutlastsReadTimeout(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Config{ReadTimeout: 200 * time.Millisecond}, sandbox.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	cfg := sb.ClientConfig()
	cfg.HTTPClient = &http.Client{Transport: expectContinue{&http.Transport{ExpectContinueTimeout: failsafe}}}
	client, err := upvest.New(cfg, upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	user := sb.NewUser()
	if _, err := client.CreateAccountGroup(context.Background(), user, upvest.TypePersonal); err != nil { // the token, without latency
		t.Fatal(err)
	}
	sb.SetFaults(sandbox.Faults{Latency: 600 * time.Millisecond})
	if _, err := client.CreateAccountGroup(context.Background(), user, upvest.TypePersonal); err != nil {
		t.Fatalf("latency 600ms, read timeout 200ms: %v", err)
	}
}

// expectContinue sends every request with a body with Expect:
// 100-continue, so its body goes out only once the server reads it.
type expectContinue struct{ base http.RoundTripper }

func (e expectContinue) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.ContentLength != 0 {
		r = r.Clone(r.Context())
		r.Header.Set("Expect", "100-continue")
	}
	return e.base.RoundTrip(r)
}

// With MaxConnections held, a client's call waits, unaccepted, and is
// served once one of them closes (limitListener's own test shows the bound
// deterministically).
func TestConnectionsBounded(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Config{MaxConnections: 2, ReadTimeout: time.Minute}, sandbox.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	first, second := send(t, sb, ""), send(t, sb, "")
	deadline := time.Now().Add(failsafe)
	for open, _ := sandbox.Connections(sb); open < 2; open, _ = sandbox.Connections(sb) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections accepted after %s, want 2", open, failsafe)
		}
		time.Sleep(time.Millisecond) // polling a counter the server moves on its own
	}
	client, err := upvest.New(sb.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := client.ListAccountGroups(context.Background(), nil)
		done <- err
	}()
	first.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(failsafe):
		t.Fatalf("the call was not served after a connection closed")
	}
	second.Close()
	if _, peak := sandbox.Connections(sb); peak > 2 {
		t.Fatalf("%d connections held at once, want at most 2", peak)
	}
}

// The attack of the review, in process: 150 connections, each sending a
// token request's headers (client id and signature-looking headers) and 1
// KiB of a 64 KiB body, the most the sandbox takes, then nothing; and 150
// sending 1 KiB of a 1 MiB body without credentials. Every one is answered
// (408 at the read timeout, 401 at once) and closed, at most
// DefaultMaxConnections held at once; the log says how much heap they held
// (a measurement, not asserted: see RELIABILITY.md).
func TestSlowBodyFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("long test: make test-long runs it")
	}
	// Not parallel: the heap it logs is the whole test binary's.
	sb, err := sandbox.Start(sandbox.Config{ReadTimeout: time.Second}, sandbox.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	before := heapAlloc()
	const n = 150
	filler := strings.Repeat("x", 1<<10)
	var conns []net.Conn
	for i := range 2 * n {
		raw := "POST /auth/token HTTP/1.1\r\nHost: sandbox\r\n" + signedLooking(sb) +
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 65536\r\n\r\n" + filler
		if i%2 == 1 {
			raw = "POST /account_groups HTTP/1.1\r\nHost: sandbox\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n" + filler
		}
		conns = append(conns, send(t, sb, raw))
	}
	deadline := time.Now().Add(failsafe)
	for open, _ := sandbox.Connections(sb); open < sandbox.DefaultMaxConnections && time.Now().Before(deadline); open, _ = sandbox.Connections(sb) {
		time.Sleep(time.Millisecond) // polling a counter the server moves on its own
	}
	held := heapAlloc()
	outcomes := map[string]int{}
	for _, c := range conns {
		outcomes[outcome(t, c)]++
	}
	_, peak := sandbox.Connections(sb)
	t.Logf("%d slow bodies: outcomes %v; at most %d connections held at once; heap %d KiB before, %d KiB while held",
		2*n, outcomes, peak, before>>10, held>>10)
	if peak > sandbox.DefaultMaxConnections {
		t.Errorf("%d connections held at once, over %d", peak, sandbox.DefaultMaxConnections)
	}
	for o := range outcomes {
		if o != "408 Request Timeout" && o != "401 Unauthorized" {
			t.Errorf("outcome %q, want 408 (the token requests) or 401 (no credentials)", o)
		}
	}
}
