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
// A Validator checks one exchange at a time (Check) and returns findings:
// the operation, where (request or response; status, a header, a query or
// path parameter, the body), a JSON pointer into the body, the offending
// value and a Kind. For a request: the operation exists, its parameters and
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
package contracttest
