# The Atlassian connector daemon for ConductorOne. `make help` lists the targets.
SHELL := /bin/bash
CARGO ?= cargo
# Where `make demo` writes its files (git-ignored).
DEMO_DIR ?= demo-out

.PHONY: help demo test lint unit bench build bins release fmt clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

build: ## debug build of every crate
	$(CARGO) build --workspace --all-targets

release: ## optimized build of the binaries (used by bench and demo)
	$(CARGO) build --release --workspace --bins --examples

bins: ## debug build of the binaries (the demo uses them)
	$(CARGO) build --workspace --bins

demo: bins ## run the daemon's main job on the bundled simulators and show what happened
	@BIN_DIR=target/debug scripts/demo.sh "$(DEMO_DIR)"

lint: ## formatting and clippy, warnings are errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit: ## the whole test suite, without lint
	@if command -v cargo-nextest >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast; \
	else \
		$(CARGO) test --workspace --no-fail-fast; \
	fi

test: lint unit ## lint and the whole test suite (what CI runs)

bench: release ## benchmarks: our figures against limits measured in the same run
	@scripts/bench.sh

fmt: ## format the code
	$(CARGO) fmt --all

clean: ## remove build output and demo files
	$(CARGO) clean
	rm -rf "$(DEMO_DIR)"
