package upvest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

func TestAccountGroupLifecycle(t *testing.T) {
	t.Parallel()
	c, sb := newSandbox(t, sandbox.Config{ApprovalDelay: -1, ClosingDelay: -1})
	ctx := context.Background()
	user := sb.NewUser()
	g, err := c.CreateAccountGroup(ctx, user, upvest.TypePersonal)
	if err != nil {
		t.Fatal(err)
	}
	if g.Status != upvest.StatusPendingApproval || g.Type != upvest.TypePersonal || len(g.Users) != 1 || g.Users[0].ID != user {
		t.Fatalf("created %+v", g)
	}
	got, err := c.GetAccountGroup(ctx, g.ID)
	if err != nil || got.ID != g.ID {
		t.Fatalf("get: %v %+v", err, got)
	}
	// Pending groups cannot be closed.
	if err := c.CloseAccountGroup(ctx, g.ID); !errors.Is(err, upvest.ErrConflict) {
		t.Fatalf("close pending: %v", err)
	}
	sb.Activate(g.ID)
	if err := c.CloseAccountGroup(ctx, g.ID); err != nil {
		t.Fatalf("close: %v", err)
	}
	got, _ = c.GetAccountGroup(ctx, g.ID)
	if got.Status != upvest.StatusClosing {
		t.Fatalf("after close: %s", got.Status)
	}
	err = c.CloseAccountGroup(ctx, g.ID)
	var apiErr *upvest.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 409 || apiErr.Type != "conflict" || apiErr.ID() == "" || apiErr.Detail == "" {
		t.Fatalf("second close: %#v", err)
	}
	page, err := c.ListUserAccountGroups(ctx, user, nil)
	if err != nil || page.Meta.TotalCount != 1 || page.Data[0].ID != g.ID {
		t.Fatalf("list user: %v %+v", err, page)
	}
}
