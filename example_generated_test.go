package upvest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/gen"
)

// A consuming service that uses the generated client directly gets the
// facade's whole stack: fixed headers, its own editors' headers, one
// idempotency key per create, retries, a token and a fresh signature on
// every attempt.
func ExampleGeneratedClientOptions() {
	cfg, user, stop := exampleSandbox()
	defer stop()
	opts, err := upvest.GeneratedClientOptions(cfg)
	if err != nil {
		log.Fatal(err)
	}
	api, err := gen.NewClientWithResponses(cfg.BaseURL, opts...)
	if err != nil {
		log.Fatal(err)
	}
	correlation := func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Correlation-Id", "order-42") // sent on every attempt
		return nil
	}
	created, err := api.CreateAccountGroupWithResponse(context.Background(),
		gen.AccountGroupCreateRequest{UserID: user, Type: upvest.TypePersonal}, correlation)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.StatusCode(), created.JSON200.Status)
	page, err := api.ListUserAccountGroupsWithResponse(context.Background(), user, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.StatusCode(), len(page.JSON200.Data))
	// Output:
	// 200 PENDING_APPROVAL
	// 200 1
}
