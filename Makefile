# The two commands a new user runs: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

DEMO_PORT ?= 8080

.PHONY: demo test build release bench lint clean

demo:
	scripts/install-deps.sh && swift build -c release --product aisle && .build/release/aisle demo --port $(DEMO_PORT)

test:
	scripts/install-deps.sh && swift build --build-tests && swift test --skip-build

build:
	swift build

release:
	swift build -c release --product aisle

bench:
	scripts/bench.sh

lint:
	scripts/check-layers.sh

clean:
	rm -rf .build aisle-data aisle-demo-data
