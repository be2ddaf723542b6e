#!/usr/bin/env bash
# `make bench`: runs the bench driver built by `make release`. It finds the programs it
# measures beside itself and prints one table of our figures against limits measured in
# the same run (see crates/bench). Options: --quick, --only
# client|sync|c1z|service|rate-limit, --sizes 10000,50000, --full-rate-limit; `soak
# --seconds N` is `make soak`. `target/release/bench --help` lists them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_DIR="${BIN_DIR:-target/release}"
if [ ! -x "$BIN_DIR/bench" ]; then
  echo "bench: $BIN_DIR/bench is not built; run 'make release' first" >&2
  exit 1
fi
exec "$BIN_DIR/bench" "$@"
