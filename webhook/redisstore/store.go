// Package redisstore is a webhook.EventStore on Redis, so that several
// replicas of a webhook receiver handle each Upvest event once: a claim is
// a SET NX PX of the event's key with a random token for the lease, a
// renewal (webhook.Renewer) a PEXPIRE of it and a release a DEL, both only
// while the token still holds it, and a done mark a SET of "done" with a
// TTL.
//
// It lives apart from package webhook so that users of webhook alone do
// not compile a Redis client.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/upvest-go/upvest/webhook"
)

// DefaultPrefix starts every key the Store writes.
const DefaultPrefix = "upvest:webhook:event:"

const doneMark = "done"

// Store is a webhook.EventStore on Redis. Build it with New or Open; it is
// safe for concurrent use, by any number of processes sharing the Redis.
type Store struct {
	client redis.UniversalClient
	prefix string
	closer func() error
}

// Option configures a Store.
type Option func(*Store)

// WithPrefix keeps the Store's keys under prefix instead of DefaultPrefix:
// for several receivers (or environments) sharing one Redis.
func WithPrefix(prefix string) Option { return func(s *Store) { s.prefix = prefix } }

// New returns a Store using client, which the caller keeps and closes. A
// nil client is refused here, not on every delivery: New panics with an
// error matching webhook.ErrConfig, as webhook.NewHandler does.
func New(client redis.UniversalClient, opts ...Option) *Store {
	if client == nil {
		panic(fmt.Errorf("%w: redisstore.New: nil client", webhook.ErrConfig))
	}
	s := &Store{client: client, prefix: DefaultPrefix}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// ErrURL reports a Redis URL that cannot be used. Its message never holds
// the URL or its password.
var ErrURL = errors.New("redisstore: invalid Redis URL (want redis://[:password@]host:port[/db] or rediss://…)")

// Open connects to the Redis at rawURL (redis:// or rediss://, as
// go-redis's ParseURL reads it) with short timeouts and one dial per
// attempt, so a Redis that hangs or refuses connections fails deliveries
// quickly (503) instead of holding them. Close the Store
// to close its client. Errors never include the URL's password.
func Open(rawURL string, opts ...Option) (*Store, error) {
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, ErrURL
	}
	o.DialTimeout = 2 * time.Second
	o.ReadTimeout = time.Second
	o.WriteTimeout = time.Second
	o.MaxRetries = 1
	// One dial per attempt (go-redis's default is 5, 100 ms apart): a
	// refused connection fails at once, and the Handler's own retries
	// (Upvest's, the done mark's every 100 ms) do the retrying.
	o.DialerRetries = 1
	client := redis.NewClient(o)
	s := New(client, opts...)
	s.closer = client.Close
	return s, nil
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisstore: ping: %w", err)
	}
	return nil
}

// Close closes the client Open made; for a Store from New it does nothing.
func (s *Store) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer()
}

func (s *Store) key(id string) string { return s.prefix + id }

// Claim implements webhook.EventStore with SET NX PX.
func (s *Store) Claim(ctx context.Context, id string, lease time.Duration) (webhook.Claim, error) {
	token := newToken()
	// The key can expire between SET NX and GET: try again then.
	for i := 0; i < 3; i++ {
		ok, err := s.client.SetNX(ctx, s.key(id), token, lease).Result()
		if err != nil {
			return webhook.Claim{}, fmt.Errorf("redisstore: claim: %w", err)
		}
		if ok {
			return webhook.Claim{State: webhook.Claimed, Token: token}, nil
		}
		v, err := s.client.Get(ctx, s.key(id)).Result()
		switch {
		case errors.Is(err, redis.Nil):
			continue
		case err != nil:
			return webhook.Claim{}, fmt.Errorf("redisstore: claim: %w", err)
		case v == doneMark:
			return webhook.Claim{State: webhook.Handled}, nil
		default:
			return webhook.Claim{State: webhook.Busy}, nil
		}
	}
	return webhook.Claim{State: webhook.Busy}, nil
}

// Done implements webhook.EventStore: the done mark replaces any claim.
func (s *Store) Done(ctx context.Context, id, _ string, ttl time.Duration) error {
	if err := s.client.Set(ctx, s.key(id), doneMark, ttl).Err(); err != nil {
		return fmt.Errorf("redisstore: done: %w", err)
	}
	return nil
}

// renew extends the key's expiry only while token holds it.
var renew = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)

// Renew implements webhook.Renewer: PEXPIRE of the event's key, only while
// token holds it.
func (s *Store) Renew(ctx context.Context, id, token string, lease time.Duration) (bool, error) {
	n, err := renew.Run(ctx, s.client, []string{s.key(id)}, token, lease.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("redisstore: renew: %w", err)
	}
	return n == 1, nil
}

// release deletes the key only while token holds it.
var release = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// Release implements webhook.EventStore.
func (s *Store) Release(ctx context.Context, id, token string) error {
	if err := release.Run(ctx, s.client, []string{s.key(id)}, token).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("redisstore: release: %w", err)
	}
	return nil
}
