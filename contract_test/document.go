package contracttest

import (
	"context"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/upvest-go/upvest/openapi"
)

// loadDocument loads src (nil: the embedded openapi.Document), validates
// it, drops its servers and closes its object schemas (closeObjects). Its
// errors carry kin-openapi's message.
func loadDocument(src []byte) (*openapi3.T, error) {
	if src == nil {
		src = openapi.Document
	}
	doc, err := openapi3.NewLoader().LoadFromData(src)
	if err != nil {
		return nil, fmt.Errorf("contracttest: loading the document: %w", err)
	}
	// Examples are checked here, before the schemas are closed.
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contracttest: invalid document: %w", err)
	}
	doc.Servers = nil // requests are matched on method and path only
	closeObjects(doc)
	return doc, nil
}

// closeObjects sets additionalProperties: false on every object schema that
// declares properties and leaves additionalProperties unset. Free-form
// objects (no properties) stay open.
func closeObjects(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			no := false
			s.AdditionalProperties.Has = &no
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
		walk(s.Not)
		for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, r := range list {
				walk(r)
			}
		}
	}
	if doc.Components != nil {
		for _, s := range doc.Components.Schemas {
			walk(s)
		}
		for _, r := range doc.Components.Responses {
			if r.Value != nil {
				for _, mt := range r.Value.Content {
					walk(mt.Schema)
				}
			}
		}
		for _, rb := range doc.Components.RequestBodies {
			if rb.Value != nil {
				for _, mt := range rb.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
			for _, r := range op.Responses.Map() {
				if r.Value != nil {
					for _, mt := range r.Value.Content {
						walk(mt.Schema)
					}
				}
			}
		}
	}
}
