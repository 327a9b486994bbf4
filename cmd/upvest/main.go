// Command upvest calls the Upvest Investment API's account groups, listens
// for its webhooks, runs a local sandbox of it, and demonstrates the client.
//
//	upvest account-groups get ID
//	upvest account-groups create --user-id UUID --type PERSONAL|LEGAL_ENTITY [--idempotency-key UUID | --idempotency-reference REF]
//	upvest account-groups list [--limit N] [--offset N] [--order ASC|DESC] [--all]
//	upvest account-groups close ID
//	upvest account-groups wait ID --status STATUS [--status STATUS…] [--timeout 5m]
//	upvest users account-groups USER_ID [--limit N] [--offset N] [--order ASC|DESC] [--all]
//	upvest webhooks listen --addr HOST:PORT [--path /webhooks] [--jwks-file FILE [--key-id KID]]
//	       [--redis redis://[:PASSWORD@]HOST:PORT[/DB] [--redis-prefix P]]
//	       [--read-header-timeout 5s] [--read-timeout 15s] [--write-timeout 30s]
//	       [--idle-timeout 1m] [--max-header-bytes 65536] [--shutdown-timeout 5s]
//	upvest contract check [--strict] [--write --user-id UUID]
//	upvest sandbox [--addr 127.0.0.1:8080]
//	upvest demo
//
// Credentials come from flags or the environment: UPVEST_BASE_URL,
// UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET, UPVEST_KEY_ID,
// UPVEST_PRIVATE_KEY_FILE, UPVEST_PRIVATE_KEY_PASSPHRASE.
//
// Answers are printed as the API's JSON on stdout. Errors print one line on
// stderr naming the HTTP status, the problem type and the request id, and
// exit 1; usage errors exit 2.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// env reads an environment variable.
type env func(string) string

// app is one invocation's context.
type app struct {
	ctx    context.Context
	env    env
	stdout io.Writer
	stderr io.Writer
}

const usage = `usage: upvest <command> [flags] [args]

commands:
  account-groups get ID
  account-groups create --user-id UUID --type PERSONAL|LEGAL_ENTITY [--idempotency-key UUID | --idempotency-reference REF]
  account-groups list [--limit N] [--offset N] [--order ASC|DESC] [--all]
  account-groups close ID
  account-groups wait ID --status STATUS [--status STATUS…] [--timeout 5m]
  users account-groups USER_ID [--limit N] [--offset N] [--order ASC|DESC] [--all]
  webhooks listen --addr HOST:PORT [--path /webhooks] [--jwks-file FILE [--key-id KID]]
                  [--redis redis://[:PASSWORD@]HOST:PORT[/DB] [--redis-prefix P]]
                  [--read-header-timeout 5s] [--read-timeout 15s] [--write-timeout 30s]
                  [--idle-timeout 1m] [--max-header-bytes 65536] [--shutdown-timeout 5s]
  contract check [--strict] [--write --user-id UUID]
                                      check the API's answers against the document
                                      (tolerant: new fields and values are drift);
                                      --write also creates and closes a group
                                      (Upvest's sandbox or a loopback sandbox only)
  sandbox [--addr 127.0.0.1:8080]     run a local sandbox of the API
  demo                                the client against an in-process sandbox

credentials (flags of every API command, or the environment):
  --base-url                UPVEST_BASE_URL (default https://sandbox.upvest.co)
  --client-id               UPVEST_CLIENT_ID
  --client-secret           UPVEST_CLIENT_SECRET
  --key-id                  UPVEST_KEY_ID
  --private-key-file        UPVEST_PRIVATE_KEY_FILE
  --private-key-passphrase  UPVEST_PRIVATE_KEY_PASSPHRASE
`

// run executes the command line and returns the exit code: 0 success, 1
// failure, 2 usage error.
func run(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	a := &app{ctx: ctx, env: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		return a.usageError("a command is required")
	}
	switch args[0] {
	case "account-groups":
		return a.accountGroups(args[1:])
	case "users":
		if len(args) < 2 || args[1] != "account-groups" {
			return a.usageError("usage: upvest users account-groups USER_ID [--all]")
		}
		return a.userAccountGroups(args[2:])
	case "webhooks":
		if len(args) < 2 || args[1] != "listen" {
			return a.usageError("usage: upvest " + listenSynopsis)
		}
		return a.webhooksListen(args[2:])
	case "contract":
		return a.contract(args[1:])
	case "sandbox":
		return a.sandbox(args[1:])
	case "demo":
		return a.demo(args[1:])
	case "help", "-h", "--help":
		io.WriteString(stdout, usage)
		return 0
	}
	return a.usageError("unknown command " + args[0])
}

func (a *app) usageError(msg string) int {
	io.WriteString(a.stderr, "upvest: "+msg+"\n\n"+usage)
	return 2
}
