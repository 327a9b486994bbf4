package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// failsafe bounds every wait of these tests; reaching it is a failure, never
// a measurement.
const failsafe = 15 * time.Second

// listener is a running `upvest webhooks listen`.
type listener struct {
	url      string // http://127.0.0.1:port/hooks
	out, err *syncBuffer
	cancel   context.CancelFunc
	done     chan int
}

// listen starts `upvest webhooks listen` with args and waits until it
// listens; it fails the test if the command exits first.
func (w *world) listen(t *testing.T, args ...string) *listener {
	t.Helper()
	l := w.start(t, args...)
	select {
	case code := <-l.done:
		t.Fatalf("exit %d before listening: %s", code, l.err.String())
	case <-matched(l.err, `listening for webhooks on (http://\S+)`):
	case <-time.After(failsafe):
		t.Fatalf("not listening after %s: %s", failsafe, l.err.String())
	}
	l.url = regexp.MustCompile(`listening for webhooks on (http://\S+)`).FindStringSubmatch(l.err.String())[1]
	t.Cleanup(func() { l.stop(t) })
	return l
}

// start runs `upvest webhooks listen --addr 127.0.0.1:0 --path /hooks` with
// args in a goroutine.
func (w *world) start(t *testing.T, args ...string) *listener {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{out: &syncBuffer{}, err: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	all := append([]string{"webhooks", "listen", "--addr", "127.0.0.1:0", "--path", "/hooks"}, args...)
	go func() { l.done <- run(ctx, all, func(k string) string { return w.env[k] }, l.out, l.err) }()
	return l
}

// exit waits for the command to end and returns its exit code.
func (l *listener) exit(t *testing.T) int {
	t.Helper()
	select {
	case code := <-l.done:
		l.done <- code
		return code
	case <-time.After(failsafe):
		l.cancel()
		t.Fatalf("still running after %s: %s", failsafe, l.err.String())
		return -1
	}
}

// matched closes its channel once re matches buf, or failsafe passes.
func matched(buf *syncBuffer, re string) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		buf.waitFor(regexp.MustCompile(re))
		close(ch)
	}()
	return ch
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// okpKey is an Ed25519 JWK, which cannot verify Upvest's deliveries.
const okpKey = `{"kid":"ed-1","kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`

// withOKP returns the JWKS doc with an Ed25519 key added in front.
func withOKP(t *testing.T, doc []byte) []byte {
	t.Helper()
	var set struct{ Keys []json.RawMessage }
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	set.Keys = append([]json.RawMessage{json.RawMessage(okpKey)}, set.Keys...)
	b, _ := json.Marshal(map[string]any{"keys": set.Keys})
	return b
}

func (l *listener) stop(t *testing.T) {
	l.cancel()
	if code := l.exit(t); code != 0 {
		t.Errorf("exit %d: %s", code, l.err.String())
	}
}
