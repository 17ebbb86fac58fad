# Portal 112 Bitung — the two commands a newcomer needs:
#   make run    install what is missing, build everything, serve on http://127.0.0.1:8080
#   make test   install what tests need and run every test
# Tools are pinned and cached per user (scripts/install-tools.sh), so only the
# first run on a machine is slow.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
TOOLS ?= $(HOME)/.cache/portal112/tools
export PORTAL112_TOOLS := $(TOOLS)
export PATH := $(TOOLS)/bin:$(HOME)/.cargo/bin:$(PATH)
export TRUNK_SKIP_VERSION_CHECK := true
export CARGO_TERM_COLOR ?= never
# CI builds a clean clone once: incremental compilation's caches (gigabytes
# of them) would only fill the disk.
ifdef CI
export CARGO_INCREMENTAL ?= 0
endif

# Compiled crates are cached per user by sccache (installed with the tools;
# its own default cache, ~/.cache/sccache, at most 10 GB), so a fresh clone
# compiles only the project's own crates; a build without it (the very first,
# before the tool exists) compiles everything as usual.
SCCACHE := $(TOOLS)/bin/sccache
ifeq ($(origin RUSTC_WRAPPER),undefined)
export RUSTC_WRAPPER := $(shell if [ -x "$(SCCACHE)" ]; then "$(SCCACHE)" --start-server >/dev/null 2>&1 || true; \
  "$(SCCACHE)" --show-stats >/dev/null 2>&1 && echo "$(SCCACHE)"; fi; true)
endif

LISTEN ?= 127.0.0.1:8080
DATABASE_URL ?= sqlite://data/portal112.db

.PHONY: run test app server tools tools-test lint unit e2e screenshots bench videos clean fuzz fuzz-smoke schemathesis

## run: build the app and the server, make the agencies' how-to videos when
## missing or out of date, then serve the portal with the Bitung configuration
run: tools app server
	@# A tutorial that cannot be made must not keep the portal from serving.
	node videos/make.mjs --if-stale || echo "WARNING: some how-to videos could not be made (see above); serving anyway"
	@echo "Portal 112 Bitung: http://$(LISTEN)/"
	./target/release/portal112 --database "$(DATABASE_URL)" --config config/bitung.toml serve --listen "$(LISTEN)" --dist dist

tools:
	scripts/install-tools.sh build

tools-test:
	scripts/install-tools.sh test

# The browser bundle compiles the standard library for size: a panic aborts
# at once, without messages, file locations or Debug formatting (a panic in
# the app is a bug either way). This needs nightly flags, unlocked on the
# pinned stable compiler with RUSTC_BOOTSTRAP for this one build; it saves
# about 17 KB brotli. Host builds (build scripts, the server) are unaffected.
# --emit-relocs keeps the linker's relocations, which splitting the citizens'
# app into parts needs (scripts/build-app-wasm.sh, which builds Konsol 112 the
# same way: the splitter drops the relocations, and both builds share
# compiled crates).
WASM_SIZE_ENV := RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none -Clink-args=--emit-relocs"

## app: the two browser apps, built offline by Trunk (wasm-opt -Oz) and
## precompressed: the citizens' portal into dist/, Konsol 112 into
## dist/petugas/ (after the portal: Trunk empties its own dist folder first)
app: tools
	cargo fetch --locked
	$(WASM_SIZE_ENV) cargo fetch --locked -Zbuild-std=std,panic_abort --target wasm32-unknown-unknown
	$(WASM_SIZE_ENV) trunk build --release --minify --offline=true
	$(WASM_SIZE_ENV) trunk build --release --minify --offline=true --dist dist/petugas --public-url /petugas/ console/index.html
	scripts/compress-dist.sh dist

server:
	cargo build --release --locked -p portal112-server

## videos: (re)make every agency's how-to video from the real app into
## data/media/generated/ (videos/README-section.md); AGENCY=dlh for one
videos: tools app server
	node videos/make.mjs $(if $(AGENCY),--agency "$(AGENCY)")

## test: formatting, lints, unit/property/integration tests, and the browser tests
test: tools-test lint unit app e2e fuzz-smoke schemathesis

lint:
	cargo fmt --all --check
	cargo clippy --locked --workspace --all-targets -- -D warnings
	cargo clippy --locked --target wasm32-unknown-unknown -p portal112-web -p portal112-app -p portal112-console -- -D warnings
	node scripts/gen-areas.mjs --check

# Every native test build selects the whole workspace, so cargo resolves the
# dependencies' features once and builds each of them once for all steps;
# which tests run is chosen by target (--lib/--bins/--test), not by package.
E2E_TESTS := $(patsubst tests/tests/%.rs,--test %,$(wildcard tests/tests/*.rs))

# The server's store tests run against SQLite and PostgreSQL alike: a
# throw-away PostgreSQL cluster lives as long as the tests (scripts/with-postgres.sh).
unit:
	scripts/with-postgres.sh cargo test --locked --workspace --lib --bins --test it

e2e: app
	cargo test --locked --workspace $(E2E_TESTS) -- --test-threads=1

## screenshots: a 360 px screenshot of every page into screenshots/ (made by the browser tests)
screenshots: e2e
	@ls -1 screenshots/

clean:
	rm -rf dist target/wasm32-unknown-unknown

## fuzz: every cargo-fuzz target in fuzz/ for FUZZ_SECONDS each (default 5 min);
## a crash leaves its input in fuzz/artifacts/<target>/ (see scripts/fuzz.sh)
FUZZ_SECONDS ?= 300
fuzz:
	scripts/install-tools.sh fuzz
	scripts/fuzz.sh $(FUZZ_SECONDS)

# In `make test`: each fuzz target for 20 s, replaying its seeds and past crashes first.
fuzz-smoke:
	scripts/install-tools.sh fuzz
	scripts/fuzz.sh 20

# In `make test`: schemathesis against /api/v1/openapi.json of a running server,
# two runs of 30 s (see scripts/schemathesis.sh).
# The server binary comes from the test build (integration tests need it), so
# nothing is compiled again for this step.
schemathesis:
	scripts/install-tools.sh schemathesis
	cargo test --locked --workspace --no-run --test it
	scripts/schemathesis.sh 30

## bench: bundle sizes, API load against nginx (oha), Lighthouse -> bench/RESULTS.md
bench: tools app server
	scripts/install-tools.sh bench
	bench/run.sh
