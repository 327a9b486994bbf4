# The project's commands. README.md documents them; .ci/run calls `make ci`,
# which runs `make test`, the README's test command.
GO       ?= go
PKGS     := ./...
FUZZTIME ?= 10s

.PHONY: all generate check-generated test test-long test-newest lint lint-spec bench demo fuzz ci

all: lint test

## generate: regenerate gen/ from openapi/ (never edit gen/ by hand)
generate:
	$(GO) generate $(PKGS)

## check-generated: regenerate and fail if gen/ changed (stale or hand-edited)
check-generated:
	@tmp=$$(mktemp -d) && cp -R gen "$$tmp/gen" && \
	$(GO) generate $(PKGS) && \
	if ! diff -r "$$tmp/gen" gen >/dev/null; then \
		diff -ru "$$tmp/gen" gen | head -40; rm -rf "$$tmp"; \
		echo "gen/ is out of date with openapi/ (or was edited by hand): run 'make generate' and commit gen/"; exit 1; \
	fi; rm -rf "$$tmp"; echo "gen/ is in sync with openapi/"

## test: the fast suite with the race detector (-short: the long tests skip
## themselves), then check-generated
test:
	$(GO) test -race -short -count=1 $(PKGS)
	@$(MAKE) --no-print-directory check-generated

## test-long: the whole suite with the race detector, the long tests too
## (soak, thousand-caller herd, Redis outages and restarts); plain
## `go test ./...` runs the same tests
test-long:
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

## lint: gofmt, go vet and staticcheck (pinned in go.mod as a Go tool)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

## lint-spec: the OpenAPI document through Redocly's recommended rules and
## Spectral's spectral:oas, both to 0 errors and 0 warnings (needs npm; not
## part of ci, whose machines have Go alone)
REDOCLY  ?= @redocly/cli@2.77.0
SPECTRAL ?= @stoplight/spectral-cli@6.16.3
lint-spec:
	npx --yes $(REDOCLY) lint --extends recommended --max-problems 50 openapi/account-groups.yaml
	npx --yes $(SPECTRAL) lint -r openapi/.spectral.yaml --fail-severity hint openapi/account-groups.yaml

## bench: the benchmarks (benchstat-friendly, kept in bench.txt), then the facade/baseline ratios
BENCHCOUNT ?= 6
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) $(PKGS) | tee bench.txt
	$(GO) run ./internal/benchratio bench.txt

## demo: the client against the in-process sandbox, nothing to configure
demo:
	$(GO) run ./cmd/upvest demo

## test-newest: the tests on the newest Go release too (the go directive
## stays at the oldest supported one); the module proxy serves the toolchain
NEWEST_GO ?= go1.27.3

## fuzz: a short run of every fuzz target (seed corpora always run in `make test`).
## It runs on NEWEST_GO: Go 1.26's fuzz coordinator can fail a target with a
## bare "context deadline exceeded" at the -fuzztime boundary, no crasher
## written (golang/go#75804, fixed in Go 1.27); seen here once in a clean CI run.
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f"; \
			GOTOOLCHAIN=$(NEWEST_GO) $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s $$pkg || exit 1; \
		done; \
	done

test-newest:
	GOTOOLCHAIN=$(NEWEST_GO) $(GO) test -short -count=1 $(PKGS)

## ci: what .ci/run runs on a fresh machine
ci: lint test test-long test-newest fuzz
