package contracttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// checker collects one exchange's findings.
type checker struct {
	v       *Validator
	res     *Result
	secrets []string // texts of this exchange never to show, longest first
	form    bool     // the request body is a form: all its values are secret
}

func (c *checker) add(f Finding) { c.res.Findings = append(c.res.Findings, f) }

// requestError turns what openapi3filter.ValidateRequest returned into
// findings.
func (c *checker) requestError(err error) {
	if me, ok := err.(openapi3.MultiError); ok {
		for _, e := range me {
			c.requestError(e)
		}
		return
	}
	var se *openapi3filter.SecurityRequirementsError
	if errors.As(err, &se) {
		var msgs []string
		for _, e := range se.Errors {
			if m := e.Error(); !slices.Contains(msgs, m) {
				msgs = append(msgs, m)
			}
		}
		c.add(Finding{Kind: KindSecurity, Part: PartHeader, Pointer: "authorization",
			Message: noRequirementMet + strings.Join(msgs, "; or ")})
		return
	}
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		c.add(Finding{Kind: KindSchema, Part: PartRoute, Message: err.Error()})
		return
	}
	switch {
	case re.Parameter != nil:
		p := re.Parameter
		part := Part(p.In)
		switch p.In {
		case openapi3.ParameterInHeader:
			part = PartHeader
		case openapi3.ParameterInQuery:
			part = PartQuery
		case openapi3.ParameterInPath:
			part = PartPath
		}
		name := p.Name
		if part == PartHeader {
			name = strings.ToLower(name)
		}
		value := c.paramValue(p, re.Input)
		c.leafError(re.Err, Finding{Part: part, Pointer: name}, func(any) string { return value }, re.Reason)
	case re.RequestBody != nil:
		c.bodyError(re.Reason, re.Err, false, c.form)
	default:
		c.add(Finding{Kind: KindSchema, Part: PartBody, Message: re.Error()})
	}
}

// dropDuplicateTokenFinding drops "no bearer token" when the missing
// authorization header is already reported as a missing parameter.
func (c *checker) dropDuplicateTokenFinding() {
	missing := slices.ContainsFunc(c.res.Findings, func(f Finding) bool {
		return f.Kind == KindRequired && f.Part == PartHeader && f.Pointer == "authorization"
	})
	if missing {
		c.res.Findings = slices.DeleteFunc(c.res.Findings, func(f Finding) bool {
			return f.Kind == KindSecurity && f.Message == noRequirementMet+errNoBearer
		})
	}
}

// paramValue renders a parameter's raw value, redacted unless it is a header
// that carries no secret.
func (c *checker) paramValue(p *openapi3.Parameter, in *openapi3filter.RequestValidationInput) string {
	if in == nil || in.Request == nil {
		return ""
	}
	var raw string
	var found bool
	switch p.In {
	case openapi3.ParameterInHeader:
		vals := in.Request.Header.Values(p.Name)
		raw, found = strings.Join(vals, ", "), len(vals) > 0
		if found && !publicHeader(p.Name) {
			return redacted
		}
	case openapi3.ParameterInQuery:
		vals, ok := in.Request.URL.Query()[p.Name]
		raw, found = strings.Join(vals, ","), ok
	case openapi3.ParameterInPath:
		raw, found = in.PathParams[p.Name]
	}
	if !found {
		return ""
	}
	return quote(raw)
}

// leafError adds the findings of one parameter or header error: schema
// errors one by one, a missing value, or a value that cannot be parsed.
func (c *checker) leafError(err error, at Finding, value func(any) string, reason string) {
	var schemaErrs []*openapi3.SchemaError
	collectSchemaErrors(err, &schemaErrs)
	if len(schemaErrs) > 0 {
		for _, se := range schemaErrs {
			f := at
			f.Kind, f.Message = schemaKind(se), schemaMessage(se)
			if f.Kind != KindRequired {
				f.Value = value(se.Value)
			}
			c.add(f)
		}
		return
	}
	f := at
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired), strings.HasSuffix(reason, "missing"):
		f.Kind, f.Message = KindRequired, "missing"
	case errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
		f.Kind, f.Message, f.Value = KindRequired, "empty", value(nil)
	default:
		f.Kind, f.Message, f.Value = KindDecode, "cannot be decoded as documented", value(nil)
	}
	c.add(f)
}

// responseHeaderError adds the findings of one documented response header.
func (c *checker) responseHeaderError(name string, h http.Header, err error) {
	at := Finding{Part: PartHeader, Pointer: strings.ToLower(name), Response: true}
	raw := strings.Join(h.Values(name), ", ")
	value := func(any) string {
		if !publicHeader(name) {
			return redacted
		}
		return quote(raw)
	}
	var re *openapi3filter.ResponseError
	reason := ""
	if errors.As(err, &re) {
		reason = re.Reason
	}
	c.leafError(err, at, value, reason)
}

// responseBodyError adds the findings of a response's content type and body.
func (c *checker) responseBodyError(err error, body []byte) {
	var re *openapi3filter.ResponseError
	if !errors.As(err, &re) {
		c.add(Finding{Kind: KindSchema, Part: PartBody, Response: true, Message: err.Error()})
		return
	}
	c.bodyError(re.Reason, re.Err, true, false)
}

var (
	reSchemaMismatch = regexp.MustCompile(`^(?:response |request )?body doesn't match schema`)
	reUnsupported    = regexp.MustCompile(`^property ("(?:[^"\\]|\\.)*") is unsupported$`)
)

// bodyError adds the findings of a body: content type, decoding, required,
// then schema errors one by one with their JSON pointers.
func (c *checker) bodyError(reason string, err error, response, form bool) {
	at := Finding{Part: PartBody, Response: response}
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired):
		at.Kind, at.Message = KindRequired, "the body is required"
		c.add(at)
		return
	case strings.Contains(reason, "Content-Type has unexpected value"):
		at.Kind, at.Part, at.Pointer = KindContentType, PartHeader, "content-type"
		at.Message = "content type is not a documented one"
		if i := strings.Index(reason, `"`); i >= 0 {
			if s, err := strconv.Unquote(reason[i:]); err == nil {
				at.Value = quote(s)
			}
		}
		c.add(at)
		return
	case strings.HasPrefix(reason, "failed to decode"):
		at.Kind, at.Message = KindDecode, "cannot decode the body: "+decodeCause(err)
		c.add(at)
		return
	}
	var schemaErrs []*openapi3.SchemaError
	collectSchemaErrors(err, &schemaErrs)
	if len(schemaErrs) == 0 {
		at.Kind, at.Message = KindSchema, reason
		if err != nil && !reSchemaMismatch.MatchString(reason) {
			at.Message = strings.TrimPrefix(reason+": "+decodeCause(err), ": ")
		}
		c.add(at)
		return
	}
	for _, se := range schemaErrs {
		f := at
		ptr := se.JSONPointer()
		f.Kind, f.Message = schemaKind(se), schemaMessage(se)
		value := se.Value
		if f.Kind == KindUnknownProperty {
			if m := reUnsupported.FindStringSubmatch(se.Reason); m != nil {
				if name, err := strconv.Unquote(m[1]); err == nil {
					ptr = append(ptr, name)
					if obj, ok := se.Value.(map[string]any); ok {
						value = obj[name]
					}
					f.Message = "property is not in the document"
				}
			}
		}
		f.Pointer = pointer(ptr)
		switch {
		case f.Kind == KindRequired:
		case form || secretPath(ptr):
			f.Value = redacted
		default:
			f.Value = render(value)
		}
		c.add(f)
	}
}

const noRequirementMet = "no security requirement met: "

// collectSchemaErrors flattens err into its schema errors.
func collectSchemaErrors(err error, out *[]*openapi3.SchemaError) {
	if err == nil {
		return
	}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		for _, e := range me {
			collectSchemaErrors(e, out)
		}
		return
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		*out = append(*out, se)
	}
}

func schemaKind(se *openapi3.SchemaError) Kind {
	switch se.SchemaField {
	case "required":
		return KindRequired
	case "type", "nullable":
		return KindType
	case "format":
		return KindFormat
	case "pattern":
		return KindPattern
	case "enum":
		return KindEnum
	case "properties", "additionalProperties":
		if reUnsupported.MatchString(se.Reason) {
			return KindUnknownProperty
		}
	}
	return KindSchema
}

func schemaMessage(se *openapi3.SchemaError) string {
	if se.Reason != "" {
		return se.Reason
	}
	return fmt.Sprintf("does not match the schema's %q", se.SchemaField)
}

// decodeCause describes why a body or value could not be decoded, without
// quoting it (openapi3filter's ParseError shows the value).
func decodeCause(err error) string {
	var pe *openapi3filter.ParseError
	if errors.As(err, &pe) {
		root := pe.RootCause()
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(root, &syn):
			return fmt.Sprintf("not JSON: %s at byte %d", syn.Error(), syn.Offset)
		case errors.As(root, &typ):
			return "not JSON of the documented type"
		case errors.Is(root, io.ErrUnexpectedEOF), errors.Is(root, io.EOF):
			return "not JSON: unexpected end"
		case pe.Reason != "":
			return pe.Reason
		}
		return "not in the documented encoding"
	}
	if err == nil {
		return "unknown reason"
	}
	return "not in the documented encoding"
}

// pointer renders a path as an RFC 6901 JSON pointer.
func pointer(path []string) string {
	var b strings.Builder
	for _, s := range path {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(s))
	}
	return b.String()
}

// redacted stands for a value never shown.
const redacted = "[redacted]"

// publicHeader lists the headers whose values carry no secret and may be
// shown in findings; every other header's value is redacted.
func publicHeader(name string) bool {
	switch strings.ToLower(name) {
	case "content-type", "accept", "upvest-request-id", "retry-after", "idempotency-key",
		"upvest-api-version", "upvest-signature-version", "upvest-client-id":
		return true
	}
	return false
}

// secretPath reports whether a body value sits under a name that may hold
// a secret.
func secretPath(path []string) bool {
	for _, s := range path {
		s = strings.ToLower(s)
		for _, w := range []string{"token", "secret", "password", "signature", "authorization", "credential"} {
			if strings.Contains(s, w) {
				return true
			}
		}
	}
	return false
}

// maxValue bounds a rendered value, in bytes.
const maxValue = 80

// render JSON-encodes a value, shortened.
func render(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	return shorten(string(b))
}

func quote(s string) string { return shorten(strconv.Quote(s)) }

func shorten(s string) string {
	if len(s) <= maxValue {
		return s
	}
	cut := maxValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// secretsOf lists the texts of an exchange that findings must never show:
// the bearer token, the signature headers, every form field value (the
// client secret) and an issued access token, in the forms they may take
// in a rendered value.
func secretsOf(ex Exchange) []string {
	var raw []string
	if h := ex.Request.Header; h != nil {
		for _, name := range []string{"Authorization", "Signature", "Signature-Input"} {
			for _, v := range h.Values(name) {
				raw = append(raw, v)
				if tok, ok := strings.CutPrefix(v, "Bearer "); ok {
					raw = append(raw, tok)
				}
			}
		}
		if isForm(h.Get("Content-Type")) {
			if form, err := url.ParseQuery(string(ex.RequestBody)); err == nil {
				for _, vals := range form {
					raw = append(raw, vals...)
				}
			}
		}
	}
	var tok struct {
		AccessToken  any `json:"access_token"`
		RefreshToken any `json:"refresh_token"`
	}
	if ex.Response != nil && json.Unmarshal(ex.ResponseBody, &tok) == nil {
		for _, t := range []any{tok.AccessToken, tok.RefreshToken} {
			if s, ok := t.(string); ok {
				raw = append(raw, s)
			}
		}
	}
	var out []string
	for _, s := range raw {
		if len(s) < 4 { // too short to be a secret, too common to scrub
			continue
		}
		js, _ := json.Marshal(s)
		q := strconv.Quote(s)
		for _, form := range []string{s, string(js[1 : len(js)-1]), q[1 : len(q)-1], url.QueryEscape(s)} {
			if !slices.Contains(out, form) {
				out = append(out, form)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// scrub replaces every secret of the exchange in s, and a secret cut by
// shortening (its first 16 bytes or more at the end of s).
func (c *checker) scrub(s string) string {
	for _, sec := range c.secrets {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	if body, ok := strings.CutSuffix(s, "…"); ok {
		for _, sec := range c.secrets {
			for n := len(sec) - 1; n >= 8; n-- {
				if strings.HasSuffix(body, sec[:n]) {
					return body[:len(body)-n] + redacted + "…"
				}
			}
		}
	}
	return s
}
