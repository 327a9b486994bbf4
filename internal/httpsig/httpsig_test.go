package httpsig

import (
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
	comps := []Component{{Name: "@method", Value: "POST"}, {Name: "content-type", Value: "application/json"}}
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
