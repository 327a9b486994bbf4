package redisrate_test

import (
	"context"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// silentRedis drops go-redis's own log lines (a refused dial per pool
// attempt while a test keeps Redis down); the Limiter's WARN says it once.
type silentRedis struct{}

func (silentRedis) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	redis.SetLogger(silentRedis{})
	os.Exit(m.Run())
}
