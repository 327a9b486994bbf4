package httpsig

import (
	"crypto/ed25519"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// parseFirst is the first member of a signature-input header, or why it
// cannot be verified.
func parseFirst(h string) (*SignatureInput, error) {
	ins, err := ParseSignatureInput(h)
	if err != nil {
		return nil, err
	}
	return ins[0], ins[0].Problem
}

func TestParamsRoundTrip(t *testing.T) {
	p := Params{Names: []string{"@method", "@path", "upvest-client-id"}, KeyID: "key-1", Created: 1700000000, Expires: 1700000030, Nonce: "abc_-"}
	raw := string(AppendParams(nil, &p))
	want := `("@method" "@path" "upvest-client-id");keyid="key-1";created=1700000000;expires=1700000030;nonce="abc_-"`
	if raw != want {
		t.Fatalf("params = %s\nwant     %s", raw, want)
	}
	in, err := parseFirst("sig1=" + raw)
	if err != nil {
		t.Fatal(err)
	}
	if in.Label != "sig1" || in.Raw != raw || in.KeyID != p.KeyID || in.Created != p.Created || in.Expires != p.Expires || in.Nonce != p.Nonce || strings.Join(in.Names, ",") != strings.Join(p.Names, ",") {
		t.Fatalf("parsed %+v", in)
	}
}

// The @signature-params line repeats the member's text byte for byte, as
// Upvest signs it, not a re-serialisation: extra spaces in the inner list
// stay, the surrounding ones go.
func TestParseKeepsRawBytes(t *testing.T) {
	ins, err := ParseSignatureInput(`  a=("@method"   "@path" );created=1 ,b=("x");keyid="k\"q"  ,	c=()`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`("@method"   "@path" );created=1`, `("x");keyid="k\"q"`, `()`}
	for i, in := range ins {
		if in.Raw != want[i] {
			t.Errorf("member %d raw %q, want %q", i, in.Raw, want[i])
		}
	}
	if len(ins) != 3 || ins[1].KeyID != `k"q` {
		t.Fatalf("%d members, keyid %q", len(ins), ins[1].KeyID)
	}
}

// Component parameters (RFC 9421 §2.1): sf and bs are handled; the others
// make the member unusable with a reason naming the parameter
// (ErrComponentParam), not a malformed header.
func TestParseComponentParameters(t *testing.T) {
	in, err := parseFirst(`sig1=("@method" "content-digest";sf "accept";bs);keyid="k";created=1;expires=2`)
	if err != nil {
		t.Fatalf("sf and bs refused: %v", err)
	}
	if strings.Join(in.Names, " ") != "@method content-digest accept" || len(in.Flags) != 3 || in.Flags[0] != 0 || in.Flags[1] != SF || in.Flags[2] != BS {
		t.Fatalf("names %q flags %v", in.Names, in.Flags)
	}
	if got := string(AppendParams(nil, &in.Params)); !strings.HasPrefix(got, `("@method" "content-digest";sf "accept";bs);`) {
		t.Fatalf("serialised as %s", got)
	}
	refused := map[string]string{
		`"content-digest";key="sha-512"`: "dictionary members",
		`"@query-param";name="a"`:        "@query-param",
		`"content-type";req`:             "signed responses",
		`"content-type";tr`:              "trailer",
		`"accept";sf`:                    "structured type of accept",
		`"@method";bs`:                   "derived components",
		`"accept";foo=1`:                 ";foo",
	}
	for comp, reason := range refused {
		ins, err := ParseSignatureInput(`proxy=(` + comp + `);keyid="p", sig1=("@method");keyid="k"`)
		if err != nil {
			t.Fatalf("%s: the whole header refused: %v", comp, err)
		}
		if p := ins[0].Problem; !errors.Is(p, ErrComponentParam) || !strings.Contains(p.Error(), reason) || ins[0].KeyID != "p" {
			t.Errorf("%s: problem %v, want ErrComponentParam naming %q", comp, p, reason)
		}
		if ins[1].Problem != nil {
			t.Errorf("%s: the other member: %v", comp, ins[1].Problem)
		}
	}
	for _, comp := range []string{`"content-digest";sf;bs`, `"content-digest";sf=?0`, `"accept";bs=1`} {
		if _, err := parseFirst(`sig1=(` + comp + `)`); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", comp, err)
		}
	}
}

// What RFC 9651 does not allow is refused as malformed: a signed integer
// written with a plus, an upper-case dictionary key; and so is what RFC
// 9421 does not: a decimal time, an unquoted component, an upper-case
// component name, a component covered twice, a repeated label.
func TestParseRefusesMalformed(t *testing.T) {
	bad := map[string]string{
		"empty":                "",
		"created=+1":           `sig1=("@method");keyid="k";created=+1;expires=2`,
		"upper-case label":     `Sig1=("@method");keyid="k";created=1;expires=2`,
		"decimal created":      `sig1=("@method");keyid="k";created=1.5;expires=2`,
		"no label":             `=("@method");keyid="k"`,
		"no list":              `sig1=keyid="k"`,
		"bare member":          `sig1`,
		"unclosed list":        `sig1=("@method";keyid="k"`,
		"unquoted name":        `sig1=(@method);keyid="k"`,
		"unquoted keyid":       `sig1=("@method");keyid=k`,
		"created not int":      `sig1=("@method");created=soon`,
		"negative expires":     `sig1=("@method");expires=-1`,
		"unterminated":         `sig1=("@method");keyid="a`,
		"garbage after":        `sig1=("@method")x`,
		"label not a token":    `si g1=("@method")`,
		"upper-case component": `sig1=("Content-Type")`,
		"empty component":      `sig1=("")`,
		"component with space": `sig1=("content type")`,
		"covered twice":        `sig1=("@method" "@method")`,
		"repeated label":       `sig1=("@method");keyid="a", sig1=("@path");keyid="b"`,
		"non-ASCII keyid":      "sig1=(\"@method\");keyid=\"\xc3\xa9\"",
	}
	for name, h := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := parseFirst(h); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

// A quoted string may hold an escaped quote or backslash; AppendParams
// escapes them again.
func TestParseEscapedQuotes(t *testing.T) {
	h := `sig1=("@method");keyid="a\"b\\c";created=1;expires=2;nonce=""`
	in, err := parseFirst(h)
	if err != nil {
		t.Fatal(err)
	}
	if in.KeyID != `a"b\c` {
		t.Fatalf("keyid %q", in.KeyID)
	}
	if got := "sig1=" + string(AppendParams(nil, &in.Params)); got != h {
		t.Fatalf("serialised as %s", got)
	}
}

func TestParseSignature(t *testing.T) {
	sig, err := ParseSignature("other=:AAAA:, sig1=:aGVsbG8=:", "sig1")
	if err != nil || string(sig) != "hello" {
		t.Fatalf("got %q, %v", sig, err)
	}
	for _, h := range []string{"", "sig1=aGVsbG8=", "sig1=:!!:", "sig2=:aGVsbG8=:", "sig1=::", "sig1=:aGVsbG8=:;", "Sig1=:aGVsbG8=:", "sig1=(:aGVsbG8=:)"} {
		if _, err := ParseSignature(h, "sig1"); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseSignature(%q) err = %v, want ErrMalformed", h, err)
		}
	}
}

// A proxy's signature ahead of Upvest's: the member whose key id is known
// is verified, whatever the proxy's member holds.
func TestVerifyConsidersEveryMember(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	key := mustKey(t, priv)
	in := &Input{Style: V15, Components: []Component{{Name: "@method", Value: "GET"}, {Name: "@path", Value: "/account_groups"}},
		KeyID: "upvest", Created: 1700000000, Expires: 1700000030}
	input, sig, err := Sign(t.Context(), key, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	v := &Verification{Style: V15, Now: time.Unix(1700000001, 0),
		Key: func(kid string) (any, error) {
			if kid == "upvest" {
				return priv.Public(), nil
			}
			return nil, errors.New("no such key")
		}}
	for _, proxy := range []string{`("@method");keyid="proxy-key";created=1700000000`, `("@query-param";name="x");keyid="proxy-key"`, `()`} {
		req, _ := http.NewRequest(http.MethodGet, "https://api.example/account_groups", nil)
		req.Header.Add("Signature-Input", "proxy="+proxy)
		req.Header.Add("Signature-Input", strings.Replace(input, "sig1=", "upvest=", 1))
		req.Header.Set("Signature", `proxy=:AAAA:, `+strings.Replace(sig, "sig1=", "upvest=", 1))
		got, err := VerifyRequest(req, nil, v)
		if err != nil {
			t.Fatalf("proxy %s: refused: %v", proxy, err)
		}
		if got.Label != "upvest" || got.KeyID != "upvest" || len(got.Base) == 0 {
			t.Fatalf("verified %q (%q)", got.Label, got.KeyID)
		}
	}
	// With only unknown key ids, every one is named.
	req, _ := http.NewRequest(http.MethodGet, "https://api.example/account_groups", nil)
	req.Header.Set("Signature-Input", `a=("@method");keyid="one", b=("@method");keyid="two"`)
	req.Header.Set("Signature", `a=:AAAA:, b=:AAAA:`)
	if _, err := VerifyRequest(req, nil, v); !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), `"one"`) || !strings.Contains(err.Error(), `"two"`) {
		t.Fatalf("err = %v", err)
	}
	// The member with the known key id is judged on its own: a component
	// parameter it cannot use is the reason given.
	req.Header.Set("Signature-Input", `a=("@method");keyid="one", b=("content-digest";key="sha-512");keyid="upvest";created=1700000000;expires=1700000030`)
	if _, err := VerifyRequest(req, nil, v); !errors.Is(err, ErrComponentParam) || !strings.Contains(err.Error(), "dictionary members") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParseSignatureInput(f *testing.F) {
	f.Add(`sig1=("@method" "@path" "content-digest");keyid="k";created=1;expires=2;nonce="n"`)
	f.Add(`sig1=("@method");keyid="a,b";created=1, sig2=("x")`)
	f.Add(`x=()`)
	f.Add(`p=("content-digest";sf "accept";bs);keyid="a\"b";alg="ed25519", s=("@query-param";name="q")`)
	f.Fuzz(func(t *testing.T, h string) {
		ins, err := ParseSignatureInput(h)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			return
		}
		for _, in := range ins {
			if in.Problem != nil {
				if !errors.Is(in.Problem, ErrMalformed) && !errors.Is(in.Problem, ErrComponentParam) {
					t.Fatalf("untyped problem: %v", in.Problem)
				}
				continue
			}
			// What parses serialises back to something that parses the same.
			again, err := parseFirst(in.Label + "=" + string(AppendParams(nil, &in.Params)))
			if err != nil {
				t.Fatalf("re-parse of %q: %v", h, err)
			}
			if strings.Join(again.Names, " ") != strings.Join(in.Names, " ") || again.KeyID != in.KeyID || again.Created != in.Created ||
				again.Nonce != in.Nonce || again.Alg != in.Alg || string(AppendParams(nil, &again.Params)) != string(AppendParams(nil, &in.Params)) {
				t.Fatalf("round trip changed %+v into %+v", in.Params, again.Params)
			}
		}
	})
}

func FuzzParseSignature(f *testing.F) {
	f.Add("sig1=:aGVsbG8=:", "sig1")
	f.Add("a=:x:,b=:y:", "b")
	f.Fuzz(func(t *testing.T, h, label string) {
		sig, err := ParseSignature(h, label)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error not ErrMalformed: %v", err)
		}
		if err == nil && len(sig) == 0 {
			t.Fatal("empty signature accepted")
		}
	})
}

// A refusal names its reason once, then what is wrong.
func TestVerifyRefusalMessages(t *testing.T) {
	v := &Verification{Style: V15, Now: time.Unix(1700000001, 0), Key: func(string) (any, error) { return ed25519.PublicKey(make([]byte, 32)), nil }}
	for input, want := range map[string]string{
		`sig1=("@method");keyid="k";created=+1`:          `malformed signature header: signature-input is not a structured-field dictionary: `,
		`sig1=("Accept");keyid="k"`:                      `malformed signature header: signature-input sig1: component name "Accept" is not lower case`,
		`sig1=("@method");keyid="k";created=1;expires=2`: `malformed signature header: signature "sig1" is not a non-empty byte sequence`,
	} {
		req, _ := http.NewRequest(http.MethodGet, "https://api.example/", nil)
		req.Header.Set("Signature-Input", input)
		req.Header.Set("Signature", `sig1=()`)
		_, err := VerifyRequest(req, nil, v)
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Count(err.Error(), "malformed") != 1 {
			t.Errorf("%s: %v\nwant %s…", input, err, want)
		}
	}
}
