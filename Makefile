# The two commands a new user runs: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

DEMO_PORT ?= 8080

.PHONY: demo test build release bench lint fuzz clean models dist browser-test test-llm

demo:
	scripts/install-deps.sh && scripts/fetch-models.sh && swift build -c release --product aisle && .build/release/aisle demo --port $(DEMO_PORT)

# A crash prints its backtrace without waiting for a terminal and without the image list, and a
# hung run stops after 40 minutes instead of holding CI to its limit.
test:
	scripts/install-deps.sh && scripts/fetch-models.sh && swift build --build-tests && \
	SWIFT_BACKTRACE=interactive=no,threads=all,registers=crashed,images=none,limit=40 \
	timeout --kill-after=30s 40m swift test --skip-build && \
	timeout --kill-after=30s 20m scripts/test-e2e-postgres.sh && \
	timeout --kill-after=30s 15m scripts/browser-tests.sh

# The assistant against a real local language model (SmolLM2-135M-Instruct served by
# llama-cpp-python, built from source on first use: about 5 minutes). Opt-in; docs/ASSISTANT.md.
test-llm:
	scripts/install-deps.sh && scripts/fetch-models.sh && scripts/test-llm.sh

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

# The storefront and dashboard in headless Chromium (after swift build; part of make test).
browser-test:
	scripts/browser-tests.sh

# schemathesis against the served OpenAPI document, admin and ingest key (after make test).
fuzz:
	scripts/fuzz-api.sh

clean:
	rm -rf .build .build-dist dist aisle-data aisle-demo-data
