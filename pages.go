package upvest

import (
	"context"
	"iter"

	"github.com/google/uuid"
)

// AllAccountGroups walks every account group from params' offset on, page by
// page (params.Limit per page), stopping at the end, on an empty page, or at
// the first error, which it yields with a zero AccountGroup. Breaking out of
// the loop stops it. If groups are added or removed during the walk, the
// walk follows the latest total_count; an item may then be seen twice or
// missed, as with any offset pagination.
//
//	for g, err := range client.AllAccountGroups(ctx, nil) { … }
//
// opts apply to every page's call; WithResponseInfo reports the last page.
func (c *Client) AllAccountGroups(ctx context.Context, params *ListParams, opts ...CallOption) iter.Seq2[AccountGroup, error] {
	return walk(params, func(p *ListParams) (*AccountGroupPage, error) { return c.ListAccountGroups(ctx, p, opts...) })
}

// AllUserAccountGroups is AllAccountGroups for one user's groups.
func (c *Client) AllUserAccountGroups(ctx context.Context, userID uuid.UUID, params *ListParams, opts ...CallOption) iter.Seq2[AccountGroup, error] {
	return walk(params, func(p *ListParams) (*AccountGroupPage, error) {
		return c.ListUserAccountGroups(ctx, userID, p, opts...)
	})
}

func walk(params *ListParams, list func(*ListParams) (*AccountGroupPage, error)) iter.Seq2[AccountGroup, error] {
	return func(yield func(AccountGroup, error) bool) {
		p := ListParams{}
		if params != nil {
			p = *params
		}
		for {
			page, err := list(&p)
			if err != nil {
				yield(AccountGroup{}, err)
				return
			}
			for _, g := range page.Data {
				if !yield(g, nil) {
					return
				}
			}
			p.Offset += len(page.Data)
			if len(page.Data) == 0 || p.Offset >= page.Meta.TotalCount {
				return
			}
		}
	}
}
