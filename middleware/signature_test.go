package middleware

import (
	"context"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/upvest-go/upvest/gen"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./middleware -run Golden -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestSignatureGolden(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gid := openapi_types.UUID{}
	_ = gid.UnmarshalText([]byte(testGroupID))
	uid := openapi_types.UUID{}
	_ = uid.UnmarshalText([]byte(testUserID))
	limit, offset := gen.Limit(2), gen.Offset(4)
	calls := []struct {
		name string
		call func(c *gen.Client) (*http.Response, error)
	}{
		{"get-without-query", func(c *gen.Client) (*http.Response, error) { return c.GetAccountGroup(ctx, gid) }},
		{"get-with-query", func(c *gen.Client) (*http.Response, error) {
			return c.ListAccountGroups(ctx, &gen.ListAccountGroupsParams{Limit: &limit, Offset: &offset})
		}},
		{"post-with-body", func(c *gen.Client) (*http.Response, error) {
			return c.CreateAccountGroup(ctx, gen.AccountGroupCreateRequest{UserID: uid, Type: gen.AccountGroupTypePersonal}, IdempotencyKeyEditor(testIdemKey))
		}},
	}
	for _, keyFile := range []string{"ec-sec1.pem", "ed25519-pkcs8.pem"} {
		for _, c := range calls {
			t.Run(keyFile+"/"+c.name, func(t *testing.T) {
				r := newRig(t, keyFile)
				resp, err := c.call(r.client)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				s := r.api.all()[0]
				base, err := verifySent(s, r.key.Public())
				if err != nil {
					t.Fatalf("signature: %v\nbase:\n%s", err, base)
				}
				if keyFile == "ec-sec1.pem" {
					golden(t, c.name, "signature-input: "+s.req.Header.Get("Signature-Input")+"\n\n"+base+"\n")
				}
				// The token call that preceded it is signed too.
				tok := r.token.all()[0]
				tbase, err := verifySent(tok, r.key.Public())
				if err != nil {
					t.Fatalf("token request signature: %v", err)
				}
				if keyFile == "ec-sec1.pem" && c.name == "get-without-query" {
					golden(t, "token-request", "signature-input: "+tok.req.Header.Get("Signature-Input")+"\n\n"+tbase+"\n")
				}
			})
		}
	}
}

// Tampering one covered header or one body byte breaks the signature.
func TestTamperingBreaksSignature(t *testing.T) {
	t.Parallel()
	for _, keyFile := range []string{"ec-sec1.pem", "ed25519-pkcs8.pem"} {
		t.Run(keyFile, func(t *testing.T) {
			r := newRig(t, keyFile)
			uid := openapi_types.UUID{}
			_ = uid.UnmarshalText([]byte(testUserID))
			resp, err := r.client.CreateAccountGroup(context.Background(), gen.AccountGroupCreateRequest{UserID: uid, Type: gen.AccountGroupTypePersonal}, IdempotencyKeyEditor(""))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			orig := r.api.all()[0]
			if _, err := verifySent(orig, r.key.Public()); err != nil {
				t.Fatalf("untampered request fails: %v", err)
			}
			tamper := map[string]func(s *sent){
				"idempotency-key":  func(s *sent) { s.req.Header.Set("Idempotency-Key", NewIdempotencyKey()) },
				"upvest-client-id": func(s *sent) { s.req.Header.Set("Upvest-Client-Id", "00000000-0000-4000-8000-000000000000") },
				"authorization":    func(s *sent) { s.req.Header.Set("Authorization", "Bearer other") },
				"accept":           func(s *sent) { s.req.Header.Set("Accept", "text/html") },
				"method":           func(s *sent) { s.req.Method = "PUT" },
				"path":             func(s *sent) { s.req.URL.Path = "/account_groups/x" },
				"one body byte":    func(s *sent) { s.body[len(s.body)/2] ^= 1 },
				"body and digest": func(s *sent) {
					s.body[len(s.body)/2] ^= 1
					s.req.Header.Set("Content-Digest", contentDigestOf(s.body))
				},
			}
			for name, f := range tamper {
				t.Run(name, func(t *testing.T) {
					s := sent{req: orig.req.Clone(context.Background()), body: append([]byte(nil), orig.body...)}
					f(&s)
					if _, err := verifySent(s, r.key.Public()); err == nil {
						t.Fatal("tampered request still verifies")
					}
				})
			}
		})
	}
}
