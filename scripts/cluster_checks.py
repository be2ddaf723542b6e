"""Checks of the Kubernetes packaging against a real kube-apiserver and etcd, started here on
loopback by scripts/k8s/start-apiserver.sh (and always stopped). Run by
scripts/cluster-checks.sh (`make cluster-check`, part of `make test`) with helm, kubectl and
kube-apiserver from scripts/k8s-tools.sh.

  - `helm install` of the chart with each values file in charts/baton-atlassian/ci/, one
    namespace each, and every object helm installed is stored as rendered (no field dropped);
  - `kubectl apply --dry-run=server -f deploy/` and the objects the server would store;
  - RBAC: with a token the API server issues for the chart's ServiceAccount (what a pod gets),
    what leader election does to its Lease is allowed, everything else is refused.

The server is Kubernetes 1.20 (the newest that builds offline here), older than the chart's
floor (kubeVersion in Chart.yaml): what that keeps from being checked is said in the output.
Ends with `cluster-checks: N passed, M failed`; the exit code is 1 when a check failed.
"""

import base64
import copy
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from deploy_checks import (
    CHART,
    DEPLOY,
    RELEASE,
    Runner,
    effective_values,
    expect,
    leader_election_on,
    scenario_files,
)

ROOT = Path(__file__).resolve().parent.parent
START = ROOT / "scripts" / "k8s" / "start-apiserver.sh"
STOP = ROOT / "scripts" / "k8s" / "stop-apiserver.sh"
# Objects whose API the test server may not serve, and the value that leaves them out.
LEAVE_OUT = {("policy/v1", "PodDisruptionBudget"): "podDisruptionBudget.enabled=false"}
# The Prometheus Operator's CRD is not available offline: a stand-in of the same group, version
# and kind lets the ServiceMonitor be installed (its fields are checked by deploy-check).
SERVICE_MONITOR_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "servicemonitors.monitoring.coreos.com"},
    "spec": {
        "group": "monitoring.coreos.com",
        "scope": "Namespaced",
        "names": {"kind": "ServiceMonitor", "plural": "servicemonitors", "singular": "servicemonitor"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                    }
                },
            }
        ],
    },
}
# The namespace deploy/ is dry-run in: its RoleBinding names the ServiceAccount there.
DEPLOY_NAMESPACE = "default"
# A Lease of someone else, in the namespace of the RBAC checks.
OTHER_LEASE = "someone-elses-lease"
# A Lease the daemon's identity creates under another name than its own.
STRAY_LEASE = "stray-lease"
LEASES = "leases.coordination.k8s.io"
TIMEOUT = 60


# ---------------------------------------------------------------------------------------------
# The API server and the clients


def free_ports():
    """A free port for the API server and one for etcd whose peer port (+10) is free too."""
    for _ in range(50):
        socks = []
        try:
            ports = []
            for _ in range(2):
                s = socket.socket()
                s.bind(("127.0.0.1", 0))
                socks.append(s)
                ports.append(s.getsockname()[1])
            peer = socket.socket()
            socks.append(peer)
            peer.bind(("127.0.0.1", ports[1] + 10))
            return ports
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports for the API server and etcd")


def pid_alive(pid):
    """Whether the process is still there (and not a zombie)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


class ApiServer:
    """etcd and kube-apiserver in a temporary folder on free loopback ports."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="baton-cluster-checks-"))
        self.kubeconfig = self.dir / "kubeconfig"

    def start(self):
        """Starts both; raises with the server's last log lines when it does not get ready."""
        port, etcd_port = free_ports()
        done = subprocess.run(
            [str(START), str(self.dir), str(port), str(etcd_port)], capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"start-apiserver.sh failed:\n{done.stdout}{done.stderr}")

    def stop(self):
        """Stops both, waits for them to exit, and removes the folder."""
        pids = [int(p.read_text()) for p in self.dir.glob("*.pid")]
        subprocess.run([str(STOP), str(self.dir)], check=False)
        deadline = time.monotonic() + 15
        while any(map(pid_alive, pids)) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in filter(pid_alive, pids):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


def run(cmd, *args, stdin=None, kubeconfig=None):
    """Runs helm or kubectl (as the admin unless another kubeconfig is given); (code, out, err)."""
    extra = ["--kubeconfig", str(kubeconfig)] if kubeconfig else []
    done = subprocess.run(
        [cmd, *extra, *args], input=stdin, capture_output=True, text=True, check=False, timeout=TIMEOUT
    )
    return done.returncode, done.stdout, done.stderr


def kubectl(*args, **kwargs):
    """kubectl; see run()."""
    return run("kubectl", "--request-timeout=30s", *args, **kwargs)


def helm(*args):
    """helm, as the admin; see run()."""
    return run("helm", *args)


def admin(*args, stdin=None):
    """kubectl as the admin, which must succeed; its stdout."""
    code, out, err = kubectl(*args, stdin=stdin)
    expect(code == 0, f"kubectl {' '.join(args)} failed:\n{err}")
    return out


def as_json(obj):
    """An object as kubectl's stdin."""
    return json.dumps(obj)


# ---------------------------------------------------------------------------------------------
# What the server serves and stores


_served = {}


def served(api_version, kind):
    """Whether the server serves this kind at this apiVersion (discovery, cached)."""
    if api_version not in _served:
        path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
        code, out, _ = kubectl("get", "--raw", path)
        _served[api_version] = {r["kind"] for r in json.loads(out)["resources"]} if code == 0 else set()
    return kind in _served[api_version]


def as_stored(doc):
    """What a rendered object looks like when read back: a Secret's stringData is in data."""
    doc = copy.deepcopy(doc)
    if "stringData" in doc:
        data = doc.setdefault("data", {})
        for key, value in doc.pop("stringData").items():
            data[key] = base64.b64encode(value.encode()).decode()
    return doc


def differences(want, have, path=""):
    """Where `have` lacks or changed something of `want` (fields it adds are fine)."""
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return [f"{path}: {have!r} is not a map"]
        found = []
        for key, value in want.items():
            if key not in have:
                found.append(f"{path}.{key}: dropped by the server")
            else:
                found += differences(value, have[key], f"{path}.{key}")
        return found
    if isinstance(want, list):
        if not isinstance(have, list) or len(have) != len(want):
            return [f"{path}: {have!r} instead of {want!r}"]
        return [d for i, (w, h) in enumerate(zip(want, have)) for d in differences(w, h, f"{path}[{i}]")]
    return [] if want == have else [f"{path}: {have!r} instead of {want!r}"]


def key(doc):
    """An object's kind and name."""
    return f"{doc['kind']}/{doc['metadata']['name']}"


def expect_stored(rendered, stored):
    """Every rendered object is among the stored ones, each field kept as rendered."""
    by_key = {key(d): d for d in stored}
    problems = []
    for doc in rendered:
        if key(doc) not in by_key:
            problems.append(f"{key(doc)}: not on the server")
        else:
            problems += [f"{key(doc)}{d}" for d in differences(as_stored(doc), by_key[key(doc)])]
    expect(not problems, "\n".join(problems))


def get_objects(docs, namespace):
    """The server's copy of each object (kubectl get ... -o json)."""
    stored = []
    for doc in docs:
        kind = doc["kind"] + "." + doc["apiVersion"].rsplit("/", 1)[0] if "/" in doc["apiVersion"] else doc["kind"]
        code, out, err = kubectl("get", kind, doc["metadata"]["name"], "-n", namespace, "-o", "json")
        if code == 0:
            stored.append(json.loads(out))
    return stored


# ---------------------------------------------------------------------------------------------
# helm install


class Cluster:
    """The state the checks share: the server's version, the chart copy, the installs."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.version = ""
        self.chart = workdir / "chart" / CHART.name
        self.not_checked = []
        # values file stem -> (namespace, objects helm installed)
        self.installs = {}

    def note(self, text):
        """Something this server cannot check, said in the output."""
        if text not in self.not_checked:
            self.not_checked.append(text)


def check_server(cluster):
    """The API server answers; records its version."""
    code, out, err = kubectl("version", "-o", "json")
    expect(code == 0, f"kubectl version failed:\n{err}")
    cluster.version = json.loads(out)["serverVersion"]["gitVersion"]
    print(f"     API server {cluster.version}")


def check_kube_version_refused(cluster, values_file):
    """The chart as it is refuses this server, older than its kubeVersion."""
    code, out, err = helm(
        "install", RELEASE, str(CHART), "-n", DEPLOY_NAMESPACE, "-f", str(values_file), "--dry-run=server"
    )
    floor = yaml.safe_load((CHART / "Chart.yaml").read_text())["kubeVersion"]
    expect(code != 0, f"helm installed the chart (kubeVersion {floor}) on Kubernetes {cluster.version}")
    expect("kubeVersion" in err, f"helm refused the chart for another reason than kubeVersion:\n{err}")


def copy_chart(cluster, values_file):
    """The chart with its kubeVersion floor lowered to this server's version, and nothing else."""
    floor = yaml.safe_load((CHART / "Chart.yaml").read_text())["kubeVersion"]
    shutil.copytree(CHART, cluster.chart)
    chart_yaml = cluster.chart / "Chart.yaml"
    text, count = re.subn(
        r"^kubeVersion: .*$", f'kubeVersion: ">={cluster.version}-0"', chart_yaml.read_text(), 0, re.M
    )
    expect(count == 1, "Chart.yaml has no kubeVersion line to relax")
    chart_yaml.write_text(text)
    renders = [helm("template", RELEASE, str(c), "-f", str(values_file)) for c in (CHART, cluster.chart)]
    expect(renders[0][0] == 0 and renders[0] == renders[1], "the copy renders differently from the chart")
    cluster.note(
        f"the chart requires Kubernetes {floor}; it is installed on {cluster.version} from a copy whose "
        f"Chart.yaml allows {cluster.version} (the rest of the chart is unchanged)"
    )


def check_service_monitor_crd(cluster):
    """A stand-in ServiceMonitor CRD is created and established."""
    admin("apply", "-f", "-", stdin=as_json(SERVICE_MONITOR_CRD))
    name = f"crd/{SERVICE_MONITOR_CRD['metadata']['name']}"
    admin("wait", "--for=condition=Established", name, "--timeout=30s")
    cluster.note(
        "ServiceMonitor: installed against a stand-in CRD accepting any spec (the Prometheus Operator's "
        "CRD is not available offline); its fields are checked by deploy-check"
    )


def create_namespace(name):
    """A namespace with its `default` ServiceAccount (no controller-manager makes it here)."""
    admin("create", "namespace", name)
    admin("create", "serviceaccount", "default", "-n", name)


def check_install(cluster, values_file):
    """`helm install` in a fresh namespace succeeds; kinds this server does not serve are left out."""
    namespace = values_file.stem
    create_namespace(namespace)
    code, out, err = helm("template", RELEASE, str(cluster.chart), "-n", namespace, "-f", str(values_file))
    expect(code == 0, f"helm template failed:\n{err}")
    sets = []
    for doc in filter(None, yaml.safe_load_all(out)):
        if not served(doc["apiVersion"], doc["kind"]):
            leave_out = LEAVE_OUT.get((doc["apiVersion"], doc["kind"]))
            expect(leave_out, f"{doc['apiVersion']} {doc['kind']} is not served by {cluster.version}")
            sets += ["--set", leave_out]
            cluster.note(
                f"{doc['kind']} {doc['apiVersion']}: not served by {cluster.version}, so left out of "
                f"the install with {values_file.name} ({leave_out}); checked offline by deploy-check"
            )
    code, out, err = helm("install", RELEASE, str(cluster.chart), "-n", namespace, "-f", str(values_file), *sets)
    expect(code == 0, f"helm install failed:\n{out}{err}")
    code, out, err = helm("get", "manifest", RELEASE, "-n", namespace)
    expect(code == 0, f"helm get manifest failed:\n{err}")
    docs = [d for d in yaml.safe_load_all(out) if d]
    code, out, err = helm("status", RELEASE, "-n", namespace, "-o", "json")
    expect(code == 0 and json.loads(out)["info"]["status"] == "deployed", f"the release is not deployed:\n{out}{err}")
    cluster.installs[values_file.stem] = (namespace, docs)


def check_installed_objects(cluster, values_file):
    """Each object helm installed is on the server, every rendered field kept (kubectl get)."""
    expect(values_file.stem in cluster.installs, "not installed")
    namespace, docs = cluster.installs[values_file.stem]
    expect(docs, "helm installed no objects")
    expect_stored(docs, get_objects(docs, namespace))
    print(f"     {', '.join(key(d) for d in docs)}")


def check_deploy_dry_run(cluster):
    """`kubectl apply --dry-run=server -f deploy/` succeeds and the server would store every field."""
    code, out, err = kubectl("apply", "--dry-run=server", "-f", str(DEPLOY), "-n", DEPLOY_NAMESPACE, "-o", "json")
    expect(code == 0, f"kubectl apply --dry-run=server -f deploy/ failed:\n{err}")
    result = json.loads(out)
    stored = result["items"] if result.get("kind") == "List" else [result]
    rendered = [d for p in sorted(DEPLOY.glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d]
    expect(len(stored) == len(rendered), f"the server answered {len(stored)} objects for {len(rendered)}")
    expect_stored(rendered, stored)
    code, _, err = kubectl("get", "deployment", RELEASE, "-n", DEPLOY_NAMESPACE)
    expect(code != 0 and "NotFound" in err, "the dry run created the Deployment")


# ---------------------------------------------------------------------------------------------
# RBAC of the daemon's identity


class Identity:
    """The chart's ServiceAccount in an install with leader election, and a kubeconfig holding
    a token the API server issued for it (TokenRequest, as a pod's projected token)."""

    def __init__(self, cluster, stem):
        namespace, docs = cluster.installs[stem]
        deployment = next(d for d in docs if d["kind"] == "Deployment")
        pod = deployment["spec"]["template"]["spec"]
        env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
        self.namespace = namespace
        self.account = pod["serviceAccountName"]
        self.lease = env["BATON_LEADER_ELECTION_LEASE_NAME"]
        self.secret = next(v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v)
        self.user = f"system:serviceaccount:{namespace}:{self.account}"
        self.kubeconfig = cluster.workdir / f"kubeconfig-{namespace}"
        # Another install's namespace: the same Role and Lease name, bound to another account.
        self.other_namespace = next(ns for s, (ns, _) in cluster.installs.items() if ns != namespace)

    def login(self):
        """Gets the token and writes the kubeconfig (server and CA as the admin's)."""
        token = admin("create", "token", self.account, "-n", self.namespace, "--duration=1h").strip()
        config = yaml.safe_load(Path(os.environ["KUBECONFIG"]).read_text())
        config["users"] = [{"name": "daemon", "user": {"token": token}}]
        config["contexts"][0]["context"].update(user="daemon", namespace=self.namespace)
        self.kubeconfig.write_text(yaml.safe_dump(config))
        self.kubeconfig.chmod(0o600)

    def kubectl(self, *args, stdin=None):
        """kubectl with this identity."""
        return kubectl(*args, stdin=stdin, kubeconfig=self.kubeconfig)


def lease(name, **spec):
    """A Lease object (coordination.k8s.io/v1)."""
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": name},
        **({"spec": spec} if spec else {}),
    }


def micro_time():
    """The current time as a Lease's MicroTime."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())


def expect_allowed(identity, can_i, *args, stdin=None):
    """The request succeeds, and `kubectl auth can-i` says yes; the request's stdout."""
    code, out, err = identity.kubectl(*args, stdin=stdin)
    expect(code == 0, f"refused: kubectl {' '.join(args)}:\n{err}")
    code, answer, _ = identity.kubectl("auth", "can-i", *can_i)
    expect(code == 0 and answer.strip() == "yes", f"kubectl auth can-i {' '.join(can_i)} says {answer.strip()!r}")
    return out


def expect_refused(identity, can_i, *args, stdin=None):
    """The request is Forbidden for this identity, and `kubectl auth can-i` says no."""
    code, out, err = identity.kubectl(*args, stdin=stdin)
    expect(code != 0, f"allowed: kubectl {' '.join(args)}\n{out}")
    forbidden = re.search(rf'is forbidden: User "{re.escape(identity.user)}" cannot', err)
    expect(forbidden, f"refused, but not as Forbidden for {identity.user}:\n{err}")
    code, answer, _ = identity.kubectl("auth", "can-i", *can_i)
    expect(code != 0 and answer.strip() == "no", f"kubectl auth can-i {' '.join(can_i)} says {answer.strip()!r}")


def forbidden_requests(identity):
    """What the daemon's identity must be refused: (what, `kubectl auth can-i` arguments,
    kubectl arguments[, stdin])."""
    ns, other_ns, name = identity.namespace, identity.other_namespace, identity.lease
    other_patch = json.dumps({"spec": {"holderIdentity": "pod-0"}})
    return [
        (f"get another Lease ({OTHER_LEASE})", ("get", f"{LEASES}/{OTHER_LEASE}"), ("get", "lease", OTHER_LEASE)),
        (
            "update another Lease",
            ("update", f"{LEASES}/{OTHER_LEASE}"),
            ("replace", "-f", "-"),
            as_json(lease(OTHER_LEASE, holderIdentity="pod-0")),
        ),
        (
            "patch another Lease",
            ("patch", f"{LEASES}/{OTHER_LEASE}"),
            ("patch", "lease", OTHER_LEASE, "--type=merge", "-p", other_patch),
        ),
        ("delete another Lease", ("delete", f"{LEASES}/{OTHER_LEASE}"), ("delete", "lease", OTHER_LEASE)),
        (
            f"patch the Lease of another name it created ({STRAY_LEASE})",
            ("patch", f"{LEASES}/{STRAY_LEASE}"),
            ("patch", "lease", STRAY_LEASE, "--type=merge", "-p", other_patch),
        ),
        ("delete its own Lease", ("delete", f"{LEASES}/{name}"), ("delete", "lease", name)),
        ("list Leases", ("list", LEASES), ("get", "leases")),
        (
            "watch Leases",
            ("watch", LEASES),
            ("get", "--raw", f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases?watch=1&timeoutSeconds=1"),
        ),
        ("list Leases of every namespace", ("list", LEASES, "-A"), ("get", "leases", "-A")),
        (
            f"create a Lease {name} in namespace {other_ns}",
            ("create", LEASES, "-n", other_ns),
            ("create", "-n", other_ns, "-f", "-"),
            as_json(lease(name)),
        ),
        (
            f"get the Lease {name} of namespace {other_ns}",
            ("get", f"{LEASES}/{name}", "-n", other_ns),
            ("get", "lease", name, "-n", other_ns),
        ),
        (
            f"patch the Lease {name} of namespace {other_ns}",
            ("patch", f"{LEASES}/{name}", "-n", other_ns),
            ("patch", "lease", name, "-n", other_ns, "--type=merge", "-p", other_patch),
        ),
        (
            f"get its credentials Secret ({identity.secret})",
            ("get", f"secrets/{identity.secret}"),
            ("get", "secret", identity.secret),
        ),
        ("list Secrets", ("list", "secrets"), ("get", "secrets")),
        ("list Pods", ("list", "pods"), ("get", "pods")),
        ("create a ConfigMap", ("create", "configmaps"), ("create", "configmap", "probe", "--from-literal=a=b")),
        ("get its Deployment", ("get", f"deployments.apps/{RELEASE}"), ("get", "deployment", RELEASE)),
        (
            "widen its own Role",
            ("patch", f"roles.rbac.authorization.k8s.io/{RELEASE}"),
            ("patch", "role", RELEASE, "--type=json", "-p", '[{"op":"add","path":"/rules/0/verbs/-","value":"list"}]'),
        ),
        (
            "get a token for its ServiceAccount",
            ("create", f"serviceaccounts/{identity.account}", "--subresource=token"),
            ("create", "token", identity.account),
        ),
    ]


def rbac_checks(runner, cluster, stem):
    """What leader election does is allowed to the daemon's identity; nothing else is."""
    identity = Identity(cluster, stem)
    ns, other_ns, name = identity.namespace, identity.other_namespace, identity.lease
    tag = f"[{stem}] RBAC of {identity.user}:"

    def setup():
        identity.login()
        for namespace, lease_name in ((ns, OTHER_LEASE), (other_ns, name)):
            admin("apply", "-n", namespace, "-f", "-", stdin=as_json(lease(lease_name, holderIdentity="other")))

    def absent():
        # kube-lease-manager reads the Lease first and creates it when it is not found.
        code, _, err = identity.kubectl("get", "lease", name)
        expect(code != 0 and "NotFound" in err, f"not NotFound:\n{err}")

    def take_over():
        # kube-lease-manager takes a free Lease with a server-side apply patch.
        spec = {"holderIdentity": "pod-0", "acquireTime": micro_time(), "renewTime": micro_time()}
        applied = lease(name, leaseDurationSeconds=15, **spec)
        args = ("apply", "--server-side", "--field-manager=baton-atlassian", "-f", "-", "-o", "json")
        expect_allowed(identity, ("patch", f"{LEASES}/{name}"), *args, stdin=as_json(applied))

    def renew():
        # ... and renews it with a strategic merge patch.
        patch = {"spec": {"renewTime": micro_time(), "leaseTransitions": 1}}
        args = ("patch", "lease", name, "--type=strategic", "-p", json.dumps(patch))
        expect_allowed(identity, ("patch", f"{LEASES}/{name}"), *args)

    def update():
        code, out, err = identity.kubectl("get", "lease", name, "-o", "json")
        expect(code == 0, f"refused: kubectl get lease {name}:\n{err}")
        current = json.loads(out)
        current["spec"]["leaseTransitions"] = 2
        expect_allowed(identity, ("update", f"{LEASES}/{name}"), "replace", "-f", "-", stdin=as_json(current))
        stored = json.loads(admin("get", "lease", name, "-n", ns, "-o", "json"))["spec"]
        expect(
            stored.get("holderIdentity") == "pod-0" and stored.get("leaseTransitions") == 2,
            f"the Lease on the server is not what the daemon wrote: {stored}",
        )

    runner.run(f"{tag} token from the TokenRequest API; test Leases created", setup)

    allowed = [
        (f"get its Lease {name} before it exists: NotFound, not Forbidden", absent),
        (
            f"create its Lease {name}",
            lambda: expect_allowed(identity, ("create", LEASES), "create", "-f", "-", stdin=as_json(lease(name))),
        ),
        (
            f"get its Lease {name}",
            lambda: expect_allowed(identity, ("get", f"{LEASES}/{name}"), "get", "lease", name, "-o", "json"),
        ),
        ("take its Lease (server-side apply patch)", take_over),
        ("renew its Lease (strategic merge patch)", renew),
        ("update its Lease (replace), and the server holds what it wrote", update),
        (
            f"create a Lease of another name ({STRAY_LEASE}): RBAC cannot limit create to a name",
            lambda: expect_allowed(
                identity, ("create", LEASES), "create", "-f", "-", stdin=as_json(lease(STRAY_LEASE))
            ),
        ),
    ]
    for what, fn in allowed:
        runner.run(f"{tag} may {what}", fn)

    for what, can_i, args, *stdin in forbidden_requests(identity):
        runner.run(
            f"{tag} refused to {what}",
            lambda c=can_i, a=args, s=stdin: expect_refused(identity, c, *a, stdin=s[0] if s else None),
        )


# ---------------------------------------------------------------------------------------------
# The runner


def checks(runner, cluster):
    """Every check, in order: later ones use what earlier ones installed."""
    files = scenario_files()
    runner.run("the API server answers", check_server, cluster)
    runner.run(
        "a copy of the chart allows this server's version (kubeVersion), nothing else changed",
        copy_chart,
        cluster,
        files[0],
    )
    runner.run(
        "helm refuses the chart as it is on this server (kubeVersion)", check_kube_version_refused, cluster, files[0]
    )
    runner.run("a stand-in ServiceMonitor CRD is established", check_service_monitor_crd, cluster)
    for values_file in files:
        runner.run(
            f"[{values_file.stem}] helm install -f ci/{values_file.name} succeeds", check_install, cluster, values_file
        )
        runner.run(
            f"[{values_file.stem}] every installed object is stored as rendered",
            check_installed_objects,
            cluster,
            values_file,
        )
    runner.run("kubectl apply --dry-run=server -f deploy/ succeeds, every field kept", check_deploy_dry_run, cluster)
    electing = [f.stem for f in files if leader_election_on(effective_values(f)) and f.stem in cluster.installs]
    if not electing:
        runner.run(
            "an install with leader election to check RBAC with",
            expect,
            False,
            "no install with leader election (ci/*.yaml) succeeded",
        )
    for stem in electing:
        rbac_checks(runner, cluster, stem)


def main():
    """Starts the server, runs the checks, stops the server; 1 when a check failed."""
    # SIGTERM and SIGHUP unwind like Ctrl-C, so the server is stopped in every case.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    server = ApiServer()
    runner = Runner()
    try:
        os.environ.update(
            KUBECONFIG=str(server.kubeconfig),
            KUBECACHEDIR=str(server.dir / "kube-cache"),
            HELM_CACHE_HOME=str(server.dir / "helm-cache"),
            HELM_CONFIG_HOME=str(server.dir / "helm-config"),
            HELM_DATA_HOME=str(server.dir / "helm-data"),
        )
        try:
            server.start()
        except RuntimeError as e:
            print(f"FAIL the API server starts\n     {e}")
            return 1
        cluster = Cluster(server.dir)
        checks(runner, cluster)
        if cluster.not_checked:
            print(f"Not checked on this Kubernetes {cluster.version} API server:")
            for text in cluster.not_checked:
                print(f"  - {text}")
    finally:
        server.stop()
    print(f"cluster-checks: {runner.passed} passed, {runner.failed} failed")
    return 1 if runner.failed else 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit(__doc__)
    sys.exit(main())
