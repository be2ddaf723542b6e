#!/usr/bin/env bash
# `make lint`'s dependency checks: cargo-deny with deny.toml, offline: licences, banned
# crates and duplicates (bans), and sources (crates.io only). Also RustSec advisories
# (vulnerabilities, unmaintained, unsound, yanked) when an advisory database was fetched
# before: `cargo deny check advisories` with network clones it into
# ${CARGO_HOME:-~/.cargo}/advisory-dbs; without one (CI cannot reach GitHub) the advisories
# check is left out, saying so.
#
# cargo-deny is installed once per version into a cache outside the clone:
#   ${BATON_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/baton-atlassian-tools}/cargo-deny-VERSION
# A cold install builds it from crates.io: about 4 minutes on an idle 2-core machine, once.
# Arguments replace the checks (e.g. `scripts/deny.sh licenses`).
set -euo pipefail
cd "$(dirname "$0")/.."

DENY_VERSION=0.20.2

TOOLS_DIR=${BATON_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/baton-atlassian-tools}
DENY_ROOT="$TOOLS_DIR/cargo-deny-$DENY_VERSION"
DENY="$DENY_ROOT/bin/cargo-deny"

if [ ! -x "$DENY" ]; then
  echo "deny: installing cargo-deny $DENY_VERSION into $DENY_ROOT (once; a few minutes)" >&2
  "${CARGO:-cargo}" install cargo-deny --locked --version "$DENY_VERSION" --root "$DENY_ROOT" >&2
fi

if [ "$#" -gt 0 ]; then
  checks=("$@")
else
  checks=(bans licenses sources)
  advisory_dbs="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
  if compgen -G "$advisory_dbs/advisory-db-*/.git" >/dev/null; then
    checks+=(advisories)
  else
    echo "deny: no RustSec advisory database in $advisory_dbs: advisories not checked" \
      "(README.md, Dependency notes)" >&2
  fi
fi
exec "$DENY" --offline check --hide-inclusion-graph "${checks[@]}"
