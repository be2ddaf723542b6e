#!/usr/bin/env bash
# Checks of the Kubernetes packaging against a real kube-apiserver and etcd it starts on
# loopback (`make cluster-check`, part of `make test`): helm install of the chart with each
# values file in charts/baton-atlassian/ci/, kubectl apply --dry-run=server -f deploy/, and the
# RBAC the chart gives the daemon's ServiceAccount. See scripts/cluster_checks.py.
# Usage: scripts/cluster-checks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/k8s-tools.sh)"
export KUBE_APISERVER
# kubernetes-validate's own Python has the modules the checks import (PyYAML, jsonschema).
python="$(dirname "$(command -v kubernetes-validate)")/python"
exec "$python" scripts/cluster_checks.py "$@"
