package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/upvest-go/upvest"
	contracttest "github.com/upvest-go/upvest/contract_test"
	"github.com/upvest-go/upvest/gen"
)

// contractCloseWait bounds how long contract check --write waits for the
// group it created to leave PENDING_APPROVAL before closing it.
var contractCloseWait = 30 * time.Second

// contract runs `upvest contract check`: the read-only operations against
// the configured API (and, with --write, a create and a close), each raw
// exchange checked against the embedded document in tolerant mode. It
// prints one line per finding on stdout and a summary on stderr; it exits 1
// on a violation or when an operation could not be checked, 0 otherwise
// (drift listed).
func (a *app) contractCheck(args []string) int {
	fs, creds := a.apiFlags()
	strict := fs.Bool("strict", false, "unknown properties and enum values are violations, not drift")
	write := fs.Bool("write", false, "also create an account group for --user-id and close it (Upvest's sandbox or a loopback sandbox only)")
	userID := fs.String("user-id", "", "the owner of the group --write creates, a `UUID`")
	if _, code := a.parse(fs, args); code != proceed {
		return code
	}
	owner, ownerErr := parseUUID("--user-id", *userID)
	switch {
	case *write && *userID == "":
		return a.fail(usageErr("--write needs --user-id, the owner of the group it creates"))
	case !*write && *userID != "":
		return a.fail(usageErr("--user-id goes with --write"))
	case *write && ownerErr != nil:
		return a.fail(ownerErr)
	}
	base := creds.baseURL
	if base == "" {
		base = upvest.SandboxURL
	}
	if *write && !sandboxURL(base) {
		return a.fail(usageErr("--write is refused: the base URL must be Upvest's sandbox (" + upvest.SandboxURL + ") or a sandbox on a loopback address, not " + hostOf(base)))
	}
	if err := creds.check(); err != nil {
		return a.fail(err)
	}
	mode := contracttest.Tolerant
	if *strict {
		mode = contracttest.Strict
	}
	v, err := contracttest.New(contracttest.Options{Mode: mode, BaseURL: base, IssuedTokensOnly: true})
	if err != nil {
		return a.fail(err)
	}
	rec := &contracttest.Recorder{}
	client, err := a.newClient(creds, &http.Client{Transport: v.RoundTripper(nil, rec.Report)}, "upvest-cli contract-check")
	if err != nil {
		return a.fail(err)
	}
	ck := &contractCheck{app: a, g: client.Generated()}
	ck.readOnly()
	if *write && ck.ok {
		ck.createAndClose(owner)
	}

	var violations, drift int
	for _, f := range rec.Findings() {
		fmt.Fprintln(a.stdout, f)
		if f.Severity == contracttest.Violation {
			violations++
		} else {
			drift++
		}
	}
	fmt.Fprintf(a.stderr, "upvest: contract check (%s) of %s: %d exchanges, %d violations, %d drift\n",
		mode, hostOf(base), len(rec.Results()), violations, drift)
	if violations > 0 || !ck.ok {
		return 1
	}
	return 0
}

// contractCheck runs the operations through the generated client, whose
// answers are raw: the validator judges them, not the facade's decoding.
type contractCheck struct {
	*app
	g  *gen.Client
	ok bool // every operation ran and was answered 2xx
}

// step sends one call and reads its answer; a failure or a non-2xx answer
// is told on stderr and marks the check incomplete.
func (ck *contractCheck) step(op string, call func(ctx context.Context) (*http.Response, error)) ([]byte, bool) {
	resp, err := call(ck.ctx)
	if err != nil {
		fmt.Fprintf(ck.stderr, "%s (%s)\n", oneLine(err), op)
		ck.ok = false
		return nil, false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fmt.Fprintf(ck.stderr, "upvest: %s: reading the answer: %s\n", op, flatten(err.Error()))
		ck.ok = false
		return nil, false
	}
	if resp.StatusCode/100 != 2 {
		var p struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(body, &p)
		fmt.Fprintf(ck.stderr, "upvest: %s answered HTTP %d %s request-id=%s: not checked further\n",
			op, resp.StatusCode, flatten(p.Type), flatten(resp.Header.Get("Upvest-Request-Id")))
		ck.ok = false
		return body, false
	}
	return body, true
}

// readOnly lists the groups, gets the first, lists its owner's groups and
// gets the webhook verification keys.
func (ck *contractCheck) readOnly() {
	ck.ok = true
	limit := gen.Limit(10)
	body, ok := ck.step("listAccountGroups", func(ctx context.Context) (*http.Response, error) {
		return ck.g.ListAccountGroups(ctx, &gen.ListAccountGroupsParams{Limit: &limit})
	})
	var list struct {
		Data []json.RawMessage `json:"data"`
	}
	if ok && json.Unmarshal(body, &list) == nil && len(list.Data) > 0 {
		id, owner := groupIDs(list.Data[0])
		if id == nil {
			fmt.Fprintln(ck.stderr, "upvest: contract check: the first account group has no usable id: get and the owner's groups not checked")
			ck.ok = false
		} else {
			ck.step("getAccountGroup", func(ctx context.Context) (*http.Response, error) { return ck.g.GetAccountGroup(ctx, *id) })
			if owner == nil {
				fmt.Fprintln(ck.stderr, "upvest: contract check: the first account group names no user: the owner's groups not checked")
				ck.ok = false
			} else {
				ck.step("listUserAccountGroups", func(ctx context.Context) (*http.Response, error) {
					return ck.g.ListUserAccountGroups(ctx, *owner, &gen.ListUserAccountGroupsParams{Limit: &limit})
				})
			}
		}
	} else if ok {
		fmt.Fprintln(ck.stderr, "upvest: contract check: no account group: get and the owner's groups not checked (create one, or use --write)")
	}
	ck.step("getWebhookVerifyKeys", func(ctx context.Context) (*http.Response, error) { return ck.g.GetWebhookVerifyKeys(ctx) })
}

// createAndClose creates a personal group for owner, waits for it to leave
// PENDING_APPROVAL (bounded) and closes it.
func (ck *contractCheck) createAndClose(owner gen.UserID) {
	body, ok := ck.step("createAccountGroup", func(ctx context.Context) (*http.Response, error) {
		return ck.g.CreateAccountGroup(ctx, gen.AccountGroupCreateRequest{UserID: owner, Type: gen.AccountGroupTypePersonal})
	})
	if !ok {
		return
	}
	id, _ := groupIDs(body)
	if id == nil {
		fmt.Fprintln(ck.stderr, "upvest: contract check: the created account group has no usable id: close not checked")
		ck.ok = false
		return
	}
	fmt.Fprintf(ck.stderr, "upvest: contract check: created account group %s; closing it\n", id)
	pause := 100 * time.Millisecond // doubling to 2 s between reads
	for deadline := time.Now().Add(contractCloseWait); time.Now().Before(deadline); pause = min(2*pause, 2*time.Second) {
		b, ok := ck.step("getAccountGroup", func(ctx context.Context) (*http.Response, error) { return ck.g.GetAccountGroup(ctx, *id) })
		var g struct {
			Status upvest.AccountGroupStatus `json:"status"`
		}
		if !ok || json.Unmarshal(b, &g) != nil || g.Status != upvest.StatusPendingApproval {
			break
		}
		select {
		case <-ck.ctx.Done():
			return
		case <-time.After(pause):
		}
	}
	if _, ok := ck.step("closeAccountGroup", func(ctx context.Context) (*http.Response, error) { return ck.g.CloseAccountGroup(ctx, *id) }); !ok {
		fmt.Fprintf(ck.stderr, "upvest: contract check: account group %s is still open: close it with `upvest account-groups close %s`\n", id, id)
	}
}

// groupIDs reads a group's id and its owner's id (the first user typed
// OWNER, else the first user) from a raw answer, leniently.
func groupIDs(raw []byte) (id *gen.AccountGroupID, owner *gen.UserID) {
	var g struct {
		ID    string `json:"id"`
		Users []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"users"`
	}
	if json.Unmarshal(raw, &g) != nil {
		return nil, nil
	}
	var gid gen.AccountGroupID
	if gid.UnmarshalText([]byte(g.ID)) == nil {
		id = &gid
	}
	for _, ownersOnly := range []bool{true, false} {
		for _, u := range g.Users {
			var uid gen.UserID
			if owner == nil && (!ownersOnly || u.Type == "OWNER") && uid.UnmarshalText([]byte(u.ID)) == nil {
				owner = &uid
			}
		}
	}
	return id, owner
}

// sandboxURL reports whether raw is Upvest's sandbox or a loopback host:
// the only places contract check --write may create and close groups.
func sandboxURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil {
		return false
	}
	if u.Scheme == "https" && strings.EqualFold(u.Hostname(), "sandbox.upvest.co") && (u.Port() == "" || u.Port() == "443") {
		return true
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback() && (u.Scheme == "http" || u.Scheme == "https")
}

// hostOf names a base URL's host, never its user info.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "an unparsable URL"
	}
	return u.Scheme + "://" + u.Host
}
