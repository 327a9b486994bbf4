// Command fleetload measures a fleet's rate budget (issue 31; the numbers
// are in BENCHMARKS.md): replicas as processes, each a Client whose
// workers make list calls, against an in-process sandbox whose tenant is
// limited to -rate requests/s (burst -burst) and answers 429 without
// Retry-After above it; once with each replica on its own (the retry
// policy alone) and once sharing the budget through a redis-server it
// starts, side by side in one run:
//
//	go run ./internal/fleetload -replicas 4 -workers 8 -calls 150 -rate 40
//
// It needs redis-server on PATH.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/internal/fleet"
	"github.com/upvest-go/upvest/ratelimit/redisrate"
	"github.com/upvest-go/upvest/sandbox"
)

var (
	replicas = flag.Int("replicas", 4, "replicas, each a process")
	workers  = flag.Int("workers", 8, "goroutines per replica")
	calls    = flag.Int("calls", 150, "list calls per replica")
	rate     = flag.Int("rate", 40, "the tenant's limit, requests/s")
	burst    = flag.Int("burst", 10, "the tenant's burst")
	child    = flag.String("child", "", "internal: run one replica from this JSON file")
)

// replica is what the parent hands a child process.
type replica struct {
	// The client's configuration, field by field: upvest.Config never
	// marshals its secrets.
	BaseURL, ClientID, ClientSecret, KeyID string
	KeyPEM                                 []byte
	Redis                                  string // "" runs the replica on its own
	Workers                                int
	Calls                                  int
	Rate                                   int
	Replica                                int
}

func main() {
	flag.Parse()
	if *child != "" {
		runChild(*child)
		return
	}
	dir, err := os.MkdirTemp("", "fleetload")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	addr, stop := startRedis(dir)
	defer stop()
	ideal := time.Duration(float64(*replicas**calls-*burst) / float64(*rate) * float64(time.Second))
	fmt.Printf("%d replicas × %d workers × %d list calls, tenant %d/s (burst %d), ideal %.2fs\n",
		*replicas, *workers, *calls, *rate, *burst, ideal.Seconds())
	fmt.Printf("%-8s %5s %7s %9s %6s %7s %8s %11s %16s %15s\n", "budget", "ok", "failed", "requests", "429", "429 %", "wall", "wall/ideal", "redis trips/call", "redis cmds/call")
	for _, shared := range []bool{false, true} {
		before := redisCommands(addr)
		res, requests, throttled, wall := measure(dir, map[bool]string{true: addr}[shared])
		calls := float64(max(res.OK+res.Failed, 1))
		trips := float64(res.RedisRoundTrips) / calls
		// The commands Redis ran, those inside scripts included, less the
		// INFO that took the first count.
		cmds := float64(redisCommands(addr)-before-1) / calls
		fmt.Printf("%-8s %5d %7d %9d %6d %6.1f%% %7.2fs %11.2f %16.1f %15.1f\n", map[bool]string{false: "alone", true: "shared"}[shared],
			res.OK, res.Failed, requests, throttled, 100*float64(throttled)/float64(max(requests, 1)), wall.Seconds(), wall.Seconds()/ideal.Seconds(), trips, cmds)
	}
}

// measure runs the fleet once against a fresh tenant.
func measure(dir, redisAddr string) (fleet.Result, int64, int64, time.Duration) {
	sb, err := sandbox.New(sandbox.Config{Faults: sandbox.Faults{TenantRate: float64(*rate), TenantBurst: *burst}})
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	counter := &fleet.Counter{}
	hs := httptest.NewServer(counter.Wrap(sb))
	defer hs.Close()
	creds, err := sb.NewEd25519Credentials()
	if err != nil {
		log.Fatal(err)
	}
	cfg := upvest.Config{BaseURL: hs.URL, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, KeyID: creds.KeyID, PrivateKeyPEM: creds.PrivateKeyPEM}
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	var (
		mu  sync.Mutex
		sum fleet.Result
		wg  sync.WaitGroup
	)
	began := time.Now()
	for i := range *replicas {
		spec := filepath.Join(dir, "replica-"+strconv.Itoa(i)+".json")
		b, _ := json.Marshal(replica{BaseURL: cfg.BaseURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, KeyID: cfg.KeyID, KeyPEM: cfg.PrivateKeyPEM, Redis: redisAddr, Workers: *workers, Calls: *calls, Rate: *rate, Replica: *replicas})
		if err := os.WriteFile(spec, b, 0o600); err != nil {
			log.Fatal(err)
		}
		wg.Go(func() {
			cmd := exec.Command(self, "-child", spec)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			var r fleet.Result
			if err == nil {
				err = json.Unmarshal(out, &r)
			}
			if err != nil {
				log.Fatalf("replica %d: %v", i, err)
			}
			mu.Lock()
			sum = sum.Add(r)
			mu.Unlock()
		})
	}
	wg.Wait()
	wall := time.Since(began)
	requests, throttled := counter.Counts()
	return sum, requests, throttled, wall
}

// runChild is one replica: its Client, alone or sharing the budget, and
// its workers; it prints its fleet.Result as JSON.
func runChild(spec string) {
	b, err := os.ReadFile(spec)
	if err != nil {
		log.Fatal(err)
	}
	var r replica
	if err := json.Unmarshal(b, &r); err != nil {
		log.Fatal(err)
	}
	var opts []upvest.Option
	var trips atomic.Int64
	if r.Redis != "" {
		rdb := redis.NewClient(&redis.Options{Addr: r.Redis, MaxRetries: -1, DialerRetries: 1})
		defer rdb.Close()
		rdb.AddHook(roundTrips{&trips})
		l, err := redisrate.New(redisrate.Config{Client: rdb, Key: r.ClientID, Rate: r.Rate, Burst: 1, Replicas: r.Replica,
			Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
		if err != nil {
			log.Fatal(err)
		}
		opts = append(opts, upvest.WithRateLimiter(l))
	}
	c, err := upvest.New(upvest.Config{BaseURL: r.BaseURL, ClientID: r.ClientID, ClientSecret: r.ClientSecret, KeyID: r.KeyID, PrivateKeyPEM: r.KeyPEM}, opts...)
	if err != nil {
		log.Fatal(err)
	}
	res := fleet.Replica(context.Background(), c, r.Workers, r.Calls)
	res.RedisRoundTrips = int(trips.Load())
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

// roundTrips counts the commands a Redis client sends, each a round trip
// (the limiter sends no pipelines); the commands a script runs inside
// Redis are not among them.
type roundTrips struct{ n *atomic.Int64 }

func (h roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// redisCommands is how many commands the Redis at addr has processed
// (INFO stats' total_commands_processed), the INFO itself included.
func redisCommands(addr string) int64 {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	info, err := rdb.Info(context.Background(), "stats").Result()
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "total_commands_processed:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	log.Fatal("INFO stats has no total_commands_processed")
	return 0
}

// startRedis starts redis-server on a free loopback port, without
// persistence, and returns its address and its stop.
func startRedis(dir string) (string, func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		log.Fatalf("starting redis-server (apt-get install -y redis-server): %v", err)
	}
	addr := "127.0.0.1:" + port
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	for i := 0; rdb.Ping(context.Background()).Err() != nil; i++ {
		if i > 100 {
			log.Fatal("redis-server did not answer")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return addr, func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
}
