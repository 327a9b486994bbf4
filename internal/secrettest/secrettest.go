// Package secrettest finds secrets in text a test captured (errors, logs,
// printed values), in every encoding a secret takes on its way through
// HTTP, JSON and fmt. It is for tests only and deliberately independent of
// the redaction code it checks: it spells each encoding out with the
// standard library.
package secrettest

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Hostile is a client secret with every character that changes under some
// encoding: + / = & % space, a quote, a backslash and non-ASCII letters.
const Hostile = `hold+out/sec=ret&100% sure "ünï\cødé"`

// Forms returns secret as it may appear in text: raw, URL query and path
// escaped (upper and lower case hex, + or %20 for space), JSON string
// escaped (with and without HTML escaping, non-ASCII as \u escapes), Go
// quoted, as a byte list (fmt of a []byte), hex and base64.
func Forms(secret string) []string {
	b := []byte(secret)
	forms := []string{
		secret,
		url.QueryEscape(secret),
		url.PathEscape(secret),
		strings.ReplaceAll(url.QueryEscape(secret), "+", "%20"),
		strconv.Quote(secret)[1 : len(strconv.Quote(secret))-1],
		strconv.QuoteToASCII(secret)[1 : len(strconv.QuoteToASCII(secret))-1],
		fmt.Sprint(b)[1 : len(fmt.Sprint(b))-1],
		hex.EncodeToString(b),
		base64.StdEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b),
	}
	forms = append(forms, lowerHex(url.QueryEscape(secret)), lowerHex(url.PathEscape(secret)))
	js, _ := json.Marshal(secret)
	forms = append(forms, string(js[1:len(js)-1]), jsonNoHTML(secret), jsonASCII(secret))
	return dedupe(forms)
}

// BasicForms returns the base64 of id:secret (HTTP Basic credentials), both
// raw and with id and secret form-encoded first as RFC 6749 §2.3.1 asks.
func BasicForms(id, secret string) []string {
	return dedupe([]string{
		base64.StdEncoding.EncodeToString([]byte(id + ":" + secret)),
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret))),
	})
}

// Leaks returns a masked description of each form of each secret that
// occurs in text. Forms shorter than 6 bytes are ignored (they would match
// by chance).
func Leaks(text string, secrets ...string) []string {
	var found []string
	for _, s := range secrets {
		for _, f := range Forms(s) {
			if len(f) >= 6 && strings.Contains(text, f) {
				found = append(found, fmt.Sprintf("a form of a secret (%d bytes, starting %.3q…)", len(f), f))
			}
		}
	}
	return found
}

// Contains reports whether text holds any of the exact strings given,
// each of 6 bytes or more: for forms computed by the caller (BasicForms).
func Contains(text string, forms ...string) bool {
	for _, f := range forms {
		if len(f) >= 6 && strings.Contains(text, f) {
			return true
		}
	}
	return false
}

func lowerHex(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			b.WriteString(strings.ToLower(s[i : i+3]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func jsonNoHTML(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	out := strings.TrimSpace(b.String())
	return out[1 : len(out)-1]
}

// jsonASCII escapes every non-ASCII rune as \uXXXX (surrogate pairs beyond
// the BMP), as some JSON encoders do.
func jsonASCII(s string) string {
	inner := jsonNoHTML(s)
	var b strings.Builder
	for _, r := range inner {
		switch {
		case r < utf8.RuneSelf:
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

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
