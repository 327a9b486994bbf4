package upvest

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/gen"
	"github.com/upvest-go/upvest/middleware"
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
	if p.Order != "" && !p.Order.Valid() {
		return fmt.Errorf("%w: order must be ASC or DESC, got %q", ErrInvalidArgument, p.Order)
	}
	return nil
}

// generated returns the list's query parameters as the generated client
// takes them: sort and order when an order is given, offset and limit when
// not zero. The generated client writes the query string.
func (p *ListParams) generated() (sort *gen.Sort, order *gen.Order, offset *gen.Offset, limit *gen.Limit) {
	if p == nil {
		return nil, nil, nil, nil
	}
	if p.Order != "" {
		s, o := gen.SortFieldCreatedAt, p.Order
		sort, order = &s, &o
	}
	if p.Offset > 0 {
		n := gen.Offset(p.Offset)
		offset = &n
	}
	if p.Limit > 0 {
		n := gen.Limit(p.Limit)
		limit = &n
	}
	return sort, order, offset, limit
}

// checkID refuses the nil UUID, the zero value of an id never set: the
// API assigns none, so the call could only fail.
func checkID(kind string, id uuid.UUID) error {
	if id == uuid.Nil {
		return fmt.Errorf("%w: %s is the nil UUID (an id never set?)", ErrInvalidArgument, kind)
	}
	return nil
}

// newCall checks opts for a call (create says whether it is a create) and
// returns the call they make.
func newCall(create bool, opts []CallOption) (*call, error) {
	o, err := callOptionsFor(create, opts)
	if err != nil {
		return nil, err
	}
	return &call{opts: o, facade: true}, nil
}

// GetAccountGroup returns the account group with id. An unknown id is an
// *APIError matching ErrNotFound.
func (c *Client) GetAccountGroup(ctx context.Context, id uuid.UUID, opts ...CallOption) (*AccountGroup, error) {
	if err := checkID("account group id", id); err != nil {
		return nil, err
	}
	cl, err := newCall(false, opts)
	if err != nil {
		return nil, err
	}
	resp, err := c.gen.GetAccountGroup(withCall(ctx, cl), id)
	g := new(AccountGroup)
	if err := c.d.finish(ctx, cl, resp, err, http.StatusOK, &group{g}); err != nil {
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
	cl, err := newCall(false, opts)
	if err != nil {
		return nil, err
	}
	var q gen.ListAccountGroupsParams
	q.Sort, q.Order, q.Offset, q.Limit = params.generated()
	resp, err := c.gen.ListAccountGroups(withCall(ctx, cl), &q)
	return c.page(ctx, cl, resp, err)
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
	cl, err := newCall(false, opts)
	if err != nil {
		return nil, err
	}
	var q gen.ListUserAccountGroupsParams
	q.Sort, q.Order, q.Offset, q.Limit = params.generated()
	resp, err := c.gen.ListUserAccountGroups(withCall(ctx, cl), userID, &q)
	return c.page(ctx, cl, resp, err)
}

// page decodes a list's answer.
func (c *Client) page(ctx context.Context, cl *call, resp *http.Response, err error) (*AccountGroupPage, error) {
	var p listPage
	if err := c.d.finish(ctx, cl, resp, err, http.StatusOK, &p); err != nil {
		return nil, err
	}
	return &AccountGroupPage{Meta: *p.Meta, Data: p.Data}, nil
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
	cl, err := newCall(true, opts)
	if err != nil {
		return nil, err
	}
	key, err := cl.opts.resolve(c.clientID)
	if err != nil {
		return nil, err
	}
	cl.key = key // known before anything is sent: every error names it
	cl.settle = true
	resp, err := c.gen.CreateAccountGroup(withCall(ctx, cl), gen.CreateAccountGroupJSONRequestBody{UserID: userID, Type: typ},
		middleware.IdempotencyKeyEditor(key))
	g := new(AccountGroup)
	if err := c.d.finish(ctx, cl, resp, err, http.StatusOK, &group{g}); err != nil {
		return nil, withKey(err, cl)
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
	cl, err := newCall(false, opts)
	if err != nil {
		return err
	}
	cl.settle = true
	resp, err := c.gen.CloseAccountGroup(withCall(ctx, cl), id)
	err = c.d.finish(ctx, cl, resp, err, http.StatusAccepted, nil)
	if err != nil && cl.state.uncertain && errors.Is(err, ErrConflict) {
		if g, gerr := c.GetAccountGroup(ctx, id, c.settleOptions(cl.opts)...); gerr == nil && (g.Status == StatusClosing || g.Status == StatusClosed) {
			return nil
		}
	}
	return err
}
