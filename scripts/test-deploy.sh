#!/usr/bin/env bash
# Checks of the Kubernetes packaging without a cluster (`make deploy-check`, part of `make test`):
# helm lint --strict and helm template of the chart with each values file in
# charts/baton-atlassian/ci/, every rendered object validated against Kubernetes' schemas,
# assertions on what is rendered, the values schema refusing bad values, deploy/ equal to the
# chart's rendering, the README's values table, and the Dockerfile.
# Usage: scripts/test-deploy.sh [check|chart|write-manifests]   (see scripts/deploy_checks.py)
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/k8s-tools.sh)"
# kubernetes-validate's own Python has the modules the checks import (PyYAML, jsonschema).
python="$(dirname "$(command -v kubernetes-validate)")/python"
exec "$python" scripts/deploy_checks.py "$@"
