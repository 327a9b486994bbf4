package contracttest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest"
	contracttest "github.com/upvest-go/upvest/contract_test"
	"github.com/upvest-go/upvest/sandbox"
)

// openGroup stands for the code of a service embedding the client: it opens
// a personal account group for a customer and reads it back.
func openGroup(ctx context.Context, c *upvest.Client, user uuid.UUID) (upvest.AccountGroupStatus, error) {
	g, err := c.CreateAccountGroup(ctx, user, upvest.TypePersonal, upvest.WithIdempotencyReference("onboarding-"+user.String()))
	if err != nil {
		return "", err
	}
	g, err = c.GetAccountGroup(ctx, g.ID)
	if err != nil {
		return "", err
	}
	return g.Status, nil
}

// A consumer's test: the validating transport under upvest.Config checks
// every request the client sends (token calls included, signed as sent) and
// every answer it gets; a violation fails the test, with one line saying
// which operation, where, and what.
func TestConsumerService(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Config{}, sandbox.P521)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	c := sb.Credentials
	client, err := upvest.New(upvest.Config{
		BaseURL: sb.URL, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		KeyID: c.KeyID, PrivateKeyPEM: c.PrivateKeyPEM,
		HTTPClient: &http.Client{Transport: contracttest.Transport(t, nil)},
	})
	if err != nil {
		t.Fatal(err)
	}
	status, err := openGroup(context.Background(), client, sb.NewUser())
	if err != nil {
		t.Fatal(err)
	}
	if status != upvest.StatusActive {
		t.Errorf("status %s", status)
	}
}

// The core under a client, with a report function of one's own: here each
// exchange is printed with its findings (none, against the sandbox).
func ExampleValidator_RoundTripper() {
	sb, err := sandbox.Start(sandbox.Config{}, sandbox.P521)
	if err != nil {
		panic(err)
	}
	defer sb.Close()
	v, err := contracttest.New(contracttest.Options{Mode: contracttest.Strict, BaseURL: sb.URL})
	if err != nil {
		panic(err)
	}
	report := func(r contracttest.Result) {
		fmt.Println(r.Operation, r.Status, len(r.Findings), "findings")
		for _, f := range r.Findings {
			fmt.Println("  ", f)
		}
	}
	c := sb.Credentials
	client, err := upvest.New(upvest.Config{
		BaseURL: sb.URL, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		KeyID: c.KeyID, PrivateKeyPEM: c.PrivateKeyPEM,
		HTTPClient: &http.Client{Transport: v.RoundTripper(nil, report)},
	})
	if err != nil {
		panic(err)
	}
	if _, err := openGroup(context.Background(), client, sb.NewUser()); err != nil {
		panic(err)
	}
	// Output:
	// requestToken 200 0 findings
	// createAccountGroup 200 0 findings
	// requestToken 200 0 findings
	// getAccountGroup 200 0 findings
}
