package upvest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/enum"
	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/internal/routes"
)

// ListParams select a page of a list. The zero value asks for the first page
// with the server's default limit (100), sorted by created_at ascending.
type ListParams struct {
	// Offset is where the page starts (≥ 0).
	Offset int
	// Limit is the page size, 1 to 1000; 0 means the server's default.
	Limit int
	// Order is Ascending or Descending; the zero value means the server's
	// default (ascending).
	Order SortOrder
}

func (p *ListParams) check() error {
	if p == nil {
		return nil
	}
	if p.Offset < 0 || p.Limit < 0 || p.Limit > 1000 {
		return fmt.Errorf("%w: offset must be ≥ 0 and limit 0..1000, got offset %d, limit %d", ErrInvalidArgument, p.Offset, p.Limit)
	}
	if !p.Order.IsZero() && !p.Order.Valid() {
		return fmt.Errorf("%w: order must be ASC or DESC, got %q", ErrInvalidArgument, p.Order)
	}
	return nil
}

// query returns the list's query string: sort and order, offset, limit.
func (p *ListParams) query() string {
	if p == nil {
		return ""
	}
	var b []byte
	add := func(k, v string) {
		if len(b) > 0 {
			b = append(b, '&')
		}
		b = append(append(append(b, k...), '='), v...)
	}
	if !p.Order.IsZero() {
		add("sort", enum.SortByCreatedAt.String())
		add("order", p.Order.String())
	}
	if p.Offset > 0 {
		add("offset", strconv.Itoa(p.Offset))
	}
	if p.Limit > 0 {
		add("limit", strconv.Itoa(p.Limit))
	}
	return string(b)
}

// The operations of the OpenAPI document this file calls: method, path
// template and scopes come from the generated table.
var (
	opGetAccountGroup       = routes.ByID("getAccountGroup")
	opListAccountGroups     = routes.ByID("listAccountGroups")
	opListUserAccountGroups = routes.ByID("listUserAccountGroups")
	opCreateAccountGroup    = routes.ByID("createAccountGroup")
	opCloseAccountGroup     = routes.ByID("closeAccountGroup")
	opGetWebhookVerifyKeys  = routes.ByID("getWebhookVerifyKeys")
)

// checkID refuses the nil UUID, the zero value of an id never set: the
// API assigns none, so the call could only fail.
func checkID(kind string, id uuid.UUID) error {
	if id == uuid.Nil {
		return fmt.Errorf("%w: %s is the nil UUID (an id never set?)", ErrInvalidArgument, kind)
	}
	return nil
}

// GetAccountGroup returns the account group with id. An unknown id is an
// *APIError matching ErrNotFound.
func (c *Client) GetAccountGroup(ctx context.Context, id uuid.UUID, opts ...CallOption) (*AccountGroup, error) {
	if err := checkID("account group id", id); err != nil {
		return nil, err
	}
	o, err := callOptionsFor(false, opts)
	if err != nil {
		return nil, err
	}
	call := c.newCall(opGetAccountGroup, o, "", id.String())
	ans, err := c.p.do(ctx, call)
	g := new(AccountGroup)
	if err := decode(call, ans, err, http.StatusOK, &group{g}); err != nil {
		return nil, err
	}
	return g, nil
}

// ListAccountGroups returns one page of the tenant's account groups with its
// meta. See AllAccountGroups to walk every page.
func (c *Client) ListAccountGroups(ctx context.Context, params *ListParams, opts ...CallOption) (*AccountGroupPage, error) {
	if err := params.check(); err != nil {
		return nil, err
	}
	o, err := callOptionsFor(false, opts)
	if err != nil {
		return nil, err
	}
	return c.page(ctx, c.newCall(opListAccountGroups, o, params.query()))
}

// ListUserAccountGroups returns one page of the user's account groups. An
// unknown user is an *APIError matching ErrNotFound.
func (c *Client) ListUserAccountGroups(ctx context.Context, userID uuid.UUID, params *ListParams, opts ...CallOption) (*AccountGroupPage, error) {
	if err := checkID("user id", userID); err != nil {
		return nil, err
	}
	if err := params.check(); err != nil {
		return nil, err
	}
	o, err := callOptionsFor(false, opts)
	if err != nil {
		return nil, err
	}
	return c.page(ctx, c.newCall(opListUserAccountGroups, o, params.query(), userID.String()))
}

func (c *Client) page(ctx context.Context, call *call) (*AccountGroupPage, error) {
	ans, err := c.p.do(ctx, call)
	var p page
	if err := decode(call, ans, err, http.StatusOK, &p); err != nil {
		return nil, err
	}
	return &AccountGroupPage{Meta: *p.Meta, Data: p.Data}, nil
}

// WithIdempotencyKey makes the create use key instead of a new random one:
// pass the key a failed create's error names (IdempotencyKeyOf) to repeat
// it, and Upvest answers with the original result instead of creating a
// second group. The key must match Upvest's published pattern (a UUID of
// version 0 to 5, variant 0, 8, 9, a or b; the dashes may be left out), else the
// create fails with ErrInvalidArgument before anything is sent. It cannot
// be combined with WithIdempotencyReference.
func WithIdempotencyKey(key string) CreateOption {
	return func(o *callOptions) { o.key, o.keySet = key, true }
}

// CreateAccountGroup creates an account group of type typ for the user. Every
// attempt of the call, retries after a lost answer included, carries the same
// idempotency key, so at most one group is created.
//
// Every error returned once the key is chosen carries it: when the create
// may have happened (a lost answer, a timeout, a 5xx, retries exhausted),
// get it with IdempotencyKeyOf and repeat the create with
// WithIdempotencyKey; the message names it as idempotency-key=<uuid>. To
// survive a crash of the process itself, derive the key from your own
// reference with WithIdempotencyReference.
func (c *Client) CreateAccountGroup(ctx context.Context, userID uuid.UUID, typ AccountGroupType, opts ...CallOption) (*AccountGroup, error) {
	if err := checkID("user id", userID); err != nil {
		return nil, err
	}
	if !typ.Valid() {
		return nil, fmt.Errorf("%w: account group type must be PERSONAL or LEGAL_ENTITY, got %q", ErrInvalidArgument, typ)
	}
	o, err := callOptionsFor(true, opts)
	if err != nil {
		return nil, err
	}
	key, err := o.resolve(c.clientID)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(gen.AccountGroupCreateRequest{UserID: userID, Type: typ})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	call := c.newCall(opCreateAccountGroup, o, "")
	call.contentType, call.body, call.key = jsonContentType, body, key
	ans, err := c.p.do(ctx, call)
	g := new(AccountGroup)
	if err := decode(call, ans, err, http.StatusOK, &group{g}); err != nil {
		return nil, withKey(err, call)
	}
	return g, nil
}

// CloseAccountGroup asks for the group to be closed. Closure is
// asynchronous: the group moves to CLOSING, later CLOSED. Only an ACTIVE
// group can be closed: any other (pending approval, closing, closed,
// locked) is an *APIError matching ErrConflict.
//
// A close whose outcome was unknown is settled: when an attempt may have
// reached the server (its answer was lost or cut, it timed out, or it got
// a 5xx) and a later attempt answers 409, the close may well be the one
// that worked, so the client reads the group and returns nil when it is
// CLOSING or CLOSED. In any other state, or when the read fails, the 409 is
// returned. A 409 to the first attempt is always returned: the group was
// not open.
func (c *Client) CloseAccountGroup(ctx context.Context, id uuid.UUID, opts ...CallOption) error {
	if err := checkID("account group id", id); err != nil {
		return err
	}
	o, err := callOptionsFor(false, opts)
	if err != nil {
		return err
	}
	var st callState
	call := c.newCall(opCloseAccountGroup, o, "", id.String())
	call.state = &st
	ans, err := c.p.do(ctx, call)
	err = decode(call, ans, err, http.StatusAccepted, nil)
	if err != nil && st.uncertain && errors.Is(err, ErrConflict) {
		if g, gerr := c.GetAccountGroup(ctx, id, c.settleOptions(o)...); gerr == nil && (g.Status == StatusClosing || g.Status == StatusClosed) {
			return nil
		}
	}
	return err
}
