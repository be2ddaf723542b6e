#!/usr/bin/env bash
# Installs the OpenTelemetry collector the trace tests (tests/telemetry_e2e.rs) send to:
# rotel, a real OTLP collector (gRPC and HTTP receivers), shipped on PyPI as a wheel that
# holds its `rotel-agent` binary. It goes to a venv in a cache outside the clone, one folder
# per version, so a second run does nothing:
#   ${BATON_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/baton-atlassian-tools}
# Only `rotel-agent` is put on PATH (not the venv's python). Prints the PATH addition on
# stdout, for `eval "$(scripts/otel-tools.sh)"`; progress goes to stderr.
set -euo pipefail

ROTEL_VERSION=0.0.1a15   # rotel-agent 0.0.1-alpha10; the tests read its --debug-log output

TOOLS_DIR=${BATON_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/baton-atlassian-tools}
# A venv belongs to the Python that made it, so its folder names that Python's version too.
PYTHON_VERSION=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ROTEL_DIR="$TOOLS_DIR/rotel-$ROTEL_VERSION-py$PYTHON_VERSION"
mkdir -p "$TOOLS_DIR"

# A venv records its own path, so it is made in place; `.complete` is written last and marks
# a finished install.
if [ ! -f "$ROTEL_DIR/.complete" ] || [ ! -x "$ROTEL_DIR/agent-bin/rotel-agent" ]; then
  echo "otel-tools: installing rotel $ROTEL_VERSION" >&2
  rm -rf "$ROTEL_DIR"
  python3 -m venv "$ROTEL_DIR"
  "$ROTEL_DIR/bin/python" -m pip install -q --disable-pip-version-check "rotel==$ROTEL_VERSION" >&2
  agent=$("$ROTEL_DIR/bin/python" -c \
    'import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), "rotel-agent"))')
  mkdir -p "$ROTEL_DIR/agent-bin"
  ln -s "$agent" "$ROTEL_DIR/agent-bin/rotel-agent"
  touch "$ROTEL_DIR/.complete"
fi
"$ROTEL_DIR/agent-bin/rotel-agent" --version >/dev/null \
  || { echo "otel-tools: $ROTEL_DIR/agent-bin/rotel-agent does not run" >&2; exit 1; }

echo "export PATH=\"$ROTEL_DIR/agent-bin:\$PATH\""
