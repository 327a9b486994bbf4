package contracttest

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// noRequirementMet begins the message of a security finding.
const noRequirementMet = "no security requirement met: "

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
