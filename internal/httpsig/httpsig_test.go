package httpsig

import (
	"errors"
	"strings"
	"testing"
)

func TestDigestVectors(t *testing.T) {
	tests := []struct {
		body, v15, v6 string
	}{
		{`{"hello": "world"}`,
			"sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
			"SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="},
		{`{"key": "value"}`,
			"sha-512=:Hd9/AvGZkbjitW1+Ml8Fg1ux1mtcDYe6mLQjDyoowIWa3LM/PmwN2v9O+MjtQGrCA3EQWUL54dlgxKHyYbrucw==:",
			"SHA-256=lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U="},
	}
	for _, tt := range tests {
		if got := ContentDigest([]byte(tt.body)); got != tt.v15 {
			t.Errorf("ContentDigest(%s) = %s, want %s", tt.body, got, tt.v15)
		}
		if got := LegacyDigest([]byte(tt.body)); got != tt.v6 {
			t.Errorf("LegacyDigest(%s) = %s, want %s", tt.body, got, tt.v6)
		}
	}
}

func TestBaseStyles(t *testing.T) {
	comps := []Component{{"@method", "POST"}, {"content-type", "application/json"}}
	params := `("@method" "content-type");keyid="k";created=1;expires=2;nonce="n"`
	v15 := string(AppendBase(nil, V15, comps, params))
	want15 := "\"@method\": POST\n\"content-type\": application/json\n\"@signature-params\": " + params
	if v15 != want15 {
		t.Errorf("v15 base:\n%s\nwant:\n%s", v15, want15)
	}
	v6 := string(AppendBase(nil, V6, comps, params))
	want6 := "@method: POST\ncontent-type: application/json\n@signature-params: " + params
	if v6 != want6 {
		t.Errorf("v6 base:\n%s\nwant:\n%s", v6, want6)
	}
}

func TestParamsRoundTrip(t *testing.T) {
	p := Params{Names: []string{"@method", "@path", "upvest-client-id"}, KeyID: "key-1", Created: 1700000000, Expires: 1700000030, Nonce: "abc_-"}
	raw := string(AppendParams(nil, &p))
	want := `("@method" "@path" "upvest-client-id");keyid="key-1";created=1700000000;expires=1700000030;nonce="abc_-"`
	if raw != want {
		t.Fatalf("params = %s\nwant     %s", raw, want)
	}
	in, err := ParseSignatureInput("sig1=" + raw)
	if err != nil {
		t.Fatal(err)
	}
	if in.Label != "sig1" || in.Raw != raw || in.KeyID != p.KeyID || in.Created != p.Created || in.Expires != p.Expires || in.Nonce != p.Nonce || strings.Join(in.Names, ",") != strings.Join(p.Names, ",") {
		t.Fatalf("parsed %+v", in)
	}
}

func TestParseSignatureInputErrors(t *testing.T) {
	bad := map[string]string{
		"empty":             "",
		"no label":          `=("@method");keyid="k"`,
		"no list":           `sig1=keyid="k"`,
		"unclosed list":     `sig1=("@method";keyid="k"`,
		"unquoted name":     `sig1=(@method);keyid="k"`,
		"unquoted keyid":    `sig1=("@method");keyid=k`,
		"created not int":   `sig1=("@method");created=soon`,
		"negative expires":  `sig1=("@method");expires=-1`,
		"duplicate param":   `sig1=("@method");keyid="a";keyid="b"`,
		"unterminated":      `sig1=("@method");keyid="a`,
		"garbage after":     `sig1=("@method")x`,
		"param no value":    `sig1=("@method");keyid`,
		"label not a token": `si g1=("@method")`,
	}
	for name, h := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseSignatureInput(h); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestParseSignature(t *testing.T) {
	sig, err := ParseSignature("other=:AAAA:, sig1=:aGVsbG8=:", "sig1")
	if err != nil || string(sig) != "hello" {
		t.Fatalf("got %q, %v", sig, err)
	}
	for _, h := range []string{"", "sig1=aGVsbG8=", "sig1=:!!:", "sig2=:aGVsbG8=:", "sig1=::"} {
		if _, err := ParseSignature(h, "sig1"); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseSignature(%q) err = %v, want ErrMalformed", h, err)
		}
	}
}

func FuzzParseSignatureInput(f *testing.F) {
	f.Add(`sig1=("@method" "@path" "content-digest");keyid="k";created=1;expires=2;nonce="n"`)
	f.Add(`sig1=("@method");keyid="a,b";created=1, sig2=("x")`)
	f.Add(`x=()`)
	f.Fuzz(func(t *testing.T, h string) {
		in, err := ParseSignatureInput(h)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			return
		}
		// Whatever parses must serialise back to something that parses the same.
		again, err := ParseSignatureInput(in.Label + "=" + string(AppendParams(nil, &in.Params)))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", h, err)
		}
		if strings.Join(again.Names, " ") != strings.Join(in.Names, " ") || again.KeyID != in.KeyID || again.Created != in.Created || again.Nonce != in.Nonce {
			t.Fatalf("round trip changed %+v into %+v", in.Params, again.Params)
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
