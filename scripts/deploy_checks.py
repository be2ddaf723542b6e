"""Static checks of the Kubernetes packaging: the Helm chart, the plain manifests in deploy/
and the Dockerfile. Run by scripts/test-deploy.sh with helm and kubernetes-validate (whose
Python has PyYAML) from scripts/k8s-tools.sh.

Usage: deploy_checks.py [check|chart|write-manifests]
  check            everything (the default); ends with `deploy-checks: N passed, M failed`
  chart            helm lint, helm template and schema validation only
  write-manifests  regenerate deploy/*.yaml from the chart
"""

import copy
import difflib
import json
import re
import subprocess
import sys
import traceback
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "charts" / "baton-atlassian"
CI_VALUES = CHART / "ci"
DEPLOY = ROOT / "deploy"
RELEASE = "baton-atlassian"
# The objects' name for that release (release and chart names coincide).
FULLNAME = RELEASE
# Kubernetes versions whose schemas every object must meet: the chart's floor (kubeVersion
# in Chart.yaml), a current one and the newest kubernetes-validate knows.
K8S_VERSIONS = ("1.25", "1.31", "1.37")
# deploy/ is the chart rendered with these values; each kind goes to one file.
GOLDEN_VALUES = CI_VALUES / "default-values.yaml"
DEPLOY_FILES = {
    "secret.yaml": ("Secret",),
    "rbac.yaml": ("ServiceAccount", "Role", "RoleBinding"),
    "deployment.yaml": ("Deployment",),
    "service.yaml": ("Service",),
}
# Labels that say Helm manages an object: wrong for `kubectl apply -f deploy/`.
HELM_ONLY_LABELS = ("helm.sh/chart", "app.kubernetes.io/managed-by")
SECRET_DIR = "/etc/baton-atlassian/secrets"
BINARY = "/usr/local/bin/baton-atlassian"
LEADER_ENV = ("BATON_LEADER_ELECTION", "BATON_LEADER_ELECTION_LEASE_NAME", "POD_NAME", "POD_NAMESPACE")
# ServiceMonitor is a Prometheus Operator CRD that kubernetes-validate does not know: it is
# checked against this small schema of the fields the chart writes instead.
SERVICE_MONITOR_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "ServiceMonitor"},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["selector", "endpoints"],
            "properties": {
                "selector": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"matchLabels": {"type": "object", "additionalProperties": {"type": "string"}}},
                },
                "endpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["port"],
                        "properties": {
                            "port": {"type": "string"},
                            "path": {"type": "string", "pattern": "^/"},
                            "interval": {"type": "string", "pattern": "^([0-9]+(ms|s|m|h))+$"},
                            "scrapeTimeout": {"type": "string", "pattern": "^([0-9]+(ms|s|m|h))+$"},
                        },
                    },
                },
            },
        },
    },
}


class CheckFailed(Exception):
    """A check's finding, printed under its name."""


def expect(condition, message):
    """Fails the running check with `message` unless `condition` holds."""
    if not condition:
        raise CheckFailed(message)


# ---------------------------------------------------------------------------------------------
# Helm and the rendered objects


def helm(*args):
    """Runs helm; returns (exit code, stdout, stderr)."""
    done = subprocess.run(["helm", *args], check=False, capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def template_args(values_file=None, sets=(), set_strings=()):
    """`helm template` of the chart as release RELEASE with a values file and overrides."""
    args = ["template", RELEASE, str(CHART)]
    if values_file:
        args += ["-f", str(values_file)]
    for s in sets:
        args += ["--set", s]
    for s in set_strings:
        args += ["--set-string", s]
    return args


_renders = {}


def render(values_file):
    """The objects `helm template` renders with a values file (cached)."""
    if values_file not in _renders:
        code, out, err = helm(*template_args(values_file))
        expect(code == 0, f"helm template -f {values_file.name} failed:\n{err}")
        _renders[values_file] = [d for d in yaml.safe_load_all(out) if d]
    return _renders[values_file]


def deep_merge(base, override):
    """`override` laid over `base`: maps merge key by key, anything else replaces."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_yaml(path):
    """A YAML file's content; an empty file is an empty map."""
    return yaml.safe_load(path.read_text()) or {}


def effective_values(values_file):
    """values.yaml with a scenario's values file laid over it, as helm does."""
    return deep_merge(load_yaml(CHART / "values.yaml"), load_yaml(values_file))


def objects(docs, kind):
    """The rendered objects of a kind."""
    return [d for d in docs if d["kind"] == kind]


def one(docs, kind):
    """The one rendered object of a kind (fails the check unless there is exactly one)."""
    found = objects(docs, kind)
    expect(len(found) == 1, f"expected one {kind}, found {len(found)}")
    return found[0]


def container(docs):
    """The Deployment's only container."""
    containers = one(docs, "Deployment")["spec"]["template"]["spec"]["containers"]
    expect(len(containers) == 1, f"expected one container, found {len(containers)}")
    return containers[0]


def env_of(docs):
    """The container's environment, by name (names must be unique)."""
    entries = container(docs).get("env", [])
    names = [e["name"] for e in entries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    expect(not duplicates, f"environment variables set twice: {duplicates}")
    return {e["name"]: e for e in entries}


def leader_election_on(values):
    """Whether the chart must turn leader election on for these values."""
    return bool(values["leaderElection"]["enabled"]) or values["replicaCount"] > 1


# ---------------------------------------------------------------------------------------------
# Checks that every scenario's rendering must pass


def validate_objects(docs):
    """Every object against the Kubernetes schemas, strictly (no unknown fields)."""
    for doc in docs:
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] == "ServiceMonitor":
            try:
                jsonschema.validate(doc, SERVICE_MONITOR_SCHEMA)
            except jsonschema.ValidationError as e:
                raise CheckFailed(f"{name}: {'.'.join(map(str, e.path))}: {e.message}")
            continue
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                raise CheckFailed(f"{name} (Kubernetes {version}): {'.'.join(map(str, e.path))}: {e.message}")
            except kubernetes_validate.SchemaNotFoundError as e:
                raise CheckFailed(f"{name}: no schema, so not validated: {e.message}")


def check_security_context(docs, values):
    """The restricted Pod Security Standard at pod and container level, and resources."""
    pod = one(docs, "Deployment")["spec"]["template"]["spec"]
    ctr = container(docs)
    for where, ctx in (("pod", pod.get("securityContext", {})), ("container", ctr.get("securityContext", {}))):
        expect(ctx.get("runAsNonRoot") is True, f"{where}: runAsNonRoot is not true")
        expect(ctx.get("runAsUser") == 65532, f"{where}: runAsUser is {ctx.get('runAsUser')}, not 65532")
        expect(
            ctx.get("seccompProfile") == {"type": "RuntimeDefault"}, f"{where}: seccompProfile is not RuntimeDefault"
        )
    ctx = ctr["securityContext"]
    expect(ctx.get("readOnlyRootFilesystem") is True, "container: readOnlyRootFilesystem is not true")
    expect(ctx.get("allowPrivilegeEscalation") is False, "container: allowPrivilegeEscalation is not false")
    expect(ctx.get("capabilities") == {"drop": ["ALL"]}, f"container: capabilities are {ctx.get('capabilities')}")
    expect(ctr["resources"]["requests"] and ctr["resources"]["limits"], "container: no resource requests or limits")


def check_probes_and_health(docs, values):
    """Probes reach the health server: port http 8081 bound to 0.0.0.0."""
    ctr = container(docs)
    expect(ctr["ports"] == [{"name": "http", "containerPort": 8081, "protocol": "TCP"}], f"ports: {ctr['ports']}")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")):
        get = ctr.get(probe, {}).get("httpGet", {})
        expect(
            get.get("path") == path and get.get("port") == "http",
            f"{probe} is {ctr.get(probe)}, not GET {path} on http",
        )
    env = env_of(docs)
    for name, value in (
        ("BATON_HEALTH_CHECK", "true"),
        ("BATON_HEALTH_CHECK_PORT", "8081"),
        ("BATON_HEALTH_CHECK_BIND_ADDRESS", "0.0.0.0"),
    ):
        expect(env.get(name, {}).get("value") == value, f"{name} is not {value!r}: {env.get(name)}")


def check_settings_env(docs, values):
    """Each plain setting has the variable and value the daemon reads."""
    env = env_of(docs)

    def value(name):
        expect(name in env and "value" in env[name], f"{name} has no plain value: {env.get(name)}")
        return env[name]["value"]

    expected = {
        "BATON_HOST_ID": values["hostId"] or RELEASE,
        "BATON_PROVISIONING": str(values["provisioning"]).lower(),
        "BATON_READ_ONLY": str(values["readOnly"]).lower(),
        "BATON_TASK_CONCURRENCY": str(values["taskConcurrency"]),
        "BATON_LOG_FORMAT": values["log"]["format"],
        "BATON_LOG_LEVEL": values["log"]["level"],
        "BATON_C1Z_TEMP_DIR": "/tmp",
        "BATON_SHUTDOWN_GRACE": f"{values['terminationGracePeriodSeconds'] - 10}s",
    }
    for name, want in expected.items():
        expect(value(name) == want, f"{name} is {value(name)!r}, not {want!r}")
    for name, setting in (
        ("BATON_SYNC_INTERVAL", values["syncInterval"]),
        ("BATON_OTLP_ENDPOINT", values["otlp"]["endpoint"]),
    ):
        if setting:
            expect(value(name) == setting, f"{name} is {value(name)!r}, not {setting!r}")
        else:
            expect(name not in env, f"{name} is set although its value is empty")
    pod = one(docs, "Deployment")["spec"]["template"]["spec"]
    expect(
        pod["terminationGracePeriodSeconds"] == values["terminationGracePeriodSeconds"], "terminationGracePeriodSeconds"
    )
    mounts = {m["mountPath"]: m["name"] for m in container(docs)["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    expect(
        volumes[mounts["/tmp"]].get("emptyDir") == {"sizeLimit": values["tmp"]["sizeLimit"]},
        "/tmp is not the sized emptyDir",
    )
    if values["syncInterval"]:
        expect(value("BATON_SNAPSHOT_DIR") in mounts, "BATON_SNAPSHOT_DIR is not a mounted volume")


def check_credentials(docs, values):
    """Secrets reach the pod only as files or references to the Secret, never as values."""
    secret_name = values["existingSecret"] or f"{FULLNAME}-secrets"
    deployment = one(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    ctr = container(docs)
    env = env_of(docs)
    expect("envFrom" not in ctr, "envFrom would put every key of the Secret, secrets too, in the environment")
    for name in ("BATON_CLIENT_SECRET", "BATON_ACCESS_TOKEN"):
        expect(name not in env, f"{name} is in the environment; it must come from its file")
        expect(
            env.get(f"{name}_FILE", {}).get("value") == f"{SECRET_DIR}/{name}",
            f"{name}_FILE does not name the mounted file",
        )
    mount = [m for m in ctr["volumeMounts"] if m["mountPath"] == SECRET_DIR]
    expect(
        len(mount) == 1 and mount[0].get("readOnly") is True and "subPath" not in mount[0],
        f"the Secret is not mounted whole and read-only at {SECRET_DIR}",
    )
    volume = next(v for v in pod["volumes"] if v["name"] == mount[0]["name"])
    expect(
        volume.get("secret", {}).get("secretName") == secret_name, f"the mounted volume is not the Secret {secret_name}"
    )
    refs = {n: e["valueFrom"]["secretKeyRef"] for n, e in env.items() if "secretKeyRef" in e.get("valueFrom", {})}
    expect(
        all(r["name"] == secret_name and r["key"] == n for n, r in refs.items()),
        f"a secretKeyRef misses {secret_name}: {refs}",
    )
    expect(
        "BATON_CLIENT_ID" in refs and not refs["BATON_CLIENT_ID"].get("optional"),
        "BATON_CLIENT_ID is not a required secret reference",
    )
    if values["organizationId"]:
        expect(
            env["BATON_ORGANIZATION_ID"].get("value") == values["organizationId"],
            "BATON_ORGANIZATION_ID is not the value given",
        )
    else:
        expect(
            "BATON_ORGANIZATION_ID" in refs,
            "without organizationId, BATON_ORGANIZATION_ID does not come from the Secret",
        )
    deployment_text = yaml.safe_dump(deployment)
    for key, secret_value in values["secret"]["data"].items():
        if secret_value:
            expect(secret_value not in deployment_text, f"the value of {key} appears in the Deployment")
    secrets = objects(docs, "Secret")
    if values["existingSecret"] or not values["secret"]["create"]:
        expect(not secrets, "a Secret is rendered although the user manages it")
        return
    secret = one(docs, "Secret")
    want = {k: v for k, v in values["secret"]["data"].items() if v}
    expect(secret["metadata"]["name"] == secret_name and secret.get("type") == "Opaque", "the Secret's name or type")
    expect(
        secret.get("stringData") == want and "data" not in secret,
        f"stringData holds {sorted(secret.get('stringData', {}))}, not {sorted(want)}",
    )


def check_leader_election(docs, values):
    """Leader election's variables, API token and update strategy, exactly when it is on."""
    on = leader_election_on(values)
    env = env_of(docs)
    deployment = one(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    present = [n for n in LEADER_ENV if n in env]
    if not on:
        expect(not present, f"leader election is off but {present} are set")
        expect(pod["automountServiceAccountToken"] is False, "an API token is mounted without leader election")
        expect(
            deployment["spec"]["strategy"] == {"type": "Recreate"},
            "without leader election updates must not overlap two pods",
        )
        return
    expect(env["BATON_LEADER_ELECTION"].get("value") == "true", 'BATON_LEADER_ELECTION is not "true"')
    expect(env["BATON_LEADER_ELECTION_LEASE_NAME"].get("value") == FULLNAME, "the Lease is not named after the release")
    for name, path in (("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace")):
        expect(
            env[name].get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == path,
            f"{name} is not the downward API's {path}",
        )
    expect(pod["automountServiceAccountToken"] is True, "leader election needs the API token mounted")
    expect(
        deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0,
        "a rolling update may stop the leader first",
    )
    expect(values["rbac"]["create"] and objects(docs, "Role"), "leader election without a Role")


def check_rbac(docs, values):
    """The pods' ServiceAccount, and a Role granting Leases only (no cluster-wide RBAC)."""
    kinds = {d["kind"] for d in docs}
    expect(not kinds & {"ClusterRole", "ClusterRoleBinding"}, "cluster-wide RBAC is rendered")
    expect(not any("namespace" in d["metadata"] for d in docs), "an object names its namespace (helm/kubectl set it)")
    pod_account = one(docs, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"]
    sa = one(docs, "ServiceAccount")
    expect(
        sa["metadata"]["name"] == pod_account and sa.get("automountServiceAccountToken") is False,
        "the ServiceAccount is not the pod's or mounts its token by default",
    )
    if not values["rbac"]["create"]:
        expect(not kinds & {"Role", "RoleBinding"}, "RBAC rendered with rbac.create false")
        return
    role = one(docs, "Role")
    verbs = {}
    for rule in role["rules"]:
        expect(
            rule["apiGroups"] == ["coordination.k8s.io"] and rule["resources"] == ["leases"],
            f"the Role grants more than Leases: {rule}",
        )
        expect(
            not set(rule["verbs"]) - {"get", "create", "update", "patch"},
            f"the Role grants verbs beyond get/create/update/patch: {rule}",
        )
        for verb in rule["verbs"]:
            verbs[verb] = rule.get("resourceNames")
    expect(set(verbs) == {"get", "create", "update", "patch"}, f"the Role's verbs are {sorted(verbs)}")
    expect(
        all(verbs[v] == [FULLNAME] for v in ("get", "update", "patch")),
        "get/update/patch are not limited to the release's Lease",
    )
    binding = one(docs, "RoleBinding")
    expect(
        binding["roleRef"]
        == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role["metadata"]["name"]},
        f"the RoleBinding binds {binding['roleRef']}",
    )
    expect(
        [(s["kind"], s["name"]) for s in binding["subjects"]] == [("ServiceAccount", pod_account)],
        f"the RoleBinding's subjects are {binding['subjects']}",
    )


def check_labels(docs, values):
    """ConductorOne's labels (string values), the standard ones, and matching selectors."""
    deployment = one(docs, "Deployment")
    expect(
        deployment["metadata"]["labels"].get("app") == "baton-atlassian",
        "the Deployment has no app: baton-atlassian label",
    )
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    for key, want in (("app", "baton-atlassian"), ("baton", "true"), ("baton-app", "atlassian")):
        expect(pod_labels.get(key) == want, f"pod label {key} is {pod_labels.get(key)!r}, not the string {want!r}")
    selector = deployment["spec"]["selector"]["matchLabels"]
    expect(
        selector and all(pod_labels.get(k) == v for k, v in selector.items()),
        "the selector does not match the pod's labels",
    )
    for doc in docs:
        labels = doc["metadata"].get("labels", {})
        for key in ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version"):
            expect(key in labels, f"{doc['kind']} lacks the label {key}")
    for service in objects(docs, "Service"):
        expect(service["spec"]["selector"] == selector, "the Service does not select the Deployment's pods")
        expect(service["spec"]["ports"][0]["targetPort"] == "http", "the Service does not target the http port")


def check_optional_objects(docs, values):
    """PodDisruptionBudget, ServiceMonitor and NetworkPolicy appear exactly when asked for."""
    pdbs = objects(docs, "PodDisruptionBudget")
    want_pdb = values["podDisruptionBudget"]["enabled"] and values["replicaCount"] > 1
    expect(bool(pdbs) == want_pdb, f"PodDisruptionBudget rendered: {bool(pdbs)}, expected {want_pdb}")
    if pdbs:
        expect(
            pdbs[0]["spec"]["maxUnavailable"] == values["podDisruptionBudget"]["maxUnavailable"], "PDB maxUnavailable"
        )
    monitors = objects(docs, "ServiceMonitor")
    expect(bool(monitors) == values["serviceMonitor"]["enabled"], "ServiceMonitor rendered iff serviceMonitor.enabled")
    if monitors:
        endpoint = monitors[0]["spec"]["endpoints"]
        expect(
            endpoint[0]["port"] == "http" and endpoint[0]["path"] == "/metrics",
            f"the ServiceMonitor scrapes {endpoint}",
        )
        for key, label in values["serviceMonitor"]["labels"].items():
            expect(monitors[0]["metadata"]["labels"].get(key) == label, f"ServiceMonitor lacks the label {key}")
    policies = objects(docs, "NetworkPolicy")
    expect(bool(policies) == values["networkPolicy"]["enabled"], "NetworkPolicy rendered iff networkPolicy.enabled")
    if not policies:
        return
    spec = policies[0]["spec"]
    expect(spec["policyTypes"] == ["Ingress", "Egress"], "the NetworkPolicy does not restrict both directions")
    expect(
        len(spec["ingress"]) == 1 and spec["ingress"][0]["ports"] == [{"port": 8081, "protocol": "TCP"}],
        f"ingress beyond the health port: {spec['ingress']}",
    )
    expect(
        spec["ingress"][0]["from"] == values["networkPolicy"]["metricsFrom"],
        "ingress peers are not networkPolicy.metricsFrom",
    )
    egress = set()
    for rule in spec["egress"]:
        expect("to" not in rule or rule["to"], f"an egress rule without ports: {rule}")
        expect(rule.get("ports"), f"an egress rule open on every port: {rule}")
        egress |= {(p["port"], p["protocol"]) for p in rule["ports"]}
    want = {(53, "UDP"), (53, "TCP"), (443, "TCP")}
    if values["otlp"]["endpoint"]:
        want.add((int(re.search(r":(\d+)", values["otlp"]["endpoint"].split("//", 1)[1]).group(1)), "TCP"))
    if leader_election_on(values):
        want.add((values["networkPolicy"]["apiServerPort"], "TCP"))
    expect(egress == want, f"egress ports are {sorted(egress)}, expected {sorted(want)}")


SCENARIO_CHECKS = (
    ("restricted security context and resources", check_security_context),
    ("probes on /healthz and /readyz, health server on 0.0.0.0:8081", check_probes_and_health),
    ("settings as environment variables", check_settings_env),
    ("credentials only as files and Secret references", check_credentials),
    ("leader election exactly when enabled or replicas > 1", check_leader_election),
    ("RBAC: ServiceAccount, Role on its own Lease only", check_rbac),
    ("ConductorOne and standard labels", check_labels),
    ("PDB, ServiceMonitor, NetworkPolicy as configured", check_optional_objects),
)


# ---------------------------------------------------------------------------------------------
# Checks of the chart as a whole, deploy/, the README and the Dockerfile


def check_schema_rejects(sets=(), set_strings=(), values_file=GOLDEN_VALUES, mentions=""):
    """`helm template` fails on these values, with an error that names `mentions`."""
    code, _, err = helm(*template_args(values_file, sets, set_strings))
    expect(code != 0, "helm template accepted it")
    expect(mentions in err, f"the error does not mention {mentions!r}:\n{err}")


def leaves(tree, prefix=""):
    """The leaf values of a values tree by dotted path; lists and empty maps are leaves."""
    if isinstance(tree, dict) and tree:
        for key, value in tree.items():
            yield from leaves(value, f"{prefix}{key}.")
    else:
        yield prefix[:-1], tree


def check_schema_covers_values():
    """values.schema.json has a typed, described node for every leaf of values.yaml."""
    schema = json.loads((CHART / "values.schema.json").read_text())
    missing = []
    for path, _ in leaves(load_yaml(CHART / "values.yaml")):
        node = schema
        for part in path.split("."):
            node = node.get("properties", {}).get(part)
            if node is None:
                missing.append(path)
                break
        else:
            expect("type" in node and node.get("description"), f"{path}: no type or description in the schema")
    expect(not missing, f"values without a schema: {missing}")


def readme_table():
    """The README's values table: {key: default}, from rows | `key` | `default` | meaning |."""
    rows = {}
    for line in (CHART / "README.md").read_text().splitlines():
        match = re.match(r"^\| `([^`]+)` \| `(.*?)` \| .+ \|$", line)
        if match:
            expect(match.group(1) not in rows, f"{match.group(1)} is twice in the README table")
            rows[match.group(1)] = yaml.safe_load(match.group(2))
    return rows


def check_readme_table():
    """The README's table has exactly the leaves of values.yaml, with their defaults."""
    table = readme_table()
    values = dict(leaves(load_yaml(CHART / "values.yaml")))
    expect(
        not values.keys() - table.keys(),
        f"values missing from the README table: {sorted(values.keys() - table.keys())}",
    )
    expect(
        not table.keys() - values.keys(),
        f"README rows for values that do not exist: {sorted(table.keys() - values.keys())}",
    )
    wrong = [f"{k}: README {table[k]!r}, values.yaml {v!r}" for k, v in values.items() if table[k] != v]
    expect(not wrong, "README defaults differ: " + "; ".join(wrong))


def manifests(docs):
    """The chart's objects as plain manifests: {file name: objects}, without Helm's labels."""
    files = {name: [] for name in DEPLOY_FILES}
    for doc in docs:
        doc = copy.deepcopy(doc)
        for meta in (doc["metadata"], doc.get("spec", {}).get("template", {}).get("metadata", {})):
            for label in HELM_ONLY_LABELS:
                meta.get("labels", {}).pop(label, None)
        target = [name for name, kinds in DEPLOY_FILES.items() if doc["kind"] in kinds]
        expect(target, f"{doc['kind']} has no file in deploy/ (add it to DEPLOY_FILES)")
        files[target[0]].append(doc)
    for name, kinds in DEPLOY_FILES.items():
        files[name].sort(key=lambda d: kinds.index(d["kind"]))
    return files


HEADER = """\
# Generated by `make deploy-manifests` from charts/baton-atlassian with
# charts/baton-atlassian/ci/default-values.yaml (release baton-atlassian). Do not edit:
# change the chart and regenerate; `make deploy-check` fails when they differ.
"""
SECRET_HEADER = """\
# Replace every REPLACE_ME value before `kubectl apply -f deploy/`, or create the Secret
# yourself (kubectl create secret generic baton-atlassian-secrets --from-literal=...).
"""


def write_manifests():
    """Writes deploy/ from helm's own text (so the templates' comments stay), less Helm's labels."""
    code, out, err = helm(*template_args(GOLDEN_VALUES))
    expect(code == 0, err)
    texts = {name: [] for name in DEPLOY_FILES}
    helm_label = re.compile(r"^\s+({}):.*\n".format("|".join(map(re.escape, HELM_ONLY_LABELS))), re.MULTILINE)
    for chunk in re.split(r"^---\n", out, flags=re.MULTILINE):
        chunk = helm_label.sub("", re.sub(r"^# Source: .*\n", "", chunk, flags=re.MULTILINE))
        doc = yaml.safe_load(chunk)
        if doc:
            texts[next(n for n, kinds in DEPLOY_FILES.items() if doc["kind"] in kinds)].append(chunk)
    for name, chunks in texts.items():
        header = HEADER + (SECRET_HEADER if name == "secret.yaml" else "")
        (DEPLOY / name).write_text(header + "---\n".join(chunks))
        print(f"wrote deploy/{name}")


def check_golden_manifests():
    """deploy/*.yaml hold the objects of `manifests()`, in order, equal as data."""
    want = manifests(render(GOLDEN_VALUES))
    on_disk = sorted(p.name for p in DEPLOY.glob("*.yaml"))
    expect(on_disk == sorted(want), f"deploy/ holds {on_disk}, expected {sorted(want)}")
    differ = []
    for name, docs in want.items():
        have = [d for d in yaml.safe_load_all((DEPLOY / name).read_text()) if d]
        key = lambda d: (d["kind"], d["metadata"]["name"])
        expect([key(d) for d in have] == [key(d) for d in docs], f"deploy/{name} holds {[key(d) for d in have]}")
        for (kind, obj_name), on_file, rendered in zip(map(key, docs), have, docs):
            if on_file != rendered:
                differ.append(f"deploy/{name}: {kind}/{obj_name}")
                differ += difflib.unified_diff(
                    yaml.safe_dump(rendered).splitlines(),
                    yaml.safe_dump(on_file).splitlines(),
                    "chart",
                    f"deploy/{name}",
                    lineterm="",
                    n=1,
                )
    expect(not differ, "deploy/ differs from the chart; run `make deploy-manifests`:\n" + "\n".join(differ))


def check_deploy_placeholders():
    """deploy/secret.yaml says what to replace, and every value is a REPLACE_ME placeholder."""
    text = (DEPLOY / "secret.yaml").read_text()
    expect(text.startswith(HEADER + SECRET_HEADER), "deploy/secret.yaml lacks its header saying what to replace")
    secret = one([d for d in yaml.safe_load_all(text) if d], "Secret")
    values = secret.get("stringData", {})
    expect(values and "data" not in secret, "deploy/secret.yaml does not use stringData")
    expect(
        all(v.startswith("REPLACE_ME") for v in values.values()),
        f"not every value is a REPLACE_ME placeholder: {sorted(values)}",
    )
    expect(
        set(values) == {"BATON_CLIENT_ID", "BATON_CLIENT_SECRET", "BATON_ACCESS_TOKEN"},
        f"placeholders for {sorted(values)}",
    )


def check_chart_metadata():
    """Chart.yaml is a Helm 3 chart whose appVersion is the daemon crate's version."""
    chart = load_yaml(CHART / "Chart.yaml")
    expect(chart["apiVersion"] == "v2", "Chart.yaml apiVersion is not v2")
    crate = (ROOT / "crates" / "daemon" / "Cargo.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', crate, re.MULTILINE).group(1)
    expect(chart["appVersion"] == version, f"appVersion {chart['appVersion']} is not the daemon's version {version}")


def check_dockerfile():
    """The image builds the chart's binary with --locked and runs it as 65532 on distroless."""
    text = (ROOT / "Dockerfile").read_text()
    instructions = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    stages = [i for i, line in enumerate(instructions) if line.upper().startswith("FROM ")]
    expect(len(stages) >= 2, "the Dockerfile is not multi-stage")
    runtime = instructions[stages[-1] :]
    expect("gcr.io/distroless/cc-debian12:nonroot" in runtime[0], f"the runtime image is {runtime[0]}")
    users = [line.split()[1] for line in runtime if line.upper().startswith("USER ")]
    expect(users and users[-1].split(":")[0] == "65532", f"the runtime USER is {users}, not 65532")
    entry = [line for line in runtime if line.upper().startswith("ENTRYPOINT ")]
    expect(entry and json.loads(entry[-1].split(None, 1)[1]) == [BINARY], f"ENTRYPOINT is {entry}, not [{BINARY!r}]")
    expect(
        any(f" {BINARY}" in line for line in runtime if line.upper().startswith("COPY ")),
        f"nothing is copied to {BINARY}",
    )
    expect(container(render(GOLDEN_VALUES))["command"] == [BINARY], "the chart's command is not the image's binary")
    build = " ".join(instructions[: stages[-1]])
    for flag in ("--release", "--locked", "-p baton-atlassian", "target/release/baton-atlassian"):
        expect(flag in build, f"the build does not use {flag}")
    daemon = (ROOT / "crates" / "daemon" / "Cargo.toml").read_text()
    expect(
        re.search(r'^\[package\]\nname = "baton-atlassian"$', daemon, re.MULTILINE)
        and re.search(r'^\[\[bin\]\]\nname = "baton-atlassian"$', daemon, re.MULTILINE),
        "crates/daemon no longer builds the package and binary baton-atlassian",
    )
    rust = re.search(r"ARG RUST_VERSION=(\d+)\.(\d+)", build)
    floor = re.search(r'rust-version = "(\d+)\.(\d+)"', (ROOT / "Cargo.toml").read_text())
    expect(
        rust and floor and tuple(map(int, rust.groups())) >= tuple(map(int, floor.groups())),
        "ARG RUST_VERSION is older than the workspace's rust-version",
    )
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in ("target", ".git", "demo-out"):
        expect(any(p.strip("/") == path for p in ignored), f".dockerignore does not exclude {path}")


# ---------------------------------------------------------------------------------------------
# The runner


class Runner:
    """Runs checks, printing `ok` or `FAIL` and the finding for each, and counts them."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, name, fn, *args, **kwargs):
        try:
            fn(*args, **kwargs)
        except CheckFailed as e:
            self.failed += 1
            print(f"FAIL {name}\n     " + str(e).replace("\n", "\n     "))
        except Exception:  # noqa: BLE001 (a bug in a check is reported as its failure)
            self.failed += 1
            print(f"FAIL {name} (error in the check)\n" + traceback.format_exc())
        else:
            self.passed += 1
            print(f"ok   {name}")


def scenario_files():
    """The values files the chart is tested with (ci/*.yaml)."""
    return sorted(CI_VALUES.glob("*.yaml"))


def lint(values_file):
    """`helm lint --strict` with a values file passes."""
    code, out, err = helm("lint", "--strict", str(CHART), "-f", str(values_file))
    expect(code == 0, out + err)


def lint_refuses_bare_defaults():
    """`helm lint --strict` of values.yaml alone fails: it has no organization id or credentials."""
    code, out, err = helm("lint", "--strict", str(CHART))
    expect(code != 0, "helm lint accepted values.yaml alone")
    expect(
        "organizationId" in out + err and "BATON_ACCESS_TOKEN" in out + err,
        f"the errors do not name what is missing:\n{out}{err}",
    )


def chart_checks(runner):
    """helm lint, helm template and schema validation (`make chart`)."""
    runner.run(
        "helm lint --strict refuses values.yaml alone (no organization id, no credentials)", lint_refuses_bare_defaults
    )
    for values_file in scenario_files():
        runner.run(f"helm lint --strict -f ci/{values_file.name}", lint, values_file)
        runner.run(
            f"[{values_file.stem}] objects meet the Kubernetes {'/'.join(K8S_VERSIONS)} schemas (strict)",
            lambda f=values_file: validate_objects(render(f)),
        )


def all_checks(runner):
    """Everything (`make deploy-check`)."""
    chart_checks(runner)
    for values_file in scenario_files():
        for name, fn in SCENARIO_CHECKS:
            runner.run(f"[{values_file.stem}] {name}", lambda f=values_file, fn=fn: fn(render(f), effective_values(f)))
    rejects = (
        ('replicaCount: "three"', {"set_strings": ["replicaCount=three"], "mentions": "replicaCount"}),
        ("no organizationId without existingSecret", {"sets": ["organizationId="], "mentions": "organizationId"}),
        (
            "a chart-made Secret without the access token",
            {"sets": ["secret.data.BATON_ACCESS_TOKEN="], "mentions": "BATON_ACCESS_TOKEN"},
        ),
        ("an unknown value (replicas)", {"sets": ["replicas=2"], "mentions": "replicas"}),
        ("an unknown Secret key", {"sets": ["secret.data.BATON_API_TOKEN=x"], "mentions": "BATON_API_TOKEN"}),
        ('provisioning: "yes"', {"set_strings": ["provisioning=yes"], "mentions": "provisioning"}),
        ("log.format: xml", {"sets": ["log.format=xml"], "mentions": "log.format"}),
        ("taskConcurrency: 0", {"sets": ["taskConcurrency=0"], "mentions": "taskConcurrency"}),
        ("otlp.endpoint without a scheme", {"sets": ["otlp.endpoint=otel:4317"], "mentions": "otlp.endpoint"}),
        (
            "a ServiceMonitor without the Service",
            {"sets": ["serviceMonitor.enabled=true", "service.enabled=false"], "mentions": "service.enabled"},
        ),
    )
    for name, kwargs in rejects:
        runner.run(f"the chart refuses {name}", check_schema_rejects, **kwargs)
    runner.run("values.schema.json types and describes every value", check_schema_covers_values)
    runner.run("README values table lists every value with its default", check_readme_table)
    runner.run("Chart.yaml: apiVersion v2, appVersion is the daemon's version", check_chart_metadata)
    runner.run("deploy/*.yaml equal the chart's rendering (object by object)", check_golden_manifests)
    runner.run("deploy/secret.yaml holds marked placeholders in stringData", check_deploy_placeholders)
    runner.run("Dockerfile: multi-stage, distroless nonroot, USER 65532, the chart's binary", check_dockerfile)


def main(mode):
    """Runs a mode; the exit code is 1 when a check failed."""
    if mode == "write-manifests":
        write_manifests()
        return 0
    runner = Runner()
    {"check": all_checks, "chart": chart_checks}[mode](runner)
    print(f"deploy-checks: {runner.passed} passed, {runner.failed} failed")
    return 1 if runner.failed else 0


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "check"
    if mode not in ("check", "chart", "write-manifests"):
        sys.exit(__doc__)
    sys.exit(main(mode))
