package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/gen"
)

// apiFlags returns the current command's flag set with the credentials.
func (a *app) apiFlags() (*flag.FlagSet, *credentials) {
	fs := a.flagSet()
	creds := &credentials{}
	creds.register(fs, a.env, a.verbose)
	return fs, creds
}

// parseID parses the command's flags and its one argument, an id; code is
// proceed, or the exit code of the usage error it reported.
func (a *app) parseID(fs *flag.FlagSet, args []string) (uuid.UUID, int) {
	pos, code := a.parse(fs, args, "ID")
	if code != proceed {
		return uuid.Nil, code
	}
	id, err := parseUUID("ID", pos[0])
	if err != nil {
		return uuid.Nil, a.fail(err)
	}
	return id, proceed
}

func (a *app) getGroup(args []string) int {
	fs, creds := a.groupFlags()
	id, code := a.parseID(fs, args)
	if code != proceed {
		return code
	}
	return a.call(creds, func(c *upvest.Client) (any, error) { return c.GetAccountGroup(a.ctx, id) })
}

// closed is what close prints.
type closed struct {
	ID     uuid.UUID                 `json:"id"`
	Status upvest.AccountGroupStatus `json:"status"`
}

// closeGroup asks for the close, then reads the group to print its status.
// When that read fails the close still happened: the status printed is
// CLOSING, what an accepted close starts, and the failure goes to stderr.
func (a *app) closeGroup(args []string) int {
	fs, creds := a.groupFlags()
	id, code := a.parseID(fs, args)
	if code != proceed {
		return code
	}
	return a.call(creds, func(c *upvest.Client) (any, error) {
		if err := c.CloseAccountGroup(a.ctx, id); err != nil {
			return nil, err
		}
		g, err := c.GetAccountGroup(a.ctx, id)
		if err != nil {
			fmt.Fprintf(a.stderr, "upvest: account-groups close: closure accepted; reading the group's status afterwards failed: %s\n",
				strings.TrimPrefix(oneLine(err), "upvest: "))
			return closed{ID: id, Status: upvest.StatusClosing}, nil
		}
		return closed{ID: g.ID, Status: g.Status}, nil
	})
}

func (a *app) createGroup(args []string) int {
	fs, creds := a.groupFlags()
	userID := fs.String("user-id", "", "the owner's user id, a `UUID` (required)")
	typ := fs.String("type", "", "the group's `TYPE`, "+names(gen.AccountGroupTypeValues())+" (required)")
	key := fs.String("idempotency-key", "", "repeat a create safely: the `UUID` a failed create named (or your own)")
	ref := fs.String("idempotency-reference", "", "your own `REF` for this create (an order id): the key is derived from it, so a re-run never creates twice")
	if _, code := a.parse(fs, args); code != proceed {
		return code
	}
	set := visited(fs)
	t, typeOK := parseEnum(*typ, gen.AccountGroupTypeValues())
	user, userErr := parseUUID("--user-id", *userID)
	var err error
	switch {
	case *userID == "":
		err = usageErr("--user-id is required: the owner's user id, a UUID")
	case userErr != nil:
		err = userErr
	case *typ == "":
		err = usageErr("--type is required: " + names(gen.AccountGroupTypeValues()))
	case !typeOK:
		err = usageErr(fmt.Sprintf("--type must be %s, not %q", names(gen.AccountGroupTypeValues()), *typ))
	case set["idempotency-key"] && set["idempotency-reference"]:
		err = usageErr("--idempotency-key and --idempotency-reference cannot be combined: the key is derived from the reference")
	case set["idempotency-key"] && !idempotencyKeyOK(*key):
		err = usageErr(fmt.Sprintf("--idempotency-key must be a UUID (version 0 to 5, variant 0, 8, 9, a or b: Upvest's pattern), not %q", *key))
	case set["idempotency-reference"] && *ref == "":
		err = usageErr("--idempotency-reference must not be empty")
	}
	if err != nil {
		return a.fail(err)
	}
	var opts []upvest.CallOption
	if set["idempotency-key"] {
		opts = append(opts, upvest.WithIdempotencyKey(*key))
	}
	if set["idempotency-reference"] {
		opts = append(opts, upvest.WithIdempotencyReference(*ref))
	}
	return a.call(creds, func(c *upvest.Client) (any, error) { return c.CreateAccountGroup(a.ctx, user, t, opts...) })
}

func (a *app) waitGroup(args []string) int {
	fs, creds := a.groupFlags()
	var statuses statusList
	fs.Var(&statuses, "status", "a `STATUS` to wait for, repeated for several: "+names(gen.AccountGroupStatusValues())+" (required)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this `DURATION`")
	id, code := a.parseID(fs, args)
	if code != proceed {
		return code
	}
	if statuses.empty() {
		return a.fail(usageErr("--status is required: " + names(gen.AccountGroupStatusValues())))
	}
	if statuses.hasBad {
		return a.fail(usageErr(fmt.Sprintf("--status must be %s, not %q", names(gen.AccountGroupStatusValues()), statuses.bad)))
	}
	if *timeout <= 0 {
		return a.fail(usageErr(fmt.Sprintf("--timeout must be positive, not %s", *timeout)))
	}
	return a.call(creds, func(c *upvest.Client) (any, error) {
		ctx, cancel := context.WithTimeout(a.ctx, *timeout)
		defer cancel()
		return c.WaitForAccountGroup(ctx, id, statuses.list)
	})
}

func (a *app) listGroups(args []string) int {
	return a.list(args, "", listing{
		page: func(c *upvest.Client, _ uuid.UUID, p *upvest.ListParams) (any, error) {
			return c.ListAccountGroups(a.ctx, p)
		},
		all: func(c *upvest.Client, _ uuid.UUID, p *upvest.ListParams) groupSeq {
			return c.AllAccountGroups(a.ctx, p)
		},
	})
}

func (a *app) userGroups(args []string) int {
	return a.list(args, "USER_ID", listing{
		page: func(c *upvest.Client, user uuid.UUID, p *upvest.ListParams) (any, error) {
			return c.ListUserAccountGroups(a.ctx, user, p)
		},
		all: func(c *upvest.Client, user uuid.UUID, p *upvest.ListParams) groupSeq {
			return c.AllUserAccountGroups(a.ctx, user, p)
		},
	})
}

// statusList collects repeated --status flags; bad is the first that is
// not a known status (reported after parsing, as a usage error), when
// hasBad ("" is a bad status too).
type statusList struct {
	list   []upvest.AccountGroupStatus
	bad    string
	hasBad bool
}

func (l *statusList) String() string { return fmt.Sprint(l.list) }

func (l *statusList) Set(v string) error {
	s, ok := parseEnum(v, gen.AccountGroupStatusValues())
	if !ok && !l.hasBad {
		l.bad, l.hasBad = v, true
	}
	l.list = append(l.list, s)
	return nil
}

func (l *statusList) empty() bool { return len(l.list) == 0 }

// groupSeq is what the All… iterators return.
type groupSeq = func(func(upvest.AccountGroup, error) bool)

// listing is what a list command runs: one page, or (--all) every page.
type listing struct {
	page func(c *upvest.Client, user uuid.UUID, p *upvest.ListParams) (any, error)
	all  func(c *upvest.Client, user uuid.UUID, p *upvest.ListParams) groupSeq
}

// list parses a list command (a user id when arg names it, and the list
// flags) and prints one page, or every page as one array.
func (a *app) list(args []string, arg string, l listing) int {
	fs, creds := a.groupFlags()
	limit := fs.Int("limit", 0, "page size, `N` from 1 to 1000 (default: the API's, 100)")
	offset := fs.Int("offset", 0, "where the page starts, `N` ≥ 0")
	order := fs.String("order", "", "`ORDER` by creation: ASC or DESC")
	all := fs.Bool("all", false, "walk every page (of --limit groups) and print one JSON array")
	var names []string
	if arg != "" {
		names = []string{arg}
	}
	pos, code := a.parse(fs, args, names...)
	if code != proceed {
		return code
	}
	var user uuid.UUID
	if arg != "" {
		var err error
		if user, err = parseUUID(arg, pos[0]); err != nil {
			return a.fail(err)
		}
	}
	set := visited(fs)
	o, orderOK := parseEnum(*order, gen.SortOrderValues())
	switch {
	case set["limit"] && (*limit < 1 || *limit > 1000):
		return a.fail(usageErr(fmt.Sprintf("--limit must be 1 to 1000, not %d", *limit)))
	case *offset < 0:
		return a.fail(usageErr(fmt.Sprintf("--offset must be 0 or more, not %d", *offset)))
	case set["order"] && !orderOK:
		return a.fail(usageErr(fmt.Sprintf("--order must be ASC or DESC, not %q", *order)))
	}
	params := &upvest.ListParams{Limit: *limit, Offset: *offset, Order: o}
	return a.call(creds, func(c *upvest.Client) (any, error) {
		if *all {
			return collect(l.all(c, user, params))
		}
		return l.page(c, user, params)
	})
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

// call builds the client, runs f and prints its result as indented JSON.
func (a *app) call(creds *credentials, f func(*upvest.Client) (any, error)) int {
	c, err := a.newClient(creds, nil, "upvest-cli")
	if err != nil {
		return a.fail(err)
	}
	defer creds.close()
	v, err := f(c)
	if err != nil {
		return a.fail(err)
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return a.fail(err)
	}
	return 0
}
