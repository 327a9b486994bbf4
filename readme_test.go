package upvest_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
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

// buildSource builds code as the only file of package internal/<pkg> of
// this module, a package that exists only for the build (go build
// -overlay), and returns the go command's output.
func buildSource(t *testing.T, pkg, code string) ([]byte, error) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds code with the go command")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(code), 0o600); err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(root, "internal", pkg, "main.go"): src}})
	ov := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "build", "-o", os.DevNull, "-overlay", ov, "./internal/"+pkg)
	cmd.Dir = root
	return cmd.CombinedOutput()
}
