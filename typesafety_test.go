package upvest_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// A string does not compile where the facade takes an id or an enumeration:
// each snippet is built (go build with an overlay: a package that exists
// only for the build) and must fail with the compiler's message; the
// control, the same calls written right, must build, so a broken harness
// cannot pass for a type error.
func TestStringsDoNotCompileAsIDsOrEnums(t *testing.T) {
	t.Parallel()
	control := `c.CreateAccountGroup(ctx, uuid.New(), upvest.TypePersonal)
	c.WaitForAccountGroup(ctx, uuid.New(), []upvest.AccountGroupStatus{upvest.StatusActive})
	c.ListAccountGroups(ctx, &upvest.ListParams{Order: upvest.Descending})
	c.GetAccountGroup(ctx, uuid.New())`
	tests := []struct {
		name, call string
		want       string // a regular expression for the compiler's message; "" builds
	}{
		{"control", control, ""},
		{"type literal", `c.CreateAccountGroup(ctx, uuid.New(), "BUSINESS")`, `cannot use "BUSINESS" \(untyped string constant\) as \S*AccountGroupType value`},
		{"status literal", `c.WaitForAccountGroup(ctx, uuid.New(), []upvest.AccountGroupStatus{"ACTIVE"})`, `cannot use "ACTIVE" \(untyped string constant\) as \S*AccountGroupStatus value`},
		{"order literal", `c.ListAccountGroups(ctx, &upvest.ListParams{Order: "DESC"})`, `cannot use "DESC" \(untyped string constant\) as \S*SortOrder value`},
		{"one enumeration as another", `c.CreateAccountGroup(ctx, uuid.New(), upvest.AccountGroupType(upvest.StatusActive))`, `cannot convert upvest.StatusActive \(variable of struct type \S*AccountGroupStatus\) to type \S*AccountGroupType`},
		{"id as text", `c.GetAccountGroup(ctx, "9d95820d-4333-46b6-98de-04ab7512e76f")`, `cannot use "9d95820d-4333-46b6-98de-04ab7512e76f" \(untyped string constant\) as \S*UUID value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := "package snippet\n\nimport (\n\t\"context\"\n\n\t\"github.com/google/uuid\"\n\n\t\"github.com/upvest-go/upvest\"\n)\n\n" +
				"func _(ctx context.Context, c *upvest.Client) {\n\t" + tt.call + "\n}\n"
			out, err := buildSource(t, "typesafetysnippet", code)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("the control does not build: %v\n%s", err, out)
			case tt.want != "" && err == nil:
				t.Fatalf("%s compiles; want: %s", tt.call, tt.want)
			case tt.want != "" && !regexp.MustCompile(tt.want).Match(out):
				t.Fatalf("build failed, but not with %q:\n%s", tt.want, out)
			}
		})
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
