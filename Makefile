# kgitops developer targets. `make test` is what CI runs (.ci/run).

VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/kgitops/kgitops/cmd/kgitops/cli.Version=$(VERSION)

.PHONY: all build test test-fake lint demo bench soak broker-start broker-stop broker-status

all: lint build test

## build: bin/kgitops, stamped with the git version
build:
	go build -trimpath -ldflags "$(LDFLAGS)" -o bin/kgitops ./cmd/kgitops

## test: the whole suite against kfake and a real Apache Kafka broker (started and stopped here)
test:
	internal/testbroker/test.sh test

## test-fake: the suite against kfake only, no broker
test-fake:
	env -u KGITOPS_TEST_KAFKA -u KGITOPS_REQUIRE_REAL_KAFKA go test -race -count=1 $(GOTESTFLAGS) ./...

## lint: gofmt and go vet
lint:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	go vet ./...

## demo: run the built-in demo
demo:
	go run ./cmd/kgitops demo

## bench: reconcile benchmarks (one iteration each) against kfake and the real broker
bench:
	internal/testbroker/test.sh bench

## soak: kgitops run for KGITOPS_SOAK (30m) on 5,000 topics with drift and pushes, on a fresh
## broker of its own (ports 19110-19115); the summary goes to bin/soak-report.md
soak:
	internal/testbroker/test.sh soak

## broker-start / broker-stop / broker-status: the test broker for humans;
## then: eval "$$(internal/testbroker/broker.sh env)" && go test ./...
broker-start:
	internal/testbroker/broker.sh start
	@echo; echo 'For tests in this shell: eval "$$(internal/testbroker/broker.sh env)"'

broker-stop:
	internal/testbroker/broker.sh stop

broker-status:
	internal/testbroker/broker.sh status
