// Package contracttest checks HTTP exchanges with the Upvest Investment API
// against its OpenAPI document (openapi/account-groups.yaml, embedded), with
// kin-openapi's openapi3filter, so that services embedding the client can
// run the same contract check in their own tests that this module runs in
// its own.
//
// The directory is contract_test, as the design names it; the package is
// contracttest:
//
//	import contracttest "github.com/upvest-go/upvest/contract_test"
//
// # What is checked
//
// A Validator checks one exchange at a time (Check) and returns findings.
// It matches the request to an operation with the module's one table of
// operations (internal/routes, compiled from gen.Operations, which
// internal/tablegen writes from the document), the same table the client
// and the sandbox use, then hands kin-openapi that operation of the loaded
// document and the path's parameters. A finding names the operation,
// where (request or response; status, a header, a query or path
// parameter, the body), a JSON pointer into the body, the offending value
// and a Kind. For a request: the operation exists, its parameters and
// transport headers (signature, signature-input, upvest-client-id,
// idempotency-key, …) have their documented shapes, a bearer token is there
// (and, when this Validator saw the token endpoint issue it, holds the scopes
// the operation needs), and the body matches its schema. For a response: the
// status is documented for the operation, the documented headers
// (upvest-request-id, retry-after) match their schemas, the content type is
// the documented one (application/problem+json for errors, so JSON where
// problem+json is due is caught) and the body matches its schema, formats
// uuid and date-time included.
//
// # Strict and tolerant
//
// The document sets no additionalProperties: false. New adds it, at load,
// to every object schema that declares properties, so unknown properties are
// found in both modes. In Strict mode (the zero Mode) every finding is a
// Violation. In Tolerant mode an unknown property or an unknown enum value
// is Drift, as Upvest's versioning policy asks clients to accept added
// fields and values; everything else is still a Violation. Tolerant is for
// checking a live API against the hand-maintained document (the CLI's
// `upvest contract check`); Strict is for tests against a fake or the
// sandbox, which should answer exactly what the document says.
//
// # Adapters
//
// RoundTripper validates what a client sends and receives: put it under
// upvest.Config.HTTPClient in a test, and it sees the final signed requests
// (token calls included) and the raw responses. Handler does the same
// around a server: a service's own fake of Upvest, or the sandbox.
// Transport and Handler (the functions) build a Strict Validator on the
// embedded document and report to a testing.TB: violations with Errorf,
// drift with Logf, one line each. The validated request and response reach
// their destination unchanged; a finding never blocks an exchange.
//
//	func TestMyService(t *testing.T) {
//		sb, _ := sandbox.Start(sandbox.Config{}, sandbox.P521)
//		defer sb.Close()
//		c := sb.Credentials
//		client, _ := upvest.New(upvest.Config{BaseURL: sb.URL, ClientID: c.ClientID,
//			ClientSecret: c.ClientSecret, KeyID: c.KeyID, PrivateKeyPEM: c.PrivateKeyPEM,
//			HTTPClient: &http.Client{Transport: contracttest.Transport(t, nil)}})
//		// … exercise your service; every exchange is checked
//	}
//
// # Secrets
//
// Findings never hold a secret. Header values are shown only for headers
// that carry none (content-type, upvest-request-id, idempotency-key, …);
// authorization, signature and every other header show [redacted], as do
// the fields of a form body (the token request's client_secret) and body
// values under a name holding token, secret, password or signature. Any
// text of a finding is also scrubbed of the exchange's bearer token,
// signature, client secret and issued access token.
//
// Report to a testing.TB only while its test runs: close clients and
// servers using an adapter before the test returns.
//
// # Files
//
// Loading: validator.go holds Options and New, which builds a Validator;
// document.go loads and validates the document and closes its object
// schemas; mode.go holds Mode and the one rule of Tolerant mode.
//
// Checking: route.go matches a request to an operation; check.go holds
// Exchange, Check (the request) and the checker that collects and
// finishes findings; response.go checks the answer; schema.go checks a
// document against a component schema (CheckSchema).
//
// Tokens: token.go authenticates bearer tokens and learns the ones the
// token endpoint issues.
//
// Findings: finding.go holds Finding, Kind, Part, Severity and Result;
// convert.go turns kin-openapi's request, parameter and header errors into
// findings, convert_body.go its body and schema errors; render.go renders
// values shortened.
//
// Scrubbing: scrub.go keeps secrets out of findings (which headers are
// public, which body names are secret, the exchange's secrets, scrub).
//
// Adapters: roundtripper.go and handler.go are the two adapters; limit.go
// bounds the bodies they read; report.go reports to a testing.TB (ReportTo,
// Transport, Handler); recorder.go keeps Results (Recorder).
package contracttest
