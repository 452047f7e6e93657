# liqmap: `make serve` runs the app, `make test` runs every test,
# `make bench` prints every measured figure as `KIND name key=value`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

PORT ?= 8080
WASM := --target wasm32-unknown-unknown

.PHONY: serve test bench tools lint unit build build-e2e build-proxied e2e proxy-test

tools:
	@.ci/install-tools

serve: tools
	@echo "liqmap: building, then serving at http://127.0.0.1:$(PORT)/"
	trunk serve --release --address 127.0.0.1 --port $(PORT)

lint:
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --bin liqmap $(WASM) -- -D warnings
	cargo clippy --bin liqmap $(WASM) --features test-hooks -- -D warnings
	cargo clippy --bin engine_worker --no-default-features $(WASM) -- -D warnings

unit:
	cargo test --release

# What visitors download.
build:
	trunk build --release

# The same page with the hooks the browser tests and bench scripts call
# (feature test-hooks), where the harness serves it from.
build-e2e:
	trunk build --release --features test-hooks --dist target/e2e-dist

# The page built against the CORS proxy on loopback for Bybit and OKX, for
# the browser test tests/e2e/proxy.test.mjs (which starts the worker on
# PROXY_TEST_PORT). Its own cargo target dir: the proxy URLs are compiled
# in, and sharing target/ would rebuild the crate at every switch.
PROXY_TEST_PORT ?= 18787
build-proxied:
	CARGO_TARGET_DIR=target/proxied LIQMAP_PROXY_ALLOW_LOOPBACK=1 \
	LIQMAP_PROXY_BYBIT=http://127.0.0.1:$(PROXY_TEST_PORT)/bybit \
	LIQMAP_PROXY_OKX=http://127.0.0.1:$(PROXY_TEST_PORT)/okx \
	trunk build --release --dist target/dist-proxied

e2e:
	cd tests/e2e && node --test --test-concurrency=1 ./*.test.mjs

# The CORS proxy (proxy/): its rules, the worker in workerd against fixture
# exchanges, and the allowlist against every request the app sends.
proxy-test:
	cd proxy && node --test --test-concurrency=1 test/*.test.mjs

test: tools lint unit build build-e2e build-proxied e2e proxy-test

bench: tools build build-e2e
	@node tests/bench/size.mjs
	@cargo bench --bench engine >/dev/null 2>&1
	@node tests/bench/criterion.mjs
	@cargo bench --bench net 2>/dev/null | grep -E '^NET '
	@cargo test --release --test accuracy -- --nocapture 2>/dev/null | grep -E '^ACCURACY '
	@cargo test --release --test measured -- --nocapture 2>/dev/null | grep -E '^(NET|ACCURACY) '
	@node tests/e2e/bench.mjs
	@node tests/e2e/soak.mjs
	@node proxy/bench/viral.mjs
