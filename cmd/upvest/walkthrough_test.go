package main

import (
	"encoding/json"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/upvest-go/upvest/webhook"
)

// `upvest webhooks keys` prints the JWKS the API serves, which listen
// takes as --jwks-file.
func TestWebhooksKeys(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	code, out, errOut := w.run(t, "webhooks", "keys")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, %q", code, errOut)
	}
	set, err := webhook.ParseKeySet([]byte(out))
	if err != nil || set.Keys[w.sb.WebhookKeyID()] == nil {
		t.Fatalf("output is not the JWKS with kid %s: %v\n%s", w.sb.WebhookKeyID(), err, out)
	}
	l := w.listen(t, "--jwks-file", writeFile(t, "jwks.json", []byte(out)))
	w.sb.Subscribe(l.url)
	w.create(t)
	<-matched(l.out, `"type":"ACCOUNT_GROUP.CREATED"`)
	if !strings.Contains(l.out.String(), `"type":"ACCOUNT_GROUP.CREATED"`) {
		t.Fatalf("no event verified with the printed keys; stderr %q", l.err.String())
	}
	w.env["UPVEST_CLIENT_SECRET"] = "wrong"
	if code, out, errOut := w.run(t, "webhooks", "keys"); code != 1 || out != "" || !strings.Contains(errOut, "HTTP 401") {
		t.Fatalf("wrong secret: exit %d, %q", code, errOut)
	}
}

// The README's walk-through, both terminals in this process:
//
//	upvest sandbox --subscribe http://127.0.0.1:9000/webhooks
//	upvest webhooks listen --addr 127.0.0.1:9000   (with the printed exports)
//
// then a create and a close: the listener prints their four events, and
// the sandbox, when stopped, how its deliveries went.
func TestTwoTerminalWalkthrough(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port for the listener
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	hook := "http://" + addr + "/webhooks"

	s := startSandbox(t, "--addr", "127.0.0.1:0", "--subscribe", hook)
	if !strings.Contains(s.out.String(), "Webhooks: signed ACCOUNT_GROUP.* events delivered to "+hook) {
		t.Errorf("the banner does not name the subscription: %q", s.out.String())
	}
	w := &world{env: s.env, user: s.user}
	l := w.listen(t, "--addr", addr, "--path", "/webhooks") // keys fetched from the sandbox with the exports
	id := w.create(t)
	code, out, errOut := w.run(t, "account-groups", "close", id)
	if code != 0 || !strings.Contains(out, `"status": "CLOS`) {
		t.Fatalf("close: exit %d, %q %q", code, out, errOut)
	}
	<-matched(l.out, `ACCOUNT_GROUP.CLOSED`)
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(l.out.String()), "\n") {
		var e webhook.AccountGroupEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Object.ID.String() != id {
			t.Fatalf("event line %q: %v", line, err)
		}
		types = append(types, string(e.Type))
	}
	want := []string{"ACCOUNT_GROUP.CREATED", "ACCOUNT_GROUP.ACTIVATED", "ACCOUNT_GROUP.CLOSING_INITIATED", "ACCOUNT_GROUP.CLOSED"}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("sandbox exit %d: %s", code, s.err.String())
	}
	if !strings.Contains(s.err.String(), hook+": 4 events delivered, 0 pending") {
		t.Errorf("the sandbox does not say how its deliveries went: %q", s.err.String())
	}
}
