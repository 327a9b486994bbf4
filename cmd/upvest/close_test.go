package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/sandbox"
)

// close prints what happened: the group's id and its status.
func TestClosePrintsWhatHappened(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, sandbox.Config{ClosingDelay: -1}, nil) // CLOSING until FinishClosing
	id := w.create(t)
	code, out, errOut := w.run(t, "account-groups", "close", id)
	var got map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("close: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if want := map[string]any{"id": id, "status": "CLOSING"}; len(got) != 2 || got["id"] != want["id"] || got["status"] != want["status"] {
		t.Fatalf("close printed %s, want %v", out, want)
	}
	if !strings.HasPrefix(out, "{\n  \"id\": ") {
		t.Errorf("close output %q: want the id first, indented like the other commands", out)
	}
}

// A close whose group cannot be read afterwards still happened: exit 0,
// CLOSING printed (what an accepted close starts), the failed read on
// stderr.
func TestCloseStatusUnreadable(t *testing.T) {
	t.Parallel()
	var refuseGets atomic.Bool
	w := newWorldWith(t, sandbox.Config{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if refuseGets.Load() && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/account_groups/") {
				rw.Header().Set("Content-Type", "application/problem+json")
				rw.WriteHeader(http.StatusForbidden)
				io.WriteString(rw, `{"type":"forbidden","title":"Forbidden","status":403,"detail":"no reading today"}`)
				return
			}
			next.ServeHTTP(rw, r)
		})
	})
	id := w.create(t)
	refuseGets.Store(true)
	code, out, errOut := w.run(t, "account-groups", "close", strings.ToUpper(id))
	var got closed
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.ID.String() != id || got.Status != upvest.StatusClosing {
		t.Fatalf("close: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// The id printed as the API writes it (lower case), not as typed:
	// decoding into a uuid.UUID accepts either case, so check the text.
	if !strings.Contains(out, `"id": "`+id+`"`) {
		t.Fatalf("close printed %q, want the id %s in lower case", out, id)
	}
	if !strings.Contains(errOut, "closure accepted") || !strings.Contains(errOut, "HTTP 403") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("stderr %q: want one line saying the close was accepted and the read failed", errOut)
	}
}
