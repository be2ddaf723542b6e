#!/usr/bin/env bash
# `make demo`: the daemon's main jobs on the bundled simulators, no credentials needed.
# Starts atlassian-sim with a generated organization, runs a full sync with the real
# baton-atlassian binary into OUT_DIR/sync.c1z and shows what it wrote; then starts the
# ConductorOne control-plane simulator (c1-sim) with a short task script (sync, grant,
# revoke, account creation), runs baton-atlassian in service mode against both until the
# script is done, and prints each task's outcome.
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

echo "The file is $OUT_DIR/sync.c1z ($(du -h "$OUT_DIR/sync.c1z" | cut -f1))"

# ---- Service mode: the daemon takes ConductorOne's tasks from the control-plane simulator.
C1_DIR="$OUT_DIR/c1"
rm -rf "$C1_DIR"; mkdir -p "$C1_DIR"
ROLE="atlassian/user-access-admin"
# A Jira workspace and an active directory user who does not hold ROLE there yet.
read -r WORKSPACE DEMO_USER < <(curl -fsS "${SIM_URL%/}/__sim/state" | ROLE="$ROLE" python3 -c '
import json, os, sys
org = json.load(sys.stdin)
role = os.environ["ROLE"]
jira = {"jira-software", "jira-core", "jira", "jira-servicedesk", "jira-product-discovery"}
workspace = next(w["id"] for w in org["workspaces"] if w["product"] in jira)
held = {(r["principal"]["id"], r["resource_id"], r["role"]) for r in org["user_roles"]}
user = next(u["account_id"] for u in org["users"]
            if u["account_status"] == "active" and u["directory_id"] and not u["for_deletion"]
            and (u["account_id"], workspace, role) not in held)
print(workspace, user)
')
ENTITLEMENT="workspace:$WORKSPACE:role:$ROLE"
cat >"$C1_DIR/tasks.json" <<JSON
[
  {"type": "sync_full", "skip_expand_grants": true},
  {"type": "grant", "entitlement_id": "$ENTITLEMENT", "principal": {"type": "user", "id": "$DEMO_USER"}},
  {"type": "revoke", "entitlement_id": "$ENTITLEMENT", "principal": {"type": "user", "id": "$DEMO_USER"}},
  {"type": "create_account", "login": "demo.newcomer", "email": "demo.newcomer@example.com"}
]
JSON

bold "Starting the ConductorOne control-plane simulator with 4 tasks"
echo "  sync_full; grant and revoke of $ROLE on $WORKSPACE to user $DEMO_USER; create_account"
"$BIN_DIR/c1-sim" --tasks "$C1_DIR/tasks.json" --out-dir "$C1_DIR" --next-poll-ms 200 \
  --heartbeat-secs 5 --task-timeout-secs 60 >"$C1_DIR/c1-sim.log" 2>&1 &
C1_PID=$!
stop_all() {
  [ -n "${DAEMON_PID:-}" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
  [ -n "${C1_PID:-}" ] && kill "$C1_PID" 2>/dev/null && wait "$C1_PID" 2>/dev/null
  stop_sim
}
trap stop_all EXIT
for _ in $(seq 1 300); do
  grep -q '^ready' "$C1_DIR/c1-sim.log" 2>/dev/null && break
  kill -0 "$C1_PID" 2>/dev/null || { cat "$C1_DIR/c1-sim.log" >&2; exit 1; }
  sleep 0.1
done
sed -n '1,5p' "$C1_DIR/c1-sim.log"

bold "Service mode: baton-atlassian with BATON_CLIENT_ID, BATON_CLIENT_SECRET_FILE, BATON_PROVISIONING=true"
BATON_CLIENT_ID="$(cat "$C1_DIR/client-id")" \
BATON_CLIENT_SECRET_FILE="$C1_DIR/client-secret" \
BATON_C1_CA_FILE="$C1_DIR/ca.pem" \
BATON_HOST_ID=demo BATON_PROVISIONING=true BATON_LOG_FORMAT=console \
  "$BIN_DIR/baton-atlassian" >"$OUT_DIR/daemon.log" 2>&1 &
DAEMON_PID=$!
echo "  daemon pid $DAEMON_PID, log $OUT_DIR/daemon.log; waiting for the script to finish"
C1_STATUS=0
wait "$C1_PID" || C1_STATUS=$?
C1_PID=
kill -TERM "$DAEMON_PID"
DAEMON_STATUS=0
wait "$DAEMON_PID" || DAEMON_STATUS=$?
DAEMON_PID=
echo "  the daemon stopped on SIGTERM with exit code $DAEMON_STATUS"

bold "What ConductorOne saw (from c1-sim's report)"
python3 - "$C1_DIR/report.json" <<'PY'
import json, sys
reports = json.load(open(sys.argv[1]))
rows = [("#", "task", "outcome", "code", "details")]
for r in reports:
    if r.get("upload"):
        u = r["upload"]
        details = "c1z of %d bytes: %s resources, %s entitlements, %s grants" % (
            u["bytes"], u["resources"], u["entitlements"], u["grants"])
    elif r.get("status_message"):
        details = r["status_message"].splitlines()[0]
    else:
        details = (r.get("response_type") or "").rsplit("/", 1)[-1]
    code = "-" if r.get("status_code") is None else str(r["status_code"])
    outcome = r["outcome"] if isinstance(r["outcome"], str) else "invalid"
    rows.append((str(r["index"]), r["kind"], outcome, code, details))
widths = [max(len(row[i]) for row in rows) for i in range(4)]
for row in rows:
    print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[4])
PY
[ "$C1_STATUS" -eq 0 ] || { echo "some tasks did not complete; see $OUT_DIR/daemon.log" >&2; exit 1; }
bold "Done: uploads in $C1_DIR/uploads, daemon log $OUT_DIR/daemon.log"
