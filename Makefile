# liqmap: `make serve` runs the app, `make test` runs every test,
# `make bench` prints every measured figure as `KIND name key=value`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

PORT ?= 8080
WASM := --target wasm32-unknown-unknown

.PHONY: serve test bench tools lint unit build e2e

tools:
	@.ci/install-tools

serve: tools
	@echo "liqmap: building, then serving at http://127.0.0.1:$(PORT)/"
	trunk serve --release --address 127.0.0.1 --port $(PORT)

lint:
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --bin liqmap $(WASM) -- -D warnings
	cargo clippy --bin engine_worker --no-default-features $(WASM) -- -D warnings

unit:
	cargo test --release

build:
	trunk build --release

e2e:
	cd tests/e2e && node --test --test-concurrency=1 ./*.test.mjs

test: tools lint unit build e2e

bench: tools build
	@node tests/bench/size.mjs
	@cargo bench --bench engine >/dev/null 2>&1
	@node tests/bench/criterion.mjs
	@cargo bench --bench net 2>/dev/null | grep -E '^NET '
	@cargo test --release --test accuracy -- --nocapture 2>/dev/null | grep -E '^ACCURACY '
	@node tests/e2e/bench.mjs
	@node tests/e2e/soak.mjs
