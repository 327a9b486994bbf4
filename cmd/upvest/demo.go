package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
	"github.com/upvest-go/upvest/webhook"
)

// demo runs the real client against an in-process sandbox: create, read,
// list, close, and receive the signed webhook events. Nothing to configure.
func (a *app) demo(args []string) int {
	if _, code := a.parse(a.flagSet(), args); code != proceed {
		return code
	}
	if err := a.runDemo(); err != nil {
		return a.fail(fmt.Errorf("demo failed: %w", err))
	}
	return 0
}

func (a *app) runDemo() error {
	ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	defer cancel()
	say := func(format string, args ...any) { fmt.Fprintf(a.stdout, format+"\n", args...) }

	sb, err := sandbox.Start(sandbox.Config{ClosingDelay: 300 * time.Millisecond, WebhookRetry: []time.Duration{100 * time.Millisecond}}, sandbox.P521)
	if err != nil {
		return err
	}
	defer sb.Close()
	creds := sb.Credentials
	say("1. Sandbox of the Upvest API at %s (in this process)", sb.URL)
	say("   client id %s, fresh ECDSA P-521 signing key %s", creds.ClientID, creds.KeyID)

	client, err := upvest.New(upvest.Config{
		BaseURL: sb.URL, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		KeyID: creds.KeyID, PrivateKeyPEM: creds.PrivateKeyPEM,
	})
	if err != nil {
		return err
	}

	// A webhook receiver that verifies deliveries with the keys the API
	// publishes at /auth/verify_keys.
	events := make(chan webhook.AccountGroupEvent, 16)
	receiver := webhook.NewHandler(&webhook.Verifier{Keys: &webhook.RemoteKeys{Fetch: client.WebhookKeys}},
		webhook.OnAccountGroupEvent(func(_ context.Context, e webhook.AccountGroupEvent) error {
			events <- e
			return nil
		}),
		webhook.OnRefusal(func(_ *http.Request, err error) { say("   webhook refused: %v", err) }),
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hookSrv := &http.Server{Handler: receiver, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hookSrv.Serve(ln) }()
	defer hookSrv.Close()
	hookURL := "http://" + ln.Addr().String() + "/upvest/webhooks"
	sb.Subscribe(hookURL)
	say("2. Webhook receiver at %s, verifying signatures with the published keys", hookURL)

	user := sb.NewUser()
	g, err := client.CreateAccountGroup(ctx, user, upvest.TypePersonal)
	if err != nil {
		return err
	}
	say("3. Created account group %s for user %s", g.ID, user)
	say("   type %s, status %s, securities account %s", g.Type, g.Status, g.SecuritiesAccountNumber)

	g, err = client.WaitForAccountGroup(ctx, g.ID, []upvest.AccountGroupStatus{upvest.StatusActive})
	if err != nil {
		return err
	}
	say("4. Read it back: status %s (approved), updated %s", g.Status, g.UpdatedAt.Format(time.RFC3339))

	page, err := client.ListUserAccountGroups(ctx, user, &upvest.ListParams{Limit: 10})
	if err != nil {
		return err
	}
	say("5. Listed the user's account groups: %d of %d (offset %d, limit %d)", page.Meta.Count, page.Meta.TotalCount, page.Meta.Offset, page.Meta.Limit)

	if err := client.CloseAccountGroup(ctx, g.ID); err != nil {
		return err
	}
	say("6. Asked to close it: accepted (closure is asynchronous)")
	err = client.CloseAccountGroup(ctx, g.ID)
	var apiErr *upvest.APIError
	if errors.As(err, &apiErr) && errors.Is(err, upvest.ErrConflict) {
		say("   closing it again is refused: HTTP %d %s (request id %s)", apiErr.StatusCode, apiErr.Type, apiErr.ID())
	} else {
		return fmt.Errorf("second close: want a 409 conflict, got %v", err)
	}
	if g, err = client.WaitForAccountGroup(ctx, g.ID, []upvest.AccountGroupStatus{upvest.StatusClosed}); err != nil {
		return err
	}
	say("7. Status now %s", g.Status)

	say("8. Signed webhook events received and verified:")
	want := []webhook.EventType{webhook.AccountGroupCreated, webhook.AccountGroupActivated, webhook.AccountGroupClosingInitiated, webhook.AccountGroupClosed}
	for i, typ := range want {
		select {
		case e := <-events:
			if e.Type != typ {
				return fmt.Errorf("event %d is %s, want %s", i+1, e.Type, typ)
			}
			say("   %-32s group %s now %s", e.Type, e.Object.ID, e.Object.Status)
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", typ, ctx.Err())
		}
	}
	say("Done: every call was signed (v15), tokens were scoped (accounts:read, accounts:admin, webhooks:read),")
	say("and every webhook delivery's signature was verified.")
	return nil
}
