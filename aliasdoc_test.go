package upvest_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/upvest-go/upvest"
	"github.com/upvest-go/upvest/webhook"
)

// structAliases are the aliases of generated structs the packages export,
// by package directory and name.
var structAliases = map[string]map[string]reflect.Type{
	".": {
		"AccountGroup":     reflect.TypeFor[upvest.AccountGroup](),
		"AccountGroupUser": reflect.TypeFor[upvest.AccountGroupUser](),
		"AccountGroupPage": reflect.TypeFor[upvest.AccountGroupPage](),
		"ListMeta":         reflect.TypeFor[upvest.ListMeta](),
	},
	"webhook": {
		"AccountGroupEvent": reflect.TypeFor[webhook.AccountGroupEvent](),
	},
}

// go doc shows no fields for an alias, so each alias of a generated struct
// lists them in its doc: every field of the struct must be named there,
// and every such alias must be in structAliases.
func TestAliasDocsNameEveryField(t *testing.T) {
	t.Parallel()
	genStructs := map[string]bool{}
	for _, spec := range typeSpecs(t, "gen") {
		if _, ok := spec.spec.Type.(*ast.StructType); ok {
			genStructs[spec.spec.Name.Name] = true
		}
	}
	for dir, want := range structAliases {
		found := map[string]bool{}
		for _, s := range typeSpecs(t, dir) {
			sel, ok := s.spec.Type.(*ast.SelectorExpr)
			if !s.spec.Assign.IsValid() || !ok || sel.X.(*ast.Ident).Name != "gen" || !genStructs[sel.Sel.Name] {
				continue
			}
			name := s.spec.Name.Name
			rt, listed := want[name]
			if !listed {
				t.Errorf("%s: %s aliases the struct gen.%s but is not in structAliases", dir, name, sel.Sel.Name)
				continue
			}
			found[name] = true
			for i := range rt.NumField() {
				field := rt.Field(i).Name
				if !regexp.MustCompile(`\b` + field + `\b`).MatchString(s.doc) {
					t.Errorf("%s: the doc of %s does not name field %s:\n%s", dir, name, field, s.doc)
				}
			}
		}
		for name := range want {
			if !found[name] {
				t.Errorf("%s: no alias %s of a generated struct", dir, name)
			}
		}
	}
}

type typeSpec struct {
	spec *ast.TypeSpec
	doc  string // as go doc shows it
}

// typeSpecs returns the exported type declarations of the package in dir
// (test files left out) with their doc text.
func typeSpecs(t *testing.T, dir string) []typeSpec {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, "example.com/"+dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []typeSpec
	for _, typ := range p.Types {
		for _, s := range typ.Decl.Specs {
			if ts := s.(*ast.TypeSpec); ts.Name.Name == typ.Name {
				out = append(out, typeSpec{spec: ts, doc: typ.Doc})
			}
		}
	}
	return out
}
