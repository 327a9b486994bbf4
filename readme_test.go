package upvest_test

import (
	"os"
	"strings"
	"testing"
)

// README's quick start is a whole program: it must build against this
// version of the module, so a rename cannot leave it behind.
func TestReadmeQuickStartBuilds(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "\n## Quick start\n")
	if !ok {
		t.Fatal("README has no Quick start section")
	}
	_, rest, ok = strings.Cut(rest, "```go\n")
	code, _, closed := strings.Cut(rest, "\n```")
	if !ok || !closed || !strings.HasPrefix(code, "package main\n") {
		t.Fatalf("the Quick start section does not begin with a ```go block holding package main:\n%.200s", rest)
	}
	if out, err := buildSource(t, "readmequickstart", code+"\n"); err != nil {
		t.Fatalf("README's quick start does not build: %v\n%s", err, out)
	}
}
