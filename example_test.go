package upvest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// exampleSandbox starts an in-process sandbox and returns credentials for it
// and a user known to it. Real code reads its credentials from its config.
func exampleSandbox() (upvest.Config, uuid.UUID, func()) {
	sb, err := sandbox.Start(sandbox.Config{}, sandbox.P521)
	if err != nil {
		log.Fatal(err)
	}
	return configFor(sb), sb.NewUser(), sb.Close
}

func ExampleNew() {
	pemBytes, err := os.ReadFile("middleware/testdata/keys/ec-sec1-encrypted.pem")
	if err != nil {
		log.Fatal(err)
	}
	client, err := upvest.New(upvest.Config{
		BaseURL:              upvest.SandboxURL,
		ClientID:             "ebabcf4d-61c3-4942-875c-e265a7c2d062",
		ClientSecret:         "client-secret", // from your secret store
		KeyID:                "d5b1a2f0-7c4e-4c1e-9f7a-1b2c3d4e5f60",
		PrivateKeyPEM:        pemBytes,
		PrivateKeyPassphrase: []byte("test-passphrase"),
	}, upvest.WithUserAgent("my-broker/1.2"))
	if err != nil {
		log.Fatal(err) // a wrong passphrase or an unsupported key fails here
	}
	fmt.Println(client != nil)
	// Output: true
}

func ExampleClient_CreateAccountGroup() {
	cfg, user, stop := exampleSandbox()
	defer stop()
	client, err := upvest.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	// Keep the key with your own record of the request: repeating the call
	// with it after a crash cannot create a second group.
	g, err := client.CreateAccountGroup(context.Background(), user, upvest.TypePersonal,
		upvest.WithIdempotencyKey("f1150421-2e34-42b6-aae9-52ef157065b9"))
	if err != nil {
		log.Fatal(err)
	}
	again, err := client.CreateAccountGroup(context.Background(), user, upvest.TypePersonal,
		upvest.WithIdempotencyKey("f1150421-2e34-42b6-aae9-52ef157065b9"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.Type, g.Status, again.ID == g.ID)
	// Output: PERSONAL PENDING_APPROVAL true
}

func ExampleClient_AllAccountGroups() {
	cfg, user, stop := exampleSandbox()
	defer stop()
	client, err := upvest.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for range 5 {
		if _, err := client.CreateAccountGroup(ctx, user, upvest.TypePersonal); err != nil {
			log.Fatal(err)
		}
	}
	n := 0
	for g, err := range client.AllAccountGroups(ctx, &upvest.ListParams{Limit: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		_ = g // each AccountGroup, fetched two per request
		n++
	}
	fmt.Println(n, "account groups")
	// Output: 5 account groups
}

func ExampleAPIError() {
	cfg, _, stop := exampleSandbox()
	defer stop()
	client, err := upvest.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	// An id kept as text (a database column, a request) is parsed once, at
	// the edge; the client's methods take the uuid.UUID its answers carry.
	id, err := uuid.Parse("9d95820d-4333-46b6-98de-04ab7512e76f")
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.GetAccountGroup(context.Background(), id)
	var apiErr *upvest.APIError
	switch {
	case errors.Is(err, upvest.ErrNotFound) && errors.As(err, &apiErr):
		fmt.Println(apiErr.StatusCode, apiErr.Type, apiErr.ID() != "")
	case err != nil:
		log.Fatal(err)
	}
	// Output: 404 not_found true
}

// A create that failed may still have happened: its error names the key
// every attempt sent, and repeating the create with it settles it.
func ExampleIdempotencyKeyOf() {
	sb, err := sandbox.Start(sandbox.Config{}, sandbox.P521)
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	user := sb.NewUser()
	client, err := upvest.New(configFor(sb), upvest.WithRetryPolicy(upvest.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		log.Fatal(err)
	}
	sb.SetFaults(sandbox.Faults{LostAnswers: 1}) // the group is created, the answer lost
	_, err = client.CreateAccountGroup(context.Background(), user, upvest.TypePersonal)
	key, ok := upvest.IdempotencyKeyOf(err)
	fmt.Println("failed:", err != nil, "key known:", ok)

	sb.SetFaults(sandbox.Faults{})
	g, err := client.CreateAccountGroup(context.Background(), user, upvest.TypePersonal, upvest.WithIdempotencyKey(key))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("settled:", g.ID == sb.AccountGroups()[0].ID, "groups:", len(sb.AccountGroups()))
	// Output:
	// failed: true key known: true
	// settled: true groups: 1
}

// A key derived from your own reference survives a crash of the process:
// the same reference always gives the same key.
func ExampleWithIdempotencyReference() {
	cfg, user, stop := exampleSandbox()
	defer stop()
	client, err := upvest.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	first, err := client.CreateAccountGroup(context.Background(), user, upvest.TypePersonal, upvest.WithIdempotencyReference("order-42"))
	if err != nil {
		log.Fatal(err)
	}
	// After a restart, the same reference:
	again, err := client.CreateAccountGroup(context.Background(), user, upvest.TypePersonal, upvest.WithIdempotencyReference("order-42"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(first.ID == again.ID)
	// Output: true
}
