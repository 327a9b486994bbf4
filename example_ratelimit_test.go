package upvest_test

import (
	"context"
	"fmt"
	"log"

	"golang.org/x/time/rate"

	"github.com/upvest-go/upvest"
)

// One process keeps to its tenant's budget with a *rate.Limiter; a fleet
// of replicas shares one through ratelimit/redisrate instead.
func ExampleWithRateLimiter() {
	cfg, user, stop := exampleSandbox()
	defer stop()
	client, err := upvest.New(cfg, upvest.WithRateLimiter(rate.NewLimiter(20, 1))) // 20 requests/s
	if err != nil {
		log.Fatal(err)
	}
	var info upvest.ResponseInfo
	g, err := client.CreateAccountGroup(context.Background(), user, upvest.TypePersonal, upvest.WithResponseInfo(&info))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.Status, info.Attempts)
	// Output: PENDING_APPROVAL 1
}
