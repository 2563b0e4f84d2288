# The two commands a new user runs: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

DEMO_PORT ?= 8080

.PHONY: demo test build release bench lint fuzz clean models dist

demo:
	scripts/install-deps.sh && scripts/fetch-models.sh && swift build -c release --product aisle && .build/release/aisle demo --port $(DEMO_PORT)

test:
	scripts/install-deps.sh && scripts/fetch-models.sh && swift build --build-tests && swift test --skip-build

# The text encoder's weights (docs/TEXT.md), into models/ (gitignored).
models:
	scripts/fetch-models.sh

build:
	swift build

release:
	swift build -c release --product aisle

# A tarball with the binary, its resources and the encoder's weights, for machines without Swift.
dist:
	scripts/install-deps.sh && scripts/fetch-models.sh && scripts/dist.sh

bench:
	scripts/bench.sh

# Style (swift-format, with .swift-format) and the layer rules (scripts/check-layers.sh).
lint:
	swift format lint --strict --recursive Sources Tests Examples && scripts/check-layers.sh

# schemathesis against the served OpenAPI document, admin and ingest key (after make test).
fuzz:
	scripts/fuzz-api.sh

clean:
	rm -rf .build .build-dist dist aisle-data aisle-demo-data
