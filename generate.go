package upvest

// The generated models, client and server interfaces in gen/ come from the
// hand-maintained document in openapi/. Never edit gen/ by hand: change the
// document and run `go generate ./...` (or `make generate`).

//go:generate go tool oapi-codegen -config openapi/codegen-models.yaml openapi/account-groups.yaml
//go:generate go tool oapi-codegen -config openapi/codegen-client.yaml openapi/account-groups.yaml
//go:generate go tool oapi-codegen -config openapi/codegen-server.yaml openapi/account-groups.yaml
//go:generate go run ./internal/tablegen -o gen/operations.gen.go openapi/account-groups.yaml
