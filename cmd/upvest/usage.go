package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	"github.com/upvest-go/upvest"
)

// command is one command: its path ("account-groups create"), the rest of
// its synopsis, what it does, and its code.
type command struct {
	path, args, summary string
	run                 func(a *app, args []string) int
}

// listSynopsis is the synopsis of the list commands after their path.
const listSynopsis = "[--limit N] [--offset N] [--order ASC|DESC] [--all]"

// commands are every command, in the order usage lists them.
var commands = []*command{
	{"account-groups get", "ID",
		"Prints the account group with this id as JSON.",
		(*app).getGroup},
	{"account-groups create", "--user-id UUID --type PERSONAL|LEGAL_ENTITY [--idempotency-key UUID | --idempotency-reference REF]",
		"Creates an account group for the user and prints it as JSON. Every attempt carries one idempotency key: " +
			"a failed create names it (idempotency-key=…), and re-running with --idempotency-key settles it without creating twice; " +
			"--idempotency-reference derives the key from your own id of this create.",
		(*app).createGroup},
	{"account-groups list", listSynopsis,
		"Prints a page of your account groups as JSON; --all walks every page and prints one array.",
		(*app).listGroups},
	{"account-groups close", "ID",
		`Asks for the group to be closed and prints what happened, {"id": …, "status": "CLOSING"} (CLOSED once done: closure is asynchronous).`,
		(*app).closeGroup},
	{"account-groups wait", "ID --status STATUS [--status STATUS…] [--timeout 5m]",
		"Polls the group until it has one of the statuses and prints it; fails early when it can no longer reach them (a LOCKED or CLOSED group).",
		(*app).waitGroup},
	{"users account-groups", "USER_ID " + listSynopsis,
		"Prints a page of the user's account groups as JSON; --all walks every page and prints one array.",
		(*app).userGroups},
	{"webhooks listen", "--addr HOST:PORT [--path /webhooks] [--jwks-file FILE [--key-id KID]] [--redis-prefix P] [server limits]",
		"Receives Upvest's webhook deliveries, verifies their signatures and prints each event as one JSON line on stdout; " +
			"refusals go to stderr with their reason. The verification keys come from --jwks-file, or from the API " +
			"(with the credentials, fetched at start: it does not start without them). With a Redis (UPVEST_WEBHOOK_REDIS_URL, " +
			"or --redis), replicas sharing it handle each event once.",
		(*app).webhooksListen},
	{"webhooks keys", "",
		"Prints the JWKS of the keys that sign Upvest's webhook deliveries (GET /auth/verify_keys): save it for webhooks listen --jwks-file.",
		(*app).webhooksKeys},
	{"contract check", "[--strict] [--write --user-id UUID]",
		"Runs the read-only operations against the API and checks every exchange against the API document " +
			"(tolerant: new fields and values are drift, listed); --write also creates and closes a group " +
			"(Upvest's sandbox or a loopback sandbox only). Exit 1 on a violation or an operation it could not check.",
		(*app).contractCheck},
	{"sandbox", "[--addr 127.0.0.1:8080] [--key-file FILE] [--client-id ID] [--key-id ID] [--users N] [--subscribe URL]… [--rate-limited SHARE [--retry-after S]] [--server-errors SHARE] [--lost-answers SHARE] [--tenant-rate N [--tenant-burst N]] [--latency D] [--clock-offset D] [--seed N] [--approval-delay D] [--closing-delay D]",
		"Runs a local sandbox of the API until interrupted and prints the exports that point the CLI (or your service) at it. " +
			"It checks signatures, tokens and scopes like Upvest, injects the faults asked for (deterministic for a seed), " +
			"and delivers signed webhooks to every --subscribe URL, retried until answered 200. " +
			"With --client-id, --key-id, --key-file and UPVEST_CLIENT_SECRET, a restart keeps the credentials (and the --users).",
		(*app).sandbox},
	{"demo", "",
		"Runs the client against an in-process sandbox: create, read, list, close, and the signed webhook events. Nothing to configure.",
		(*app).demo},
}

func findCommand(path string) *command {
	for _, c := range commands {
		if c.path == path {
			return c
		}
	}
	return nil
}

// subcommands returns the commands under group ("account-groups").
func subcommands(group string) []*command {
	var out []*command
	for _, c := range commands {
		if strings.HasPrefix(c.path, group+" ") {
			out = append(out, c)
		}
	}
	return out
}

func synopsis(c *command) string { return strings.TrimSpace(c.path + " " + c.args) }

// path names the command being run, for messages.
func (a *app) path() string {
	if a.cmd != nil {
		return a.cmd.path
	}
	return a.group
}

// usageError prints msg as one line, naming the command and where its
// usage is, and returns 2.
func (a *app) usageError(msg string) int {
	prefix, hint := "upvest: ", "upvest help"
	if p := a.path(); p != "" {
		prefix, hint = prefix+p+": ", hint+" "+p
	}
	fmt.Fprintf(a.stderr, "%s%s (see '%s')\n", prefix, flatten(msg), hint)
	return 2
}

// commandUsage prints the current command's usage and flags on stdout.
func (a *app) commandUsage(fs *flag.FlagSet) {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: upvest %s\n\n%s\n", synopsis(a.cmd), wrap(a.cmd.summary, "", 100))
	var own, creds [][2]string
	apiCommand := fs.Lookup("base-url") != nil // the sandbox's --client-id is its own
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "v" {
			return // with --verbose
		}
		name, usage := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if f.Name == "verbose" {
			left = "-v, --verbose"
		}
		if name != "" {
			left += " " + name
		}
		if !envFlags[f.Name] && !zeroDefault(f.DefValue) {
			usage += " (default " + f.DefValue + ")"
		}
		if credentialFlags[f.Name] && apiCommand {
			creds = append(creds, [2]string{left, usage})
		} else {
			own = append(own, [2]string{left, usage})
		}
	})
	if len(own) > 0 {
		b.WriteString("\nFlags:\n" + flagTable(own))
	}
	if len(creds) > 0 {
		b.WriteString("\nCredentials (each flag, or its environment variable):\n" + flagTable(creds))
	}
	io.WriteString(a.stdout, b.String())
}

// flagTable lays rows of (flag, usage) out in two columns, the usage
// wrapped under itself.
func flagTable(rows [][2]string) string {
	w := 0
	for _, r := range rows {
		w = max(w, utf8.RuneCountInString(r[0]))
	}
	var b strings.Builder
	indent := strings.Repeat(" ", 2+w+2)
	for _, r := range rows {
		text := wrap(r[1], indent, 100)
		fmt.Fprintf(&b, "  %-*s  %s\n", w, r[0], strings.TrimPrefix(text, indent))
	}
	return b.String()
}

func zeroDefault(v string) bool {
	switch v {
	case "", "0", "false", "0s", "[]":
		return true
	}
	return false
}

// groupUsage prints the subcommands of group on stdout.
func (a *app) groupUsage(group string) {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: upvest %s <subcommand> [flags] [args]\n\nSubcommands:\n", group)
	for _, c := range subcommands(group) {
		fmt.Fprintf(&b, "  %s\n%s\n", synopsis(c), wrap(c.summary, "      ", 100))
	}
	fmt.Fprintf(&b, "\n'upvest help %s <subcommand>' (or --help after it) lists its flags.\n", group)
	io.WriteString(a.stdout, b.String())
}

// mainUsage is the usage of upvest itself.
func mainUsage() string {
	var b strings.Builder
	b.WriteString("usage: upvest <command> [flags] [args]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %s\n", synopsis(c))
	}
	b.WriteString("  help [COMMAND…]     a command's usage and flags (or: upvest COMMAND --help)\n")
	b.WriteString("  --version           the version\n")
	b.WriteString(`
Every command takes -h/--help; flags may come before or after the arguments.
API commands (account-groups, users, webhooks, contract) take -v/--verbose, one line on
stderr per HTTP attempt, and the credentials:
`)
	var creds credentials
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	creds.register(fs, func(string) string { return "" }, false)
	var rows [][2]string
	fs.VisitAll(func(f *flag.Flag) {
		if credentialFlags[f.Name] {
			name, usage := flag.UnquoteUsage(f)
			rows = append(rows, [2]string{"--" + f.Name + " " + name, usage})
		}
	})
	b.WriteString(flagTable(rows))
	b.WriteString(`
Answers are the API's JSON on stdout. Exit status: 0 done; 1 failed (an API error, printed as
one line naming the HTTP status, problem type and request id; the network; a file); 2 usage
(a flag, an argument or a credential missing or malformed, named on one line).
`)
	return b.String()
}

// versionLine is what --version prints.
func versionLine() string {
	s := "upvest " + upvest.Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		s += " (" + bi.GoVersion
		var rev, modified string
		for _, kv := range bi.Settings {
			switch {
			case kv.Key == "vcs.revision":
				rev = kv.Value[:min(12, len(kv.Value))]
			case kv.Key == "vcs.modified" && kv.Value == "true":
				modified = ", modified"
			}
		}
		if rev != "" {
			s += ", commit " + rev + modified
		}
		s += ")"
	}
	return s + "\n"
}

// wrap breaks s into lines of at most width runes, each after indent.
func wrap(s, indent string, width int) string {
	var lines []string
	line := indent
	for _, word := range strings.Fields(s) {
		if len(line) > len(indent) && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			lines, line = append(lines, line), indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	return strings.Join(append(lines, line), "\n")
}
