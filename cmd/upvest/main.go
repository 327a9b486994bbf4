// Command upvest calls the Upvest Investment API's account groups, listens
// for its webhooks, runs a local sandbox of it, and demonstrates the client.
//
//	upvest account-groups get ID
//	upvest account-groups create --user-id UUID --type PERSONAL|LEGAL_ENTITY [--idempotency-key UUID | --idempotency-reference REF]
//	upvest account-groups list [--limit N] [--offset N] [--order ASC|DESC] [--all]
//	upvest account-groups close ID
//	upvest account-groups wait ID --status STATUS [--status STATUS…] [--timeout 5m]
//	upvest users account-groups USER_ID [--limit N] [--offset N] [--order ASC|DESC] [--all]
//	       each of these: [--rate-limit N [--rate-burst N] [--redis URL] [--replicas N]]
//	       (Redis, shared by every process of the client id: UPVEST_WEBHOOK_REDIS_URL)
//	upvest webhooks listen --addr HOST:PORT [--path /webhooks] [--jwks-file FILE [--key-id KID]]
//	       [--redis-prefix P]   (Redis: UPVEST_WEBHOOK_REDIS_URL)
//	       [--read-header-timeout 5s] [--read-timeout 15s] [--write-timeout 30s]
//	       [--idle-timeout 1m] [--max-header-bytes 65536] [--shutdown-timeout 5s]
//	upvest webhooks keys
//	upvest contract check [--strict] [--write --user-id UUID]
//	upvest sandbox [--addr 127.0.0.1:8080] [--key-file FILE] [--client-id ID]
//	       [--key-id ID] [--users N] [--subscribe URL]…
//	       [--rate-limited SHARE [--retry-after S]] [--server-errors SHARE]
//	       [--lost-answers SHARE] [--tenant-rate N [--tenant-burst N]]
//	       [--latency D] [--clock-offset D] [--seed N]
//	       [--approval-delay D] [--closing-delay D]
//	upvest demo
//	upvest help [COMMAND…] | upvest COMMAND --help
//	upvest --version
//
// Credentials come from the environment or flags: UPVEST_BASE_URL,
// UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET, UPVEST_KEY_ID,
// UPVEST_PRIVATE_KEY_FILE, UPVEST_PRIVATE_KEY_PASSPHRASE. The secrets also
// come from files (--client-secret-file, --private-key-passphrase-file); a
// secret given as a flag value, which every local user can read, gets a
// warning. The API commands take -v/--verbose: one line on stderr per HTTP
// attempt.
//
// Answers are printed as the API's JSON on stdout. Errors print one line on
// stderr naming the HTTP status, the problem type and the request id, and
// exit 1; usage errors (a flag, an argument or a credential missing or
// wrong) print one line naming it and exit 2.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

func main() {
	// go-redis logs dial failures to the process's stderr on its own, ahead
	// of the one line the command prints about them.
	redis.SetLogger(silentRedis{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// silentRedis is go-redis' logger in this command: it prints nothing.
type silentRedis struct{}

func (silentRedis) Printf(context.Context, string, ...any) {}

// env reads an environment variable.
type env func(string) string

// app is one invocation's context.
type app struct {
	ctx     context.Context
	env     env
	stdout  io.Writer
	stderr  io.Writer
	verbose bool     // -v/--verbose before the command
	group   string   // the command group being run ("account-groups")
	cmd     *command // the command being run
}

// run executes the command line and returns the exit code: 0 success, 1
// failure, 2 usage error.
func run(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	a := &app{ctx: ctx, env: getenv, stdout: stdout, stderr: stderr}
	for len(args) > 0 && (args[0] == "-v" || args[0] == "--verbose" || args[0] == "-verbose") {
		a.verbose, args = true, args[1:]
	}
	if len(args) == 0 {
		io.WriteString(stderr, mainUsage())
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) == 1 || args[1] == "help" || wantsHelp(args[1:2]) {
			io.WriteString(stdout, mainUsage())
			return 0
		}
		return a.dispatch(append(append([]string{}, args[1:]...), "--help"))
	case "version", "-version", "--version":
		io.WriteString(stdout, versionLine())
		return 0
	}
	return a.dispatch(args)
}

// dispatch runs the command args name.
func (a *app) dispatch(args []string) int {
	if len(args) >= 2 {
		if c := findCommand(args[0] + " " + args[1]); c != nil {
			a.cmd = c
			return c.run(a, args[2:])
		}
	}
	if c := findCommand(args[0]); c != nil {
		a.cmd = c
		return c.run(a, args[1:])
	}
	subs := subcommands(args[0])
	if len(subs) == 0 {
		return a.usageError(fmt.Sprintf("unknown command %q", args[0]))
	}
	a.group = args[0]
	var names []string
	for _, c := range subs {
		names = append(names, strings.TrimPrefix(c.path, args[0]+" "))
	}
	switch {
	case len(args) == 1:
		return a.usageError("needs a subcommand: " + joinList(names, "or"))
	case wantsHelp(args[1:2]):
		a.groupUsage(args[0])
		return 0
	}
	return a.usageError(fmt.Sprintf("unknown subcommand %q; there are %s", args[1], joinList(names, "and")))
}
