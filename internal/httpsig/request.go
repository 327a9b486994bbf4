package httpsig

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/dunglas/httpsfv"
)

// SignatureBase rebuilds the signature base of member in from r: the
// components it covers, then its raw parameters.
func SignatureBase(r *http.Request, style Style, in *SignatureInput) ([]byte, error) {
	comps, err := RequestComponents(r, &in.Params)
	if err != nil {
		return nil, err
	}
	return AppendBase(make([]byte, 0, 1024), style, comps, in.Raw), nil
}

// RequestComponents returns the values of the components p covers, read
// from req as sent or received: derived components from the method and URL,
// fields from the header of that name (several lines joined by ", ";
// content-length falls back to req.ContentLength), re-serialised for ;sf
// and wrapped line by line for ;bs. A component the request lacks is an
// error wrapping ErrMissing, a ;sf field that does not parse one wrapping
// ErrMalformed, both as a *VerifyError.
func RequestComponents(req *http.Request, p *Params) ([]Component, error) {
	comps := make([]Component, 0, len(p.Names))
	for i, n := range p.Names {
		var v string
		ok := true
		switch n {
		case "@method":
			v = req.Method
		case "@path":
			v = req.URL.EscapedPath()
			if v == "" {
				v = "/"
			}
		case "@query":
			v, ok = "?"+req.URL.RawQuery, req.URL.RawQuery != ""
		case "@authority":
			v = req.Host
			if v == "" {
				v = req.URL.Host
			}
			ok = v != ""
		case "@target-uri":
			v = req.URL.String()
		default:
			vals := fieldLines(req, n)
			ok = len(vals) > 0
			var err error
			if v, err = fieldValue(n, vals, p.flag(i)); err != nil {
				return comps, err
			}
		}
		if !ok {
			return comps, refuse(ErrMissing, "signature-input covers %q but the request has no such component", n)
		}
		comps = append(comps, Component{Name: n, Value: v, Flags: p.flag(i)})
	}
	return comps, nil
}

// fieldLines returns the lines of header field n.
func fieldLines(req *http.Request, n string) []string {
	vals := req.Header.Values(n)
	if len(vals) == 0 && n == "content-length" && req.ContentLength >= 0 && (req.ContentLength > 0 || req.Body != nil) {
		vals = []string{strconv.FormatInt(req.ContentLength, 10)}
	}
	if n == "host" && len(vals) == 0 && req.Host != "" {
		vals = []string{req.Host}
	}
	return vals
}

// fieldValue is the component value of field n's lines (RFC 9421 §2.1).
func fieldValue(n string, vals []string, f Flags) (string, error) {
	switch {
	case len(vals) == 0:
		return "", nil
	case f&SF != 0:
		d, err := httpsfv.UnmarshalDictionary(vals)
		if err == nil {
			var s string
			if s, err = httpsfv.Marshal(d); err == nil {
				return s, nil
			}
		}
		return "", refuse(ErrMalformed, "%s is covered with ;sf but is not a structured-field dictionary: %v", n, err)
	case f&BS != 0:
		var b []byte
		for i, line := range vals {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, ':')
			b = base64.StdEncoding.AppendEncode(b, []byte(strings.Trim(line, " \t")))
			b = append(b, ':')
		}
		return string(b), nil
	}
	return strings.Join(vals, ", "), nil
}
