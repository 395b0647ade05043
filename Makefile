# The README's two commands are `go run ./cmd/web` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
FUZZTIME ?= 5s

.PHONY: test check generate fuzz e2e-deps run stub screenshots bench

## test: everything CI runs: static checks, unit and contract tests (with a real
## redis-server and a real kube-apiserver and etcd, installed or built when missing),
## then the browser tests on their own (so no compile competes with Chromium), then
## short fuzzing
test: check
	eval "$$(scripts/test-deps.sh)"; eval "$$(scripts/envtest-deps.sh)"; $(GO) test -race -count=1 $$($(GO) list ./... | grep -v '/e2e$$')
	eval "$$(scripts/test-deps.sh)"; eval "$$(scripts/e2e-deps.sh)"; eval "$$(scripts/envtest-deps.sh)"; E2E_REQUIRED=1 $(GO) test -race -count=1 ./e2e
	$(MAKE) fuzz

## check: formatting, generated files, vet, staticcheck
check:
	@unformatted=$$(gofmt -l $$(find . -name '*.go' -not -path './.cache/*')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## generate: regenerate templ output (committed)
generate:
	$(GO) tool templ generate

## fuzz: a short run of each fuzz target
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime $(FUZZTIME) ./internal/saname
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeAccount$$' -fuzztime $(FUZZTIME) ./apiclient
	$(GO) test -run '^$$' -fuzz '^FuzzParseView$$' -fuzztime $(FUZZTIME) ./internal/form
	$(GO) test -run '^$$' -fuzz '^FuzzParseActivity$$' -fuzztime $(FUZZTIME) ./internal/form
	$(GO) test -run '^$$' -fuzz '^FuzzParseDelivery$$' -fuzztime $(FUZZTIME) ./internal/form
	$(GO) test -run '^$$' -fuzz '^FuzzName$$' -fuzztime $(FUZZTIME) ./internal/rotation
	$(GO) test -run '^$$' -fuzz '^FuzzParsePolicy$$' -fuzztime $(FUZZTIME) ./internal/automation

## bench: every speed figure of the README's Performance section in one
## run: the Go benchmark pairs (render against json.Marshal, tolerant
## against plain decode), then loadbench against the stub with 1000
## accounts (list page, fragments, 20 clients, bytes and elements per row)
## and Lighthouse at 1000 and 30 accounts. Not part of `make test`: speed
## is measured here, never asserted in tests.
BENCH_OUT := .cache/bench
bench:
	mkdir -p $(BENCH_OUT)
	$(GO) test -run '^$$' -bench 'Pair$$' -benchtime 2s -count 1 ./views ./apiclient | tee $(BENCH_OUT)/gobench.txt
	eval "$$(scripts/envtest-deps.sh)"; $(GO) test -run '^$$' -bench 'Controller1000' -benchtime 1x ./internal/automation | tee $(BENCH_OUT)/controller.txt
	$(GO) build -o $(BENCH_OUT)/web ./cmd/web
	eval "$$(scripts/e2e-deps.sh)"; eval "$$(scripts/bench-deps.sh)"; eval "$$(scripts/envtest-deps.sh)"; \
	  $(GO) run ./cmd/loadbench -dashboard $(BENCH_OUT)/web -gobench $(BENCH_OUT)/gobench.txt -delivery \
	    -lighthouse "$$BENCH_LIGHTHOUSE" -chromium "$$E2E_CHROMIUM" | tee $(BENCH_OUT)/report.md

## screenshots: refresh the README's pictures from the browser tests
screenshots:
	eval "$$(scripts/e2e-deps.sh)"; eval "$$(scripts/envtest-deps.sh)"; E2E_REQUIRED=1 $(GO) test -count=1 -run 'TestSignInWithAccessKey|TestAccountLifecycle|TestDetailsPage|TestErrorsShownInPlace|TestAccessibility|TestSearchFilterSort|TestBulkActions|TestCredentialHandover|TestAccountAccess|TestRotation|TestAccountHistory|TestDeliverToKubernetes|TestHandOverInTheBrowser|TestAutomationInTheBrowser' ./e2e
	mkdir -p docs/screenshots
	cp e2e/artifacts/signin.png e2e/artifacts/accounts.png e2e/artifacts/created-js.png \
	   e2e/artifacts/confirm-delete-js.png e2e/artifacts/details.png e2e/artifacts/create-error-js.png \
	   e2e/artifacts/accounts-dark.png e2e/artifacts/accounts-narrow.png e2e/artifacts/search-js.png \
	   e2e/artifacts/bulk-confirm-js.png e2e/artifacts/handover-js.png e2e/artifacts/access-js.png e2e/artifacts/rotation-js.png \
	   e2e/artifacts/history-js.png e2e/artifacts/deliver-form-js.png e2e/artifacts/delivered-js.png \
	   e2e/artifacts/held-js.png e2e/artifacts/rotation-readers-js.png e2e/artifacts/automation-js.png docs/screenshots/

## run: the dashboard in demo mode
run:
	$(GO) run ./cmd/web

## stub: the stub Run:ai API alone
stub:
	$(GO) run ./cmd/runai-stub --addr 127.0.0.1:9090 --admin-token dev-token --seed 30
