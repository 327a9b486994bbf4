// Command flood opens slow-body connections to a sandbox and reports the
// sandbox process's RSS while they are held, and how many are still open:
// the measurement behind RELIABILITY.md's row on an exposed sandbox.
//
//	upvest sandbox --addr 0.0.0.0:8080 &   # prints UPVEST_CLIENT_ID
//	go run ./sandbox/testdata/flood -addr 127.0.0.1:8080 -pid $! -mode anon -cl 1048576
//	go run ./sandbox/testdata/flood -addr 127.0.0.1:8080 -pid $! -mode token -client-id ID -cl 65536
//
// anon sends POST /account_groups without credentials; token sends the
// token request with the client id and signature-looking headers (its
// credentials would be in its body). Each connection sends all of its
// body but the last byte, then waits for the sandbox to close it.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func rss(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:"))
		}
	}
	return "?"
}

func main() {
	addr := flag.String("addr", "", "the sandbox's HOST:PORT")
	pid := flag.Int("pid", 0, "the sandbox's process id, for its RSS")
	clientID := flag.String("client-id", "", "the sandbox's client id (mode token)")
	mode := flag.String("mode", "anon", "anon: no credentials; token: the token request, with headers")
	cl := flag.Int("cl", 1<<20, "the content-length declared")
	n := flag.Int("n", 150, "how many connections")
	flag.Parse()
	fmt.Printf("RSS before: %s\n", rss(*pid))
	var open atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < *n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", *addr, 5*time.Second)
			if err != nil {
				return
			}
			defer c.Close()
			open.Add(1)
			defer open.Add(-1)
			head := "POST /account_groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			if *mode == "token" {
				head = "POST /auth/token HTTP/1.1\r\nHost: x\r\nUpvest-Client-Id: " + *clientID + "\r\nUpvest-Signature-Version: 15\r\n" +
					"Signature-Input: sig1=(\"@method\");keyid=\"k\";created=1;expires=2;nonce=\"n\"\r\nSignature: sig1=:AAAA:\r\nContent-Type: application/x-www-form-urlencoded\r\n"
			}
			io.WriteString(c, head+fmt.Sprintf("Content-Length: %d\r\n\r\n", *cl))
			chunk := make([]byte, 16<<10)
			for sent := 0; sent < *cl-1; sent += len(chunk) {
				if len(chunk) > *cl-1-sent {
					chunk = chunk[:*cl-1-sent]
				}
				c.SetWriteDeadline(time.Now().Add(2 * time.Second))
				if _, err := c.Write(chunk); err != nil {
					break
				}
			}
			c.SetReadDeadline(time.Now().Add(60 * time.Second))
			io.Copy(io.Discard, c) // until the server closes it
		}()
	}
	for _, at := range []time.Duration{2 * time.Second, 5 * time.Second, 15 * time.Second, 40 * time.Second} {
		time.Sleep(at - time.Since(start))
		fmt.Printf("t=%s: RSS %s, %d of %d connections still open\n", at, rss(*pid), open.Load(), *n)
	}
	wg.Wait()
}
