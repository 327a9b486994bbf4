package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/upvest-go/upvest"
)

func (a *app) accountGroups(args []string) int {
	if len(args) == 0 {
		return a.usageError("account-groups needs a subcommand: get, create, list, close or wait")
	}
	fs := flag.NewFlagSet("account-groups "+args[0], flag.ContinueOnError)
	var creds credentials
	creds.register(fs, a.env)
	switch args[0] {
	case "get":
		pos, ok := a.parse(fs, args[1:], 1, "account-groups get ID")
		if !ok {
			return 2
		}
		return a.call(&creds, func(c *upvest.Client) (any, error) { return c.GetAccountGroup(a.ctx, pos[0]) })
	case "close":
		pos, ok := a.parse(fs, args[1:], 1, "account-groups close ID")
		if !ok {
			return 2
		}
		return a.call(&creds, func(c *upvest.Client) (any, error) { return nil, c.CloseAccountGroup(a.ctx, pos[0]) })
	case "create":
		userID := fs.String("user-id", "", "owner's user id (UUID)")
		typ := fs.String("type", "", "PERSONAL or LEGAL_ENTITY")
		key := fs.String("idempotency-key", "", "UUID; repeat a create safely by passing the same key (a failed create names its key)")
		ref := fs.String("idempotency-reference", "", "your own id of this create (an order id): the key is derived from it, so a re-run never creates twice")
		if _, ok := a.parse(fs, args[1:], 0, "account-groups create --user-id UUID --type PERSONAL|LEGAL_ENTITY"); !ok {
			return 2
		}
		t := upvest.AccountGroupType(strings.ToUpper(*typ))
		if *userID == "" || (t != upvest.TypePersonal && t != upvest.TypeLegalEntity) {
			return a.usageError("account-groups create: --user-id and --type PERSONAL|LEGAL_ENTITY are required")
		}
		if *key != "" && *ref != "" {
			return a.usageError("account-groups create: --idempotency-key and --idempotency-reference cannot be combined")
		}
		var opts []upvest.CreateOption
		if *key != "" {
			opts = append(opts, upvest.WithIdempotencyKey(*key))
		}
		if *ref != "" {
			opts = append(opts, upvest.WithIdempotencyReference(*ref))
		}
		return a.call(&creds, func(c *upvest.Client) (any, error) { return c.CreateAccountGroup(a.ctx, *userID, t, opts...) })
	case "wait":
		var statuses statusList
		fs.Var(&statuses, "status", "a status to wait for (repeat for several): PENDING_APPROVAL, ACTIVE, CLOSING, CLOSED or LOCKED")
		timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
		pos, ok := a.parse(fs, args[1:], 1, "account-groups wait ID --status STATUS [--status STATUS…] [--timeout 5m]")
		if !ok {
			return 2
		}
		if len(statuses) == 0 || *timeout <= 0 {
			return a.usageError("account-groups wait: at least one --status and a positive --timeout are required")
		}
		for _, s := range statuses {
			if !knownStatus(s) {
				return a.usageError("account-groups wait: unknown status " + string(s))
			}
		}
		return a.call(&creds, func(c *upvest.Client) (any, error) {
			ctx, cancel := context.WithTimeout(a.ctx, *timeout)
			defer cancel()
			return c.WaitForAccountGroup(ctx, pos[0], statuses...)
		})
	case "list":
		return a.list(fs, &creds, args[1:], 0, "account-groups list", listing{
			page: func(c *upvest.Client, _ []string, p *upvest.ListParams) (any, error) {
				return c.ListAccountGroups(a.ctx, p)
			},
			all: func(c *upvest.Client, _ []string, p *upvest.ListParams) groupSeq { return c.AllAccountGroups(a.ctx, p) },
		})
	}
	return a.usageError("unknown account-groups subcommand " + args[0])
}

func (a *app) userAccountGroups(args []string) int {
	fs := flag.NewFlagSet("users account-groups", flag.ContinueOnError)
	var creds credentials
	creds.register(fs, a.env)
	return a.list(fs, &creds, args, 1, "users account-groups USER_ID", listing{
		page: func(c *upvest.Client, pos []string, p *upvest.ListParams) (any, error) {
			return c.ListUserAccountGroups(a.ctx, pos[0], p)
		},
		all: func(c *upvest.Client, pos []string, p *upvest.ListParams) groupSeq {
			return c.AllUserAccountGroups(a.ctx, pos[0], p)
		},
	})
}

// statusList collects repeated --status flags.
type statusList []upvest.AccountGroupStatus

func (l *statusList) String() string { return fmt.Sprint([]upvest.AccountGroupStatus(*l)) }

func (l *statusList) Set(v string) error {
	*l = append(*l, upvest.AccountGroupStatus(strings.ToUpper(v)))
	return nil
}

func knownStatus(s upvest.AccountGroupStatus) bool {
	switch s {
	case upvest.StatusPendingApproval, upvest.StatusActive, upvest.StatusClosing, upvest.StatusClosed, upvest.StatusLocked:
		return true
	}
	return false
}

type listArgs struct {
	limit, offset int
	order         string
}

// groupSeq is what the All… iterators return.
type groupSeq = func(func(upvest.AccountGroup, error) bool)

// listing is what a list command runs: one page, or (--all) every page.
type listing struct {
	page func(c *upvest.Client, pos []string, p *upvest.ListParams) (any, error)
	all  func(c *upvest.Client, pos []string, p *upvest.ListParams) groupSeq
}

// list parses a list command (wantPos positionals and the list flags) and
// prints one page, or every page as one array.
func (a *app) list(fs *flag.FlagSet, creds *credentials, args []string, wantPos int, synopsis string, l listing) int {
	lp, all := listFlags(fs)
	pos, ok := a.parse(fs, args, wantPos, synopsis)
	if !ok {
		return 2
	}
	params, ok := a.listParams(lp)
	if !ok {
		return 2
	}
	return a.call(creds, func(c *upvest.Client) (any, error) {
		if *all {
			return collect(l.all(c, pos, params))
		}
		return l.page(c, pos, params)
	})
}

func listFlags(fs *flag.FlagSet) (*listArgs, *bool) {
	var l listArgs
	fs.IntVar(&l.limit, "limit", 0, "page size, 1 to 1000 (default: the API's, 100)")
	fs.IntVar(&l.offset, "offset", 0, "where the page starts")
	fs.StringVar(&l.order, "order", "", "ASC or DESC")
	return &l, fs.Bool("all", false, "walk every page and print one JSON array")
}

func (a *app) listParams(l *listArgs) (*upvest.ListParams, bool) {
	order := upvest.SortOrder(strings.ToUpper(l.order))
	if l.limit < 0 || l.limit > 1000 || l.offset < 0 || (order != "" && order != upvest.Ascending && order != upvest.Descending) {
		a.usageError("--limit must be 1..1000, --offset ≥ 0, --order ASC or DESC")
		return nil, false
	}
	return &upvest.ListParams{Limit: l.limit, Offset: l.offset, Order: order}, true
}

func collect(seq groupSeq) ([]upvest.AccountGroup, error) {
	out := []upvest.AccountGroup{}
	for g, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// call builds the client, runs f and prints its result as JSON (nothing for
// a nil result).
func (a *app) call(creds *credentials, f func(*upvest.Client) (any, error)) int {
	c, err := creds.client()
	if err != nil {
		return a.fail(err)
	}
	v, err := f(c)
	if err != nil {
		return a.fail(err)
	}
	if v == nil {
		return 0
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return a.fail(err)
	}
	return 0
}
