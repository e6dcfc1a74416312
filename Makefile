# Keyward: `make run` serves the app (SQLite, no database server needed);
# `make test` runs everything CI runs. Tools are installed on first use by scripts/.

SHELL := /usr/bin/env bash
export LEPTOS_OUTPUT_NAME := keyward
CARGO_TARGET_DIR ?= target
export CARGO_TARGET_DIR
SERVER_BIN := $(CARGO_TARGET_DIR)/release/server
TEST_POSTGRES_URL ?= postgres://postgres:postgres@127.0.0.1:5432/postgres

.PHONY: run dev build test bench fuzz fmt-check clippy test-rust test-postgres test-sqlite \
        api-schema e2e tools system node clean

## run: build the release site and serve it at http://127.0.0.1:3000 (SQLite in data/)
run: tools build
	LEPTOS_SITE_ROOT=target/site $(SERVER_BIN) serve

## dev: rebuild and reload on change (debug build); --split: the pages loaded on first
## visit (app/src/lazy_pages.rs) need it, a bundle built without it cannot load them
dev: tools
	cargo leptos watch --split

## build: release server + optimised WASM bundle (split per page) into target/site, with brotli and gzip copies
build: tools
	cargo leptos build --release --precompress --split

## test: everything CI runs
test: tools system node fmt-check clippy test-rust build api-schema e2e

## bench: bundle bytes and sign-in timing (release, SQLite), the WASM profile (twiggy), then /v1 under wrk on PostgreSQL (bench feature build); figures in bench/results/
bench: build
	scripts/bench.sh
	bench/wasm_profile.sh
	scripts/bench-api.sh

## fuzz: the longer outside checks (schemathesis, 1000 examples per /v1 operation), then
## libFuzzer on the Authorization header and the key format (FUZZ_SECONDS per target)
FUZZ_SECONDS ?= 60
fuzz: build system
	KEYWARD_TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) scripts/api-schema.sh 1000
	scripts/fuzz.sh $(FUZZ_SECONDS)

fmt-check:
	cargo fmt --all -- --check

# Per package: a workspace-wide clippy would enable ssr and hydrate on `app` at once.
clippy: tools
	cargo clippy -p migration --all-targets -- -D warnings
	cargo clippy -p app --features ssr --all-targets -- -D warnings
	cargo clippy -p server --all-targets -- -D warnings
	cargo clippy -p app --features hydrate --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

## test-rust: unit tests, then the API suite on PostgreSQL and again on SQLite
test-rust: test-postgres test-sqlite

test-postgres: system
	KEYWARD_TEST_BACKEND=postgres KEYWARD_TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) \
	  cargo test -p migration -p app --features app/ssr -p server

test-sqlite:
	KEYWARD_TEST_BACKEND=sqlite cargo test -p server --test api

## api-schema: openapi-spec-validator and a short schemathesis run against /v1 (release build)
api-schema: system
	KEYWARD_TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) scripts/api-schema.sh 20

## e2e: Playwright (Chromium) against the release build on a fresh PostgreSQL database
e2e: system node
	KEYWARD_TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) scripts/e2e.sh

tools:
	@scripts/setup-tools.sh

system:
	@scripts/setup-system.sh

node:
	@scripts/setup-node.sh

clean:
	cargo clean
	rm -rf end2end/test-results end2end/node_modules
