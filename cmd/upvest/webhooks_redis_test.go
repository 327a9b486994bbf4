package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upvest-go/upvest/internal/redistest"
	"github.com/upvest-go/upvest/webhook"
)

const redisPassword = "redis-pass-0123456789"

// TestWebhooksListenReplicasOnRedis: two `webhooks listen --redis` replicas
// sharing one Redis get the same events, each delivered to both: each
// event is printed once in all, every delivery is acknowledged, and the
// URL's password appears nowhere.
func TestWebhooksListenReplicasOnRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	k, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	pub := writeFile(t, "upvest.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	signer := &webhook.TestSigner{Key: k, KeyID: "upvest-hooks-1"}
	w := newWorld(t)
	w.env[redisEnv] = "redis://:" + redisPassword + "@" + srv.Addr + "/0" // the safe form: not on the command line
	var replicas []*listener
	for i := 0; i < 2; i++ {
		replicas = append(replicas, w.listen(t, "--jwks-file", pub, "--key-id", "upvest-hooks-1", "--redis-prefix", "test:"))
	}
	var ids []string
	for i := 0; i < 10; i++ {
		ev := map[string]any{"id": uuid.NewString(), "created_at": "2021-07-21T14:10:00.00Z", "type": "ACCOUNT_GROUP.ACTIVATED",
			"webhook_id": uuid.NewString(), "object": map[string]any{
				"id": uuid.NewString(), "created_at": "2020-08-24T14:15:22Z", "updated_at": "2020-08-24T14:15:22Z",
				"securities_account_number": "123456789", "status": "ACTIVE", "type": "PERSONAL",
				"users": []any{map[string]any{"id": uuid.NewString(), "type": "OWNER"}},
			}}
		ids = append(ids, ev["id"].(string))
		for _, r := range replicas { // Upvest's retry reaching the other replica
			deliverUntilOK(t, signer, r.url, ev)
		}
	}
	out := replicas[0].out.String() + replicas[1].out.String()
	for _, id := range ids {
		if n := strings.Count(out, id); n != 1 {
			t.Errorf("event %s printed %d times, want once", id, n)
		}
	}
	for _, r := range replicas {
		if strings.Contains(r.err.String(), redisPassword) {
			t.Fatalf("stderr shows the Redis password: %q", r.err.String())
		}
		if !strings.Contains(r.err.String(), "events handled once across replicas through Redis at "+srv.Addr) {
			t.Fatalf("stderr does not say which Redis: %q", r.err.String())
		}
	}
}

func deliverUntilOK(t *testing.T, s *webhook.TestSigner, url string, ev map[string]any) {
	t.Helper()
	deadline := time.Now().Add(failsafe)
	for time.Now().Before(deadline) {
		req, err := s.NewRequest(context.Background(), url, ev)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			return
		}
		// Paces the retries, as Upvest's back-off would: a delivery is
		// answered 503 while the other replica still holds its event.
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("delivery to %s never acknowledged", url)
}

// TestWebhooksListenRedisMalformed: a --redis URL that is not a Redis URL
// is a usage error that does not show its password. (An unreachable Redis:
// TestWebhooksListenRedisUnreachable.)
func TestWebhooksListenRedisMalformed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	jwks := writeFile(t, "jwks.json", w.sb.WebhookJWKS())
	w.env[redisEnv] = "http://:" + redisPassword + "@host"
	l := w.start(t, "--jwks-file", jwks)
	if code := l.exit(t); code != 2 || strings.Contains(l.err.String(), redisPassword) || !strings.Contains(l.err.String(), "--redis wants redis://") {
		t.Fatalf("exit %d, stderr %q", code, l.err.String())
	}
}

// With --redis pointing nowhere, the command stops at start, exit 1, with
// one line of its own naming Redis, never the URL's password: go-redis'
// logger (which writes to the process's stderr) is silent.
func TestWebhooksListenRedisUnreachable(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	jwks := writeFile(t, "jwks.json", w.sb.WebhookJWKS())
	code, _, errOut := runProcess(t, map[string]string{"UPVEST_WEBHOOK_REDIS_URL": "redis://:" + redisPassword + "@127.0.0.1:1/0"},
		"webhooks", "listen", "--addr", "127.0.0.1:0", "--jwks-file", jwks)
	if code != 1 || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "upvest: webhooks listen: cannot start without Redis") ||
		strings.Contains(errOut, "pool.go") || strings.Contains(errOut, redisPassword) || strings.Contains(errOut, "listening") {
		t.Fatalf("exit %d, stderr %q; want exit 1 and the command's one line", code, errOut)
	}
}
