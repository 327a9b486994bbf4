// Package redact removes the client secret from text the module reports:
// token-exchange errors, answers' bodies kept in errors. It knows the
// encodings a server may echo the secret in. Its functions are safe for
// concurrent use.
package redact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Redacted replaces a secret wherever the module prints or reports text.
const Redacted = "[redacted]"

// secretForms lists the encodings in which a token endpoint may echo the
// client secret: raw, URL-escaped (query form with + or %20 for a space,
// path form), JSON- and Go-escaped (non-ASCII as is or as \u escapes), and
// HTTP Basic credentials of id:secret (plain, and form-encoded first as
// RFC 6749 §2.3.1 asks). scrub matches them ignoring ASCII case, so
// lower-case percent or \u escapes are found too.
func secretForms(id, secret string) []string {
	if secret == "" {
		return nil
	}
	q := url.QueryEscape(secret)
	quoted, ascii := strconv.Quote(secret), strconv.QuoteToASCII(secret)
	js, _ := json.Marshal(secret)
	forms := []string{
		secret, q, strings.ReplaceAll(q, "+", "%20"), url.PathEscape(secret),
		quoted[1 : len(quoted)-1], ascii[1 : len(ascii)-1], string(js[1 : len(js)-1]),
		jsonEscape(secret, false), jsonEscape(secret, true),
		base64.StdEncoding.EncodeToString([]byte(id + ":" + secret)),
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + q)),
		base64.StdEncoding.EncodeToString([]byte(secret)),
	}
	// Longest first, so a form containing another is replaced whole.
	for i := 1; i < len(forms); i++ {
		for j := i; j > 0 && len(forms[j]) > len(forms[j-1]); j-- {
			forms[j], forms[j-1] = forms[j-1], forms[j]
		}
	}
	return forms
}

// jsonEscape escapes s as a JSON string body without HTML escaping; with
// ascii, every non-ASCII rune becomes a \u escape (surrogate pairs beyond
// the BMP).
func jsonEscape(s string, ascii bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r < utf8.RuneSelf || !ascii:
			b.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// Scrub replaces every occurrence of each form in s, ignoring ASCII case,
// with Redacted.
func Scrub(s string, forms []string) string {
	for _, f := range forms {
		if f == "" {
			continue
		}
		lower, lf := asciiLower(s), asciiLower(f)
		if !strings.Contains(lower, lf) {
			continue
		}
		var b strings.Builder
		for {
			i := strings.Index(lower, lf)
			if i < 0 {
				b.WriteString(s)
				break
			}
			b.WriteString(s[:i])
			b.WriteString(Redacted)
			s, lower = s[i+len(f):], lower[i+len(f):]
		}
		s = b.String()
	}
	return s
}

// asciiLower lower-cases ASCII letters only, byte by byte, so every byte
// offset in the result is the same offset in s, whatever s holds (invalid
// UTF-8 included).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Forms are the forms of the secret to scrub from what a server reports:
// secretForms, and each of them Go-quoted (as %q
// renders it), since x/oauth2 and encoding/json quote the answer's text
// they could not parse (the secret JSON-escaped, then quoted).
func Forms(id, secret string) []string {
	forms := secretForms(id, secret)
	seen := make(map[string]bool, 3*len(forms))
	out := make([]string, 0, 3*len(forms))
	for _, f := range forms {
		q, a := strconv.Quote(f), strconv.QuoteToASCII(f)
		for _, g := range []string{f, q[1 : len(q)-1], a[1 : len(a)-1]} {
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	// Longest first, so a form containing another is replaced whole.
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
