package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/upvest-go/upvest/openapi"
)

// Mode selects what counts as a violation.
type Mode int

const (
	// Strict: every deviation is a Violation, unknown properties and enum
	// values included. The zero Mode.
	Strict Mode = iota
	// Tolerant: unknown properties and enum values are Drift; everything
	// else is a Violation.
	Tolerant
)

func (m Mode) String() string {
	if m == Tolerant {
		return "tolerant"
	}
	return "strict"
}

// DefaultMaxBodyBytes bounds the bodies the adapters read to check.
const DefaultMaxBodyBytes = 8 << 20

// Options configure a Validator. The zero value checks strictly against the
// embedded document.
type Options struct {
	// Mode is Strict (the zero value) or Tolerant.
	Mode Mode
	// Document is an OpenAPI 3.0 document, YAML or JSON; nil means the
	// embedded openapi.Document. Its servers are ignored: requests are
	// matched on their method and path.
	Document []byte
	// BaseURL, when set, is the API's base URL: RoundTripper checks only
	// requests to its scheme and host (others pass unchecked), and both
	// adapters strip its path before matching an operation. Empty: every
	// request is checked, its path as is.
	BaseURL string
	// IssuedTokensOnly makes a bearer token this Validator did not see the
	// token endpoint issue a Violation. Set it when every exchange, the
	// token calls included, passes through the Validator (as they do
	// through a RoundTripper under upvest.Config.HTTPClient). Without it an
	// unknown token is accepted if present and well formed; the scopes of
	// a token the Validator saw issued are always checked.
	IssuedTokensOnly bool
	// MaxBodyBytes bounds the request and response bodies the adapters read
	// to check; a larger body passes unchanged and is reported as a
	// KindDecode violation. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Validator checks exchanges against the document. It is safe for
// concurrent use.
type Validator struct {
	mode      Mode
	doc       *openapi3.T
	ops       map[opKey]*routers.Route // the document's operations
	base      *url.URL
	issued    bool
	maxBody   int64
	schemaOpt []openapi3.SchemaValidationOption

	mu     sync.Mutex
	tokens map[string][]string // access tokens seen issued, with their scopes
}

// uuidPattern accepts any RFC 9562 UUID in its text form (kin-openapi's
// RFC 4122 pattern refuses versions 6 to 8). kin-openapi checks format:
// uuid only when told to.
const uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

// New loads and validates the document, adds additionalProperties: false to
// every object schema that declares properties, and builds a Validator. A
// document kin-openapi cannot load or finds invalid is an error carrying
// kin-openapi's message.
func New(opts Options) (*Validator, error) {
	src := opts.Document
	if src == nil {
		src = openapi.Document
	}
	doc, err := openapi3.NewLoader().LoadFromData(src)
	if err != nil {
		return nil, fmt.Errorf("contracttest: loading the document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contracttest: invalid document: %w", err)
	}
	doc.Servers = nil // match on method and path only
	closeObjects(doc)
	v := &Validator{
		mode: opts.Mode, doc: doc, ops: operations(doc), issued: opts.IssuedTokensOnly,
		maxBody: opts.MaxBodyBytes, tokens: map[string][]string{},
		schemaOpt: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(uuidPattern)),
			openapi3.DisableSchemaErrorDetails(), // no values in messages
		},
	}
	if v.maxBody <= 0 {
		v.maxBody = DefaultMaxBodyBytes
	}
	if opts.BaseURL != "" {
		u, err := url.Parse(opts.BaseURL)
		if err != nil || u.Host == "" {
			return nil, errors.New("contracttest: BaseURL is not an absolute URL")
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		v.base = u
	}
	return v, nil
}

// Mode returns the Validator's mode.
func (v *Validator) Mode() Mode { return v.mode }

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

// Exchange is one request and, unless it got none, its response.
type Exchange struct {
	// Request is the request as sent: method, URL and header are read,
	// its Body is not (give it as RequestBody). It is not modified.
	Request     *http.Request
	RequestBody []byte
	// Response is the response, nil when there was none (a lost answer):
	// its StatusCode and Header are read, its Body is not (give it as
	// ResponseBody). It is not modified.
	Response     *http.Response
	ResponseBody []byte
}

// Check checks one exchange and returns its findings, in the order: route,
// request, response status, response headers (sorted by name), response
// body. It never panics on what a server or client sends.
func (v *Validator) Check(ex Exchange) Result {
	req := ex.Request
	var res Result
	if req == nil || req.URL == nil {
		res.Findings = []Finding{{Kind: KindRoute, Part: PartRoute, Message: "no request to check"}}
		return res
	}
	res.Method, res.Path = req.Method, req.URL.Path
	if ex.Response != nil {
		res.Status = ex.Response.StatusCode
	}
	c := &checker{v: v, res: &res, secrets: secretsOf(ex)}
	c.form = isForm(req.Header.Get("Content-Type"))
	v.check(c, ex)
	for i := range res.Findings {
		f := &res.Findings[i]
		f.Operation, f.Method, f.Path, f.Status = res.Operation, res.Method, res.Path, res.Status
		if v.mode == Tolerant && (f.Kind == KindUnknownProperty || f.Kind == KindEnum) {
			f.Severity = Drift
		}
		f.Value = c.scrub(f.Value)
		f.Message = c.scrub(f.Message)
		f.Pointer = c.scrub(f.Pointer) // a server may name a property after a secret
	}
	return res
}

func (v *Validator) check(c *checker, ex Exchange) {
	req := ex.Request
	view := req.Clone(context.Background())
	view.URL.Path = v.relPath(req.URL.Path)
	view.URL.RawPath = ""
	view.Body = io.NopCloser(bytes.NewReader(ex.RequestBody))
	view.ContentLength = int64(len(ex.RequestBody))
	view.GetBody = nil
	if view.Header == nil {
		view.Header = http.Header{}
	}
	route, params, msg := v.findRoute(req.Method, view.URL.Path)
	if route == nil {
		c.add(Finding{Kind: KindRoute, Part: PartRoute, Message: msg})
		return
	}
	c.res.Operation = route.Operation.OperationID
	in := &openapi3filter.RequestValidationInput{Request: view, PathParams: params, Route: route, Options: v.options()}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		c.requestError(err)
		c.dropDuplicateTokenFinding()
	}
	if ex.Response == nil {
		return
	}
	v.checkResponse(c, in, ex.Response, ex.ResponseBody)
	if c.res.Operation == "requestToken" && ex.Response.StatusCode == http.StatusOK {
		v.learnToken(ex.RequestBody, ex.ResponseBody)
	}
}

// relPath strips the base URL's path.
func (v *Validator) relPath(p string) string {
	if v.base != nil && v.base.Path != "" {
		if rest, ok := strings.CutPrefix(p, v.base.Path); ok && (rest == "" || rest[0] == '/') {
			return rest
		}
	}
	return p
}

// ours reports whether an outgoing request goes to the API (BaseURL).
func (v *Validator) ours(req *http.Request) bool {
	return v.base == nil || (req.URL.Host == v.base.Host && req.URL.Scheme == v.base.Scheme)
}

func (v *Validator) options() *openapi3filter.Options {
	return &openapi3filter.Options{
		IncludeResponseStatus:   true,
		MultiError:              true,
		SkipSettingDefaults:     true,
		AuthenticationFunc:      v.authenticate,
		SchemaValidationOptions: v.schemaOpt,
	}
}

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
		var documented []string
		for code := range responses.Map() {
			documented = append(documented, code)
		}
		slices.Sort(documented)
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
		var documented []string
		for t := range response.Content {
			documented = append(documented, t)
		}
		slices.Sort(documented)
		c.add(Finding{Kind: KindContentType, Part: PartHeader, Pointer: "content-type", Response: true, Value: quote(ct),
			Message: fmt.Sprintf("content type is not the documented %s", strings.Join(documented, " or "))})
		return
	}
	if int64(len(body)) > v.maxBody {
		c.add(Finding{Kind: KindDecode, Part: PartBody, Response: true,
			Message: fmt.Sprintf("body larger than %d bytes: not checked", v.maxBody)})
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

// authenticate checks that a bearer token is there and, for a token this
// Validator saw issued, that it holds the scopes of the requirement.
func (v *Validator) authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	scheme := in.SecurityScheme
	if scheme == nil || scheme.Type != "oauth2" && !(scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "bearer")) {
		return fmt.Errorf("security scheme %q is not supported by this validator", in.SecuritySchemeName)
	}
	auth := in.RequestValidationInput.Request.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return errors.New(errNoBearer)
	}
	v.mu.Lock()
	scopes, known := v.tokens[token]
	v.mu.Unlock()
	if !known {
		if v.issued {
			return errors.New("bearer token was not issued by the token endpoint through this validator")
		}
		return nil
	}
	for _, need := range in.Scopes {
		if !slices.Contains(scopes, need) {
			return fmt.Errorf("bearer token lacks scope %s", need)
		}
	}
	return nil
}

// learnToken remembers an access token the token endpoint issued, with its
// scopes (the answer's, else the request's).
func (v *Validator) learnToken(reqBody, respBody []byte) {
	var tok struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	if json.Unmarshal(respBody, &tok) != nil || tok.AccessToken == "" {
		return
	}
	scope := tok.Scope
	if scope == "" {
		if form, err := url.ParseQuery(string(reqBody)); err == nil {
			scope = form.Get("scope")
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.tokens) >= 1<<14 { // a long run: forget the oldest ones wholesale
		clear(v.tokens)
	}
	v.tokens[tok.AccessToken] = strings.Fields(scope)
}

func isForm(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded")
}

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
	c := &checker{v: v, res: &res}
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
	for i := range res.Findings {
		f := &res.Findings[i]
		f.Path = res.Path
		if v.mode == Tolerant && (f.Kind == KindUnknownProperty || f.Kind == KindEnum) {
			f.Severity = Drift
		}
	}
	return res.Findings, nil
}

const errNoBearer = "no bearer token"
