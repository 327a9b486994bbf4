package contracttest

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// checkResponse checks the status, then each documented header, then the
// content type and body, each with openapi3filter on a route holding just
// that part, so one bad header does not hide the body's findings.
func (v *Validator) checkResponse(c *checker, in *openapi3filter.RequestValidationInput, resp *http.Response, body []byte) {
	status := resp.StatusCode
	responses := in.Route.Operation.Responses
	ref := responses.Status(status)
	if ref == nil {
		ref = responses.Default()
	}
	if ref == nil || ref.Value == nil {
		documented := slices.Sorted(maps.Keys(responses.Map()))
		c.add(Finding{Kind: KindStatus, Part: PartStatus, Response: true, Value: fmt.Sprint(status),
			Message: fmt.Sprintf("not documented for %s (documented: %s)", in.Route.Operation.OperationID, strings.Join(documented, ", "))})
		return
	}
	header := resp.Header
	if header == nil {
		header = http.Header{}
	}
	response := ref.Value
	names := make([]string, 0, len(response.Headers))
	for name := range response.Headers {
		if !strings.EqualFold(name, "Content-Type") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		part := &openapi3.Response{Headers: openapi3.Headers{name: response.Headers[name]}}
		if err := v.validatePart(in, status, header, nil, part); err != nil {
			c.responseHeaderError(name, header, err)
		}
	}
	if len(response.Content) == 0 {
		return
	}
	ct := header.Get("Content-Type")
	if response.Content.Get(ct) == nil {
		documented := slices.Sorted(maps.Keys(response.Content))
		c.add(Finding{Kind: KindContentType, Part: PartHeader, Pointer: "content-type", Response: true, Value: quote(ct),
			Message: fmt.Sprintf("content type is not the documented %s", strings.Join(documented, " or "))})
		return
	}
	if int64(len(body)) > v.maxBody {
		c.add(v.tooLarge(true))
		return
	}
	part := &openapi3.Response{Content: response.Content}
	if err := v.validatePart(in, status, header, body, part); err != nil {
		c.responseBodyError(err, body)
	}
}

// validatePart runs openapi3filter.ValidateResponse against a route whose
// operation documents status with part alone.
func (v *Validator) validatePart(in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte, part *openapi3.Response) error {
	route := *in.Route
	route.Operation = &openapi3.Operation{
		OperationID: in.Route.Operation.OperationID,
		Responses:   openapi3.NewResponses(openapi3.WithStatus(status, &openapi3.ResponseRef{Value: part})),
	}
	rin := *in
	rin.Route = &route
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: &rin, Status: status, Header: header, Options: v.options()}
	out.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), out)
}
