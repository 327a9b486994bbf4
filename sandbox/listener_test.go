package sandbox

import (
	"net"
	"testing"
	"testing/synctest"
)

// chanListener hands out the connections sent on conns.
type chanListener struct {
	conns  chan net.Conn
	closed chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { close(l.closed); return nil }
func (l *chanListener) Addr() net.Addr { return &net.TCPAddr{} }

// limitListener accepts at most n connections at once: the next waits,
// unaccepted, until one closes; closing a connection twice frees one slot;
// Close ends a waiting Accept.
func TestLimitListenerHoldsAtMostN(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inner := &chanListener{conns: make(chan net.Conn, 8), closed: make(chan struct{})}
		l := newLimitListener(inner, 2)
		accepted := make(chan net.Conn, 8)
		go func() {
			defer close(accepted)
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				accepted <- c
			}
		}()
		for range 4 {
			server, client := net.Pipe()
			defer client.Close()
			inner.conns <- server
		}
		synctest.Wait()
		if n, waiting := len(accepted), len(inner.conns); n != 2 || waiting != 2 {
			t.Fatalf("%d accepted, %d waiting; want 2 and 2", n, waiting)
		}
		c := <-accepted
		c.Close()
		c.Close()
		synctest.Wait()
		if n, waiting := len(accepted), len(inner.conns); n != 2 || waiting != 1 {
			t.Fatalf("after a close (twice): %d accepted, %d waiting; want 2 and 1", n, waiting)
		}
		if open, peak := l.open.Load(), l.peak.Load(); open != 2 || peak != 2 {
			t.Fatalf("open %d, peak %d; want 2 and 2", open, peak)
		}
		l.Close()
		synctest.Wait()
		for c := range accepted {
			c.Close()
		}
	})
}
