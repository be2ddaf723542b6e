# Sourced by the demo and bench scripts: starts `atlassian-sim` on a free loopback port
# and exports the daemon's configuration for it.
#   start_sim LOGFILE [atlassian-sim flags...]   sets SIM_PID, SIM_URL and the BATON_* variables
#   stop_sim
BIN_DIR="${BIN_DIR:-target/release}"

start_sim() {
  local log="$1"; shift
  "$BIN_DIR/atlassian-sim" --port 0 "$@" >"$log" 2>&1 &
  SIM_PID=$!
  for _ in $(seq 1 600); do
    if grep -q 'listening on' "$log" 2>/dev/null; then break; fi
    if ! kill -0 "$SIM_PID" 2>/dev/null; then echo "atlassian-sim exited:" >&2; cat "$log" >&2; return 1; fi
    sleep 0.1
  done
  SIM_URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$log" | head -n1)
  [ -n "$SIM_URL" ] || { echo "atlassian-sim did not start:" >&2; cat "$log" >&2; return 1; }
  export BATON_BASE_URL="$SIM_URL"
  export BATON_ORGANIZATION_ID; BATON_ORGANIZATION_ID=$(sed -n 's/^ *org id: *\([^ ]*\).*/\1/p' "$log" | head -n1)
  export BATON_ACCESS_TOKEN; BATON_ACCESS_TOKEN=$(sed -n 's/^ *org API key: *\([^ ]*\).*/\1/p' "$log" | head -n1)
}

stop_sim() {
  if [ -n "${SIM_PID:-}" ]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; SIM_PID=; fi
}
