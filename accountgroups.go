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
	// Order is Ascending or Descending; empty means the server's default.
	Order SortOrder
}

func (p *ListParams) check() error {
	if p == nil {
		return nil
	}
	if p.Offset < 0 || p.Limit < 0 || p.Limit > 1000 {
		return fmt.Errorf("%w: offset must be ≥ 0 and limit 0..1000, got offset %d, limit %d", ErrInvalidArgument, p.Offset, p.Limit)
	}
	if p.Order != "" && p.Order != Ascending && p.Order != Descending {
		return fmt.Errorf("%w: order must be ASC or DESC, got %q", ErrInvalidArgument, p.Order)
	}
	return nil
}

// query returns the generated query parameters.
func (p *ListParams) query() (sort *gen.ListAccountGroupsParamsSort, order *gen.Order, offset *gen.Offset, limit *gen.Limit) {
	if p == nil {
		return
	}
	if p.Order != "" {
		o := p.Order
		s := gen.ListAccountGroupsParamsSortCreatedAt
		sort, order = &s, &o
	}
	if p.Offset > 0 {
		o := gen.Offset(p.Offset)
		offset = &o
	}
	if p.Limit > 0 {
		l := gen.Limit(p.Limit)
		limit = &l
	}
	return
}

func parseID(kind, id string) (uuid.UUID, error) {
	u, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return uuid.Nil, fmt.Errorf("%w: %s %q is not a UUID", ErrInvalidArgument, kind, id)
	}
	return u, nil
}

// GetAccountGroup returns the account group with id. An unknown id is an
// *APIError matching ErrNotFound.
func (c *Client) GetAccountGroup(ctx context.Context, id string) (*AccountGroup, error) {
	gid, err := parseID("account group id", id)
	if err != nil {
		return nil, err
	}
	path := "/account_groups/" + id
	resp, err := c.gen.GetAccountGroup(ctx, gid)
	g := new(AccountGroup)
	if err := decode(http.MethodGet, path, resp, err, http.StatusOK, &group{g}); err != nil {
		return nil, err
	}
	return g, nil
}

// ListAccountGroups returns one page of the tenant's account groups with its
// meta. See AllAccountGroups to walk every page.
func (c *Client) ListAccountGroups(ctx context.Context, params *ListParams) (*AccountGroupPage, error) {
	if err := params.check(); err != nil {
		return nil, err
	}
	var q gen.ListAccountGroupsParams
	q.Sort, q.Order, q.Offset, q.Limit = params.query()
	resp, err := c.gen.ListAccountGroups(ctx, &q)
	return decodePage(http.MethodGet, "/account_groups", resp, err)
}

// ListUserAccountGroups returns one page of the user's account groups. An
// unknown user is an *APIError matching ErrNotFound.
func (c *Client) ListUserAccountGroups(ctx context.Context, userID string, params *ListParams) (*AccountGroupPage, error) {
	uid, err := parseID("user id", userID)
	if err != nil {
		return nil, err
	}
	if err := params.check(); err != nil {
		return nil, err
	}
	var q gen.ListUserAccountGroupsParams
	var s *gen.ListAccountGroupsParamsSort
	s, q.Order, q.Offset, q.Limit = params.query()
	if s != nil {
		v := gen.ListUserAccountGroupsParamsSort(*s)
		q.Sort = &v
	}
	resp, err := c.gen.ListUserAccountGroups(ctx, uid, &q)
	return decodePage(http.MethodGet, "/users/"+userID+"/account_groups", resp, err)
}

func decodePage(method, path string, resp *http.Response, err error) (*AccountGroupPage, error) {
	var p page
	if err := decode(method, path, resp, err, http.StatusOK, &p); err != nil {
		return nil, err
	}
	return &AccountGroupPage{Meta: *p.Meta, Data: p.Data}, nil
}

// CreateOption changes one CreateAccountGroup call.
type CreateOption func(*createOptions)

type createOptions struct {
	key    string
	keySet bool
	ref    string
	refSet bool
}

// WithIdempotencyKey makes the create use key instead of a new random one:
// pass the key a failed create's error names (IdempotencyKeyOf) to repeat
// it, and Upvest answers with the original result instead of creating a
// second group. The key must match Upvest's published pattern (a UUID of
// version 0 to 5, variant 0, 8, 9, a or b; the dashes may be left out), else the
// create fails with ErrInvalidArgument before anything is sent. It cannot
// be combined with WithIdempotencyReference.
func WithIdempotencyKey(key string) CreateOption {
	return func(o *createOptions) { o.key, o.keySet = key, true }
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
func (c *Client) CreateAccountGroup(ctx context.Context, userID string, typ AccountGroupType, opts ...CreateOption) (*AccountGroup, error) {
	uid, err := parseID("user id", userID)
	if err != nil {
		return nil, err
	}
	if typ != TypePersonal && typ != TypeLegalEntity {
		return nil, fmt.Errorf("%w: account group type must be PERSONAL or LEGAL_ENTITY, got %q", ErrInvalidArgument, typ)
	}
	var o createOptions
	for _, opt := range opts {
		opt(&o)
	}
	key, err := o.resolve(c.clientID)
	if err != nil {
		return nil, err
	}
	resp, err := c.gen.CreateAccountGroup(ctx, gen.AccountGroupCreateRequest{UserId: uid, Type: typ}, middleware.IdempotencyKeyEditor(key))
	g := new(AccountGroup)
	if err := decode(http.MethodPost, "/account_groups", resp, err, http.StatusOK, &group{g}); err != nil {
		return nil, withKey(err, http.MethodPost, "/account_groups", key)
	}
	return g, nil
}

// CloseAccountGroup asks for the group to be closed. Closure is
// asynchronous: the group moves to CLOSING, later CLOSED. A group whose state
// does not allow it (closing, closed, locked) is an *APIError matching
// ErrConflict.
//
// A close whose outcome was unknown is settled: when an attempt may have
// reached the server (its answer was lost or cut, it timed out, or it got
// a 5xx) and a later attempt answers 409, the close may well be the one
// that worked, so the client reads the group and returns nil when it is
// CLOSING or CLOSED. In any other state, or when the read fails, the 409 is
// returned. A 409 to the first attempt is always returned: the group was
// not open.
func (c *Client) CloseAccountGroup(ctx context.Context, id string) error {
	gid, err := parseID("account group id", id)
	if err != nil {
		return err
	}
	var st callState
	resp, err := c.gen.CloseAccountGroup(withCallState(ctx, &st), gid)
	err = decode(http.MethodDelete, "/account_groups/"+id, resp, err, http.StatusAccepted, nil)
	if err != nil && st.uncertain && errors.Is(err, ErrConflict) {
		if g, gerr := c.GetAccountGroup(ctx, id); gerr == nil && (g.Status == StatusClosing || g.Status == StatusClosed) {
			return nil
		}
	}
	return err
}
