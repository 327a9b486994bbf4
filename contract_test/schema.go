package contracttest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// CheckSchema checks a JSON document against the component schema name
// (for example "WebhookEnvelope" or "AccountGroupEvent", to check a webhook
// delivery's body): its findings have Part body, Path
// "#/components/schemas/<name>", and the Validator's mode. An unknown
// schema name is an error.
func (v *Validator) CheckSchema(name string, body []byte) ([]Finding, error) {
	var ref *openapi3.SchemaRef
	if v.doc.Components != nil {
		ref = v.doc.Components.Schemas[name]
	}
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("contracttest: the document has no schema %q", name)
	}
	res := Result{Path: "#/components/schemas/" + name}
	c := &checker{mode: v.mode, res: &res}
	var value any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil {
		c.add(Finding{Kind: KindDecode, Part: PartBody, Message: "cannot decode the body: not JSON"})
	} else if dec.More() {
		c.add(Finding{Kind: KindDecode, Part: PartBody, Message: "cannot decode the body: more than one JSON value"})
	} else if err := ref.Value.VisitJSON(value, append([]openapi3.SchemaValidationOption{openapi3.MultiErrors()}, v.schemaOpt...)...); err != nil {
		c.bodyError("", err, false, false)
	}
	c.finish() // no secrets to scrub: the body is the caller's
	return res.Findings, nil
}
