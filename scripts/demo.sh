#!/usr/bin/env bash
# `make demo`: the daemon's main job on the bundled simulator, no credentials needed.
# Starts atlassian-sim with a generated organization, runs a full sync with the real
# baton-atlassian binary into OUT_DIR/sync.c1z, and shows what it wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT_DIR="${1:-demo-out}"
USERS="${DEMO_USERS:-500}"
mkdir -p "$OUT_DIR"
source scripts/sim-env.sh
trap stop_sim EXIT

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

bold "Starting the Atlassian simulator ($USERS users, seed 7)"
start_sim "$OUT_DIR/atlassian-sim.log" --users "$USERS" --seed 7
sed -n '1,8p' "$OUT_DIR/atlassian-sim.log"
export BATON_TEAMS_EMAIL BATON_TEAMS_API_TOKEN BATON_TEAMS_SITE_ID
BATON_TEAMS_EMAIL=$(sed -n 's/^ *teams (Basic): *\([^:]*\):.*/\1/p' "$OUT_DIR/atlassian-sim.log")
BATON_TEAMS_API_TOKEN=$(sed -n 's/^ *teams (Basic): *[^:]*:\([^ ]*\).*/\1/p' "$OUT_DIR/atlassian-sim.log")
BATON_TEAMS_SITE_ID=$(sed -n 's/^ *site id: *\([^ ]*\).*/\1/p' "$OUT_DIR/atlassian-sim.log")

bold "Full sync: baton-atlassian --file $OUT_DIR/sync.c1z"
rm -f "$OUT_DIR/sync.c1z"
BATON_LOG_FORMAT=console "$BIN_DIR/baton-atlassian" --file "$OUT_DIR/sync.c1z"

bold "What the simulator served"
curl -fsS "${SIM_URL%/}/__sim/stats" | python3 -c '
import json, sys
stats = json.load(sys.stdin)
print("%d requests, by endpoint:" % stats["total"])
for key, endpoint in sorted(stats["byEndpoint"].items()):
    print("  %6d  %s" % (endpoint["requests"], key))
'

bold "baton-atlassian inspect $OUT_DIR/sync.c1z"
"$BIN_DIR/baton-atlassian" inspect "$OUT_DIR/sync.c1z" --limit 5

bold "Done: the file is $OUT_DIR/sync.c1z ($(du -h "$OUT_DIR/sync.c1z" | cut -f1))"
