package contracttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// reSchemaMismatch matches openapi3filter's reason for a body that breaks
// its schema; reUnsupported its reason for a property the schema does not
// declare, the property's name quoted.
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

// schemaKind is the Kind of a schema error, from the schema field it breaks.
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

// schemaMessage says what a schema error is, without its value.
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
