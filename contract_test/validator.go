package contracttest

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// DefaultMaxBodyBytes bounds the bodies the adapters read to check.
const DefaultMaxBodyBytes = 8 << 20

// Options configure a Validator. The zero value checks strictly against the
// embedded document.
type Options struct {
	// Mode is Strict (the zero value) or Tolerant.
	Mode Mode
	// Document is an OpenAPI 3.0 document, YAML or JSON; nil means the
	// embedded openapi.Document. Its servers are ignored. Requests are
	// matched to operations on their method and path by the module's
	// table of operations (internal/routes, generated from the embedded
	// document): an operation of the table that Document lacks is a
	// KindRoute finding, and one Document adds is never matched.
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

// Validator checks exchanges against the document. Build it with New; the
// zero Validator is not usable. It is safe for concurrent use.
type Validator struct {
	mode      Mode
	doc       *openapi3.T
	ops       map[opKey]*routers.Route // the document's operations
	base      *url.URL
	issued    bool
	maxBody   int64
	schemaOpt []openapi3.SchemaValidationOption
	tokens    tokenBook
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
	doc, err := loadDocument(opts.Document)
	if err != nil {
		return nil, err
	}
	v := &Validator{
		mode: opts.Mode, doc: doc, ops: operations(doc), issued: opts.IssuedTokensOnly,
		maxBody: opts.MaxBodyBytes,
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

// options are openapi3filter's options for every check of v.
func (v *Validator) options() *openapi3filter.Options {
	return &openapi3filter.Options{
		IncludeResponseStatus:   true,
		MultiError:              true,
		SkipSettingDefaults:     true,
		AuthenticationFunc:      v.authenticate,
		SchemaValidationOptions: v.schemaOpt,
	}
}
