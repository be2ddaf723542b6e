# The Atlassian connector daemon for ConductorOne. `make help` lists the targets.
SHELL := /bin/bash
CARGO ?= cargo
# Where `make demo` writes its files (git-ignored).
DEMO_DIR ?= demo-out
# The image `make image` builds (the Helm chart's default repository is baton-atlassian).
IMAGE ?= baton-atlassian:dev
# How long `make soak` pushes tasks and injects faults, in seconds.
SOAK_SECONDS ?= 600

.PHONY: help demo test lint deny unit bench soak build bins release fmt clean chart deploy-check cluster-check deploy-manifests image

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

lint: deny ## formatting, clippy (warnings are errors) and the dependency checks
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

deny: ## cargo-deny on licences, banned and duplicate crates, sources (installs cargo-deny on first use)
	@scripts/deny.sh

unit: ## the whole test suite, without lint (installs the OTLP collector the trace tests use on first use)
	@tools="$$(scripts/otel-tools.sh)" && eval "$$tools" && \
	if command -v cargo-nextest >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast; \
	else \
		$(CARGO) test --workspace --no-fail-fast; \
	fi

test: lint unit deploy-check cluster-check ## lint, the whole test suite, the deploy and cluster checks (what CI runs)

chart: ## Helm chart: helm lint --strict, helm template and schema validation with each ci/ values file
	@scripts/test-deploy.sh chart

deploy-check: ## checks of the Helm chart, deploy/ and the Dockerfile, without a cluster (installs helm on first use)
	@scripts/test-deploy.sh

cluster-check: ## the chart and deploy/ on a real kube-apiserver + etcd it starts: helm install, dry-run apply, the daemon's RBAC
	@scripts/cluster-checks.sh

deploy-manifests: ## regenerate deploy/*.yaml from the Helm chart
	@scripts/test-deploy.sh write-manifests

image: ## container image baton-atlassian:dev, or IMAGE=name:tag (needs a docker engine)
	docker build -t $(IMAGE) .

bench: release ## benchmarks: our figures against limits measured in the same run
	@scripts/bench.sh

soak: release ## the daemon with random faults for SOAK_SECONDS (600): tasks done, errors by kind, RSS over time
	@scripts/bench.sh soak --seconds $(SOAK_SECONDS)

fmt: ## format the code
	$(CARGO) fmt --all

clean: ## remove build output and demo files
	$(CARGO) clean
	rm -rf "$(DEMO_DIR)"
