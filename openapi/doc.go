// Package openapi holds the hand-maintained OpenAPI 3.0.3 document of the
// Upvest account-groups API that the rest of the module is generated from and
// validated against.
//
// The document is embedded so that tools (the sandbox, the scope generator,
// the contract tests) read exactly the bytes in this folder. Nothing on the
// client's request path parses it.
package openapi

import _ "embed"

// Document is the OpenAPI document, account-groups.yaml, byte for byte.
// Treat it as read-only.
//
//go:embed account-groups.yaml
var Document []byte
