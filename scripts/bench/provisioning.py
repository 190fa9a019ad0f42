#!/usr/bin/env python3
"""Fleet-scale provisioning benchmark on the test cluster (kwok nodes).

Run through scripts/bench-provisioning.sh, which starts the cluster and builds
the release binary. For each N it measures:

  ceiling  the object graph of N Ready stores (copied from one store Nexus
           made), written as fast as the API server takes it by parallel
           server-side applies, until kwok reports every database, WordPress
           and setup Job ready: what this cluster can do without any operator
           logic. Its namespaces are then deleted: the namespace controller's
           own pace for deletion.
  nexus    N Store objects created at once; time until all are Ready, time to
           Ready per store, the operator's API requests by verb (counted by the
           API server: its audit log of the operator's own identity), its CPU
           and peak memory, the API server's CPU, and how soon after its Store
           each store's first and last objects were made (the operator's pace).
           Both runs print every cluster process's CPU per store and how busy
           the cores were: on 2 cores both runs keep them busy, so what the
           Nexus run costs the machine beyond the ceiling's is what it loses.
           And what the API server did in each, from its metrics: requests by
           verb and resource from every client, watch events and their bytes
           by resource, requests by client (flow schema); per store, the
           entries that changed most (target/bench/apiserver-work-N.json
           holds them all).
  rest     with the N stores Ready: the operator's requests in a quiet window
           (its Lease aside), and what one reconcile of every store costs
           (what a resync costs).
  delete   all N stores deleted at once; time until every Store and namespace
           is gone, and the operator's requests meanwhile.

With --fleet F (and --burst B): F stores made Ready and left at rest (the
operator's requests and memory then), the operator restarted over them (a
new leader lists and reconciles all F: its peak memory), then B more created
at once while the F sit Ready: their time to Ready against the same burst on
an empty cluster (the N=B run, when B is one of the N).

The operator's provisioning timeout is its default, 10 minutes, or 1.2 s for
each store created at once if that is longer: the ceiling here makes a
store's objects ready in 0.4-0.6 s of the cluster's time, so the last of a
burst of 1,000 is ready about 10 minutes after the first, operator or not.
A store Failed for any reason stops the run: it is not a result.
"""

import argparse
import base64
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from urllib.parse import quote, urlparse

BENCH_USER = "nexus-bench-operator"
MANAGED_BY = '"app.kubernetes.io/managed-by": "nexus"'

# kind -> (API prefix, resource, namespaced); the children a store has.
KINDS = {
    "Namespace": ("/api/v1", "namespaces", False),
    "ResourceQuota": ("/api/v1", "resourcequotas", True),
    "LimitRange": ("/api/v1", "limitranges", True),
    "Secret": ("/api/v1", "secrets", True),
    "Service": ("/api/v1", "services", True),
    "PersistentVolumeClaim": ("/api/v1", "persistentvolumeclaims", True),
    "NetworkPolicy": ("/apis/networking.k8s.io/v1", "networkpolicies", True),
    "Ingress": ("/apis/networking.k8s.io/v1", "ingresses", True),
    "Role": ("/apis/rbac.authorization.k8s.io/v1", "roles", True),
    "RoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "rolebindings", True),
    "StatefulSet": ("/apis/apps/v1", "statefulsets", True),
    "Deployment": ("/apis/apps/v1", "deployments", True),
    "Job": ("/apis/batch/v1", "jobs", True),
}
STORE_PATH = "/apis/nexus.dev/v1alpha1"


class Api:
    """A small client of the API server with the client certificate of a
    kubeconfig written by scripts/test-cluster.sh (one connection per thread)."""

    def __init__(self, kubeconfig):
        text = open(kubeconfig).read()

        def field(name):
            return re.search(rf"{name}: (\S+)", text).group(1)

        server = urlparse(field("server"))
        self.host, self.port = server.hostname, server.port
        self.dir = tempfile.mkdtemp(prefix="nexus-bench-")
        paths = {}
        for name in ("certificate-authority-data", "client-certificate-data", "client-key-data"):
            paths[name] = os.path.join(self.dir, name)
            with open(paths[name], "wb") as f:
                f.write(base64.b64decode(field(name)))
        self.tls = ssl.create_default_context(cafile=paths["certificate-authority-data"])
        self.tls.load_cert_chain(paths["client-certificate-data"], paths["client-key-data"])
        self.local = threading.local()

    def request(self, method, path, body=None, content_type="application/json"):
        for attempt in range(5):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = http.client.HTTPSConnection(self.host, self.port, context=self.tls, timeout=60)
                self.local.conn = conn
            try:
                headers = {"Accept": "application/json"}
                data = None
                if body is not None:
                    data = json.dumps(body).encode()
                    headers["Content-Type"] = content_type
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                self.local.conn = None
                conn.close()
                time.sleep(0.2 * (attempt + 1))
                continue
            if response.status == 429:  # the API server's own flow control
                time.sleep(float(response.getheader("Retry-After", "1")))
                continue
            if response.status == 409 and b"resourcequotas" in payload:
                # Quota admission lost a race updating the namespace's usage.
                time.sleep(0.2 * (attempt + 1))
                continue
            return response.status, json.loads(payload) if payload else None
        raise RuntimeError(f"{method} {path}: no answer after 5 attempts")

    def ok(self, method, path, body=None, content_type="application/json"):
        status, payload = self.request(method, path, body, content_type)
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {payload and payload.get('message')}")
        return payload

    def raw(self, path, timeout):
        """The bytes of a GET, on a connection of its own."""
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.tls, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            payload = response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {payload[:200]!r}")
        return payload

    def items(self, path, selector=None):
        query = f"?labelSelector={quote(selector)}" if selector else ""
        return self.ok("GET", path + query)["items"]


class Watched:
    """The objects of one collection as a watch reports them, each reduced by
    `summary`: what a wait for N stores (or N ceiling copies) to be ready
    reads. Listing the collection every half second instead would cost the
    API server more than the work it measures (500 Stores are a list of
    1.5 MB, encoded afresh for each request), in both runs; a watch costs it
    one event per change, encoded once for every watcher of that object."""

    def __init__(self, api, path, selector=None, summary=lambda obj: obj):
        self.api, self.path, self.summary = api, path, summary
        self.query = f"labelSelector={quote(selector)}" if selector else ""
        self.objects = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.conn = None
        self.listed = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        if not self.listed.wait(60):
            raise RuntimeError(f"bench: could not list {self.path}")
        return self

    def __exit__(self, *_):
        self.stopped.set()
        sock = self.conn and self.conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread's read
            except OSError:
                pass
        self.thread.join(10)

    def values(self):
        with self.lock:
            return list(self.objects.values())

    def names(self):
        with self.lock:
            return [name for _, name in self.objects]

    def run(self):
        while not self.stopped.is_set():
            try:
                version = self.relist()
                while version and not self.stopped.is_set():
                    version = self.watch(version)
            except (OSError, http.client.HTTPException, ValueError, RuntimeError):
                if not self.stopped.is_set():
                    time.sleep(0.5)

    def relist(self):
        listed = self.api.ok("GET", f"{self.path}?{self.query}")
        with self.lock:
            self.objects = {self.key(o): self.summary(o) for o in listed["items"]}
        self.listed.set()
        return listed["metadata"]["resourceVersion"]

    @staticmethod
    def key(obj):
        return (obj["metadata"].get("namespace"), obj["metadata"]["name"])

    def watch(self, version):
        """Follows the collection from `version` until the server ends the
        watch; the version to go on from, or None when it is too old (the
        caller lists again)."""
        self.conn = http.client.HTTPSConnection(self.api.host, self.api.port, context=self.api.tls, timeout=120)
        query = f"{self.query}&watch=1&allowWatchBookmarks=true&timeoutSeconds=60&resourceVersion={version}"
        try:
            if self.stopped.is_set():  # stopped while listing: no new watch
                return None
            self.conn.request("GET", f"{self.path}?{query}", headers={"Accept": "application/json"})
            response = self.conn.getresponse()
            if response.status != 200:
                return None
            for line in iter(response.readline, b""):
                event = json.loads(line)
                obj = event["object"]
                if event["type"] == "ERROR":
                    return None  # 410 Gone: the version is too old
                version = obj["metadata"]["resourceVersion"]
                if event["type"] == "BOOKMARK":
                    continue
                with self.lock:
                    if event["type"] == "DELETED":
                        self.objects.pop(self.key(obj), None)
                    else:
                        self.objects[self.key(obj)] = self.summary(obj)
        finally:
            self.conn.close()
        return version


def path_of(kind, namespace=None, name=None):
    prefix, resource, namespaced = KINDS[kind]
    path = prefix
    if namespaced and namespace:
        path += f"/namespaces/{namespace}"
    path += f"/{resource}"
    return path + (f"/{name}" if name else "")


def kubectl(kubeconfig, *args, stdin=None):
    return subprocess.run(
        ["kubectl", f"--kubeconfig={kubeconfig}", *args],
        input=stdin, text=True, check=True, capture_output=True,
    ).stdout


# --- measurements -------------------------------------------------------------


class Process:
    """CPU time and peak memory of a process, from /proc."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid):
        self.pid = pid

    def cpu(self):
        fields = open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.TICKS

    def memory_kib(self, field):
        for line in open(f"/proc/{self.pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return 0

    def peak_kib(self):
        return self.memory_kib("VmHWM")

    def rss_kib(self):
        return self.memory_kib("VmRSS")


class Machine:
    """CPU time of every process of the test cluster and of the machine as a
    whole, so a run says where its time went: which process worked more than
    in the ceiling run, and whether the cores were busy at all."""

    COMPONENTS = ["apiserver", "etcd", "controller-manager", "scheduler", "kwok", "provisioner"]

    def __init__(self, cluster_dir):
        self.processes = {}
        for name in self.COMPONENTS:
            path = os.path.join(cluster_dir, "pids", f"{name}.pid")
            if os.path.exists(path):
                self.processes[name] = Process(int(open(path).read()))
        # The benchmark itself: the ceiling's writers, and its polling.
        self.processes["bench"] = Process(os.getpid())

    @staticmethod
    def busy_and_total():
        fields = [int(f) for f in open("/proc/stat").readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle, iowait
        return (sum(fields) - idle) / Process.TICKS, sum(fields) / Process.TICKS

    def snapshot(self, operator=None):
        processes = dict(self.processes)
        if operator is not None:
            processes["operator"] = operator
        return {name: p.cpu() for name, p in processes.items()}, self.busy_and_total(), processes

    def since(self, snapshot):
        """CPU seconds each process used since `snapshot`, and how busy the
        machine's cores were meanwhile (0 to 1)."""
        before, (busy, total), processes = snapshot
        used = {name: p.cpu() - before[name] for name, p in processes.items()}
        busy_now, total_now = self.busy_and_total()
        return {"cpu": used, "busy": (busy_now - busy) / max(total_now - total, 1e-9)}


class ApiServerWork:
    """What the API server did while a run lasted, from its own metrics
    (counters read before and after): requests by verb and resource from
    every client, watch events sent by resource (one per watcher) and their
    bytes, and requests by flow schema (which client). Side by side with the
    ceiling run, it says which requests and which watchers the extra time
    went to."""

    SERIES = {
        "apiserver_request_total": ("verb", "resource", "subresource"),
        "apiserver_watch_events_total": ("resource",),
        "apiserver_watch_events_sizes_sum": ("resource",),
        "apiserver_flowcontrol_dispatched_requests_total": ("flow_schema",),
    }

    def __init__(self, api):
        self.api = api

    def snapshot(self):
        totals = {name: {} for name in self.SERIES}
        for line in self.api.raw("/metrics", 30).decode().splitlines():
            name, _, rest = line.partition("{")
            if name not in self.SERIES or "} " not in rest:
                continue
            labels_text, _, value = rest.rpartition("} ")
            labels = dict(re.findall(r'(\w+)="([^"]*)"', labels_text))
            key = " ".join(labels.get(k, "") for k in self.SERIES[name] if labels.get(k))
            totals[name][key] = totals[name].get(key, 0.0) + float(value)
        return totals

    def since(self, before):
        """What each counter grew by since `before` (counters only grow)."""
        after = self.snapshot()
        grown = {name: {key: value - before[name].get(key, 0.0) for key, value in after[name].items()}
                 for name in self.SERIES}
        return {name: {key: value for key, value in values.items() if value > 0} for name, values in grown.items()}


class ApiServerProfile:
    """CPU profiles of the API server while a run lasts (--profile), in
    pieces of PIECE seconds, since its pprof endpoint takes a fixed length:
    target/bench/apiserver-TAG-K.pb.gz, to read with `go tool pprof -top
    FILES...`, or against another run with -diff_base. Needs a cluster started
    with NEXUS_CLUSTER_PROFILING=true."""

    PIECE = 10

    def __init__(self, api, out, tag):
        self.api, self.out, self.tag = api, out, tag
        self.stop = threading.Event()
        self.files = []
        self.thread = threading.Thread(target=self.capture, daemon=True)

    def capture(self):
        while not self.stop.is_set():
            path = os.path.join(self.out, f"apiserver-{self.tag}-{len(self.files)}.pb.gz")
            profile = self.api.raw(f"/debug/pprof/profile?seconds={self.PIECE}", self.PIECE + 30)
            with open(path, "wb") as f:
                f.write(profile)
            self.files.append(path)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.stop.set()
        self.thread.join()


class NoProfile:
    def __enter__(self):
        return self

    def __exit__(self, *_):
        pass


class AuditLog:
    """The operator's requests as the API server logged them (one event per
    request and stage; a request counts once, by its audit ID)."""

    def __init__(self, path):
        self.path = path

    def mark(self):
        time.sleep(1)  # the log backend writes as requests complete; let the last ones land
        return os.path.getsize(self.path) if os.path.exists(self.path) else 0

    def requests(self, start, end):
        seen = {}
        with open(self.path, "rb") as f:
            f.seek(start)
            data = f.read(end - start)
        for line in data.splitlines():
            event = json.loads(line)
            if event.get("user", {}).get("username") != BENCH_USER:
                continue
            resource = (event.get("objectRef") or {}).get("resource", "")
            subresource = (event.get("objectRef") or {}).get("subresource")
            if subresource:
                resource += "/" + subresource
            seen[event["auditID"]] = (event["verb"], resource)
        return list(seen.values())


def by_verb(requests, per=1):
    counts = {}
    for verb, _ in requests:
        counts[verb] = counts.get(verb, 0) + 1
    return " ".join(f"{verb} {count / per:.1f}" for verb, count in sorted(counts.items())) or "none"


def by_resource(requests):
    counts = {}
    for verb, resource in requests:
        counts[(verb, resource)] = counts.get((verb, resource), 0) + 1
    return ", ".join(f"{v} {r} {c}" for (v, r), c in sorted(counts.items(), key=lambda x: -x[1]))


# Seconds between the operator's returns of freed memory (operator/mod.rs RELEASE_FREED_EVERY), and one.
RELEASE_FREED_EVERY = 31

# Seconds between writes of an audit anchor (operator/audit/anchors.rs EVERY), and a second.
ANCHOR_BATCH = 6

WRITE_VERBS = ("create", "update", "patch", "delete", "deletecollection")


def writes_of(requests):
    """Requests that change what the cluster stores (a review's create does not)."""
    return [r for r in requests if r[0] in WRITE_VERBS and not r[1].endswith("reviews")]


def without_lease(requests):
    return [r for r in requests if r[1] != "leases"]


def at_rest(requests):
    """A quiet window's requests, and apart from them how many were the
    operator's watches renewing themselves: each watch ends after the
    server's timeout (kube's watcher asks for 290 s) and is started again, so
    a window that falls on that moment sees two audit entries per watch (the
    old one ending, the new one starting), whatever the number of stores."""
    renewals = [r for r in requests if r[0] == "watch"]
    others = [r for r in requests if r[0] != "watch"]
    said = f"{len(others)} requests in a quiet window besides the Lease" + (f": {by_resource(others)}" if others else "")
    if renewals:
        said += f" (and {len(renewals)} watch requests: its watches renewing, {by_resource(renewals)})"
    return said


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def failure_of(store):
    """A Failed store's Ready condition: reason: message."""
    for condition in (store.get("status") or {}).get("conditions", []):
        if condition.get("type") == "Ready":
            return f"{condition.get('reason')}: {condition.get('message')}"
    return "no Ready condition"


def provisioning_timeout(at_once):
    """Seconds: the operator's default, or the cluster's own pace for a burst
    of `at_once` stores if that is longer (see the module's doc)."""
    return max(600, round(1.2 * at_once))


def wait_until(what, check, timeout, every=0.5):
    deadline = time.time() + timeout
    while True:
        state = check()
        if state is True:
            return
        if time.time() > deadline:
            sys.exit(f"bench: {what} not reached within {timeout}s: {state}")
        time.sleep(every)


def store_state(store):
    """What a wait reads of a Store: its phase, and why it failed."""
    phase = (store.get("status") or {}).get("phase")
    failure = failure_of(store) if phase == "Failed" else None
    return {"name": store["metadata"]["name"], "phase": phase, "failure": failure}


# --- the bench ----------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = args.cluster_dir
        self.admin_config = os.path.join(self.dir, "admin.kubeconfig")
        self.admin = Api(self.admin_config)
        self.audit = AuditLog(os.path.join(self.dir, "logs", "apiserver-audit.log"))
        self.apiserver = Process(int(open(os.path.join(self.dir, "pids", "apiserver.pid")).read()))
        self.machine = Machine(self.dir)
        self.work = ApiServerWork(self.admin)
        self.id = f"bench{int(time.time())}"
        self.operator = None
        self.nodes = []

    def profile(self, tag):
        if not self.args.profile:
            return NoProfile()
        return ApiServerProfile(self.admin, self.args.out, tag)

    # The operator, as the benchmark's own identity bound to the operator's role.
    def start_operator(self, tag, at_once=1):
        """The operator, for a run that creates `at_once` stores at once."""
        log = open(os.path.join(self.args.out, f"operator-{tag}.log"), "w")
        command = [
            self.args.binary, "operator",
            f"--kubeconfig={os.path.join(self.dir, 'bench-operator.kubeconfig')}",
            f"--store-selector=nexus.dev/bench={self.id}",
            f"--lease-name={self.id}-{tag}", "--lease-namespace=default",
            f"--metrics-address=127.0.0.1:{self.args.metrics_port}",
            # kwok's pods never run a shopper: no store would become Ready.
            "--check-before-ready=false",
            f"--provisioning-timeout={provisioning_timeout(at_once)}s",
        ]
        if self.args.concurrency:
            command.append(f"--concurrency={self.args.concurrency}")
        self.operator = subprocess.Popen(command, stdout=log, stderr=log)
        wait_until("operator ready", lambda: self.operator_ready(), 60)
        return Process(self.operator.pid)

    def operator_ready(self):
        if self.operator.poll() is not None:
            sys.exit(f"bench: the operator exited ({self.operator.returncode}); see {self.args.out}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.args.metrics_port, timeout=2)
            conn.request("GET", "/readyz")
            return conn.getresponse().status == 200 or "not ready"
        except OSError as e:
            return str(e)

    def stop_operator(self):
        if self.operator:
            self.operator.terminate()
            self.operator.wait(30)
            self.operator = None

    def metric(self, name):
        conn = http.client.HTTPConnection("127.0.0.1", self.args.metrics_port, timeout=5)
        conn.request("GET", "/metrics")
        total = 0.0
        for line in conn.getresponse().read().decode().splitlines():
            key = line.split(" ")[0]
            if key == name or key.startswith(name + "{"):
                total += float(line.split(" ")[1])
        return total

    def setup(self):
        crds = subprocess.run([self.args.binary, "generate", "crds", "--out", "-"], check=True,
                              capture_output=True, text=True).stdout
        kubectl(self.admin_config, "apply", "--server-side", "--force-conflicts", "-f", "-", stdin=crds)
        kubectl(self.admin_config, "wait", "--for=condition=Established", "crd/stores.nexus.dev", "--timeout=30s")
        for role in ("nexus-operator", "nexus-operator-home", "nexus-operator-store"):
            rbac = os.path.join(self.args.root, "config", "rbac", f"{role}.yaml")
            kubectl(self.admin_config, "apply", "--server-side", "--force-conflicts", "-f", rbac)
        subject = {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": BENCH_USER}
        role_ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole"}
        bindings = [
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
             "metadata": {"name": BENCH_USER},
             "roleRef": {**role_ref, "name": "nexus-operator"}, "subjects": [subject]},
            # Its Lease in the namespace it runs with (--lease-namespace=default).
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
             "metadata": {"name": BENCH_USER, "namespace": "default"},
             "roleRef": {**role_ref, "name": "nexus-operator-home"}, "subjects": [subject]},
        ]
        for binding in bindings:
            kubectl(self.admin_config, "apply", "--server-side", "-f", "-", stdin=json.dumps(binding))
        kubectl(self.admin_config, "create", "namespace", self.id)

    def add_nodes(self, count):
        """kwok nodes with room for `count` stores (3 pods, up to 1.4 CPU each)."""
        wanted = max(1, -(-count * 3 // 500))
        for i in range(len(self.nodes), wanted):
            name = f"{self.id}-node-{i}"
            node = {
                "apiVersion": "v1", "kind": "Node",
                "metadata": {
                    "name": name,
                    "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
                    "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "type": "kwok"},
                },
                "status": {
                    "allocatable": {"cpu": "1000", "memory": "4Ti", "pods": "500"},
                    "capacity": {"cpu": "1000", "memory": "4Ti", "pods": "500"},
                },
            }
            self.admin.ok("POST", "/api/v1/nodes", node)
            self.nodes.append(name)
        wait_until("bench nodes Ready", self.nodes_ready, 60)

    def nodes_ready(self):
        for name in self.nodes:
            node = self.admin.ok("GET", f"/api/v1/nodes/{name}")
            ready = [c for c in node.get("status", {}).get("conditions", []) if c["type"] == "Ready"]
            if not ready or ready[0]["status"] != "True":
                return f"node {name} not Ready"
        return True

    def cleanup(self):
        self.stop_operator()
        # A run stopped early (a Failed store, an interrupt) leaves Stores
        # that no operator will release: their namespaces are deleted and
        # their finalizers dropped here, so that the next run on this cluster
        # does not carry them.
        try:
            left = self.stores()
        except RuntimeError:  # stopped before its namespace was made
            left = []
        if left:
            print(f"bench: removing the {len(left)} Stores this run left", flush=True)
        for store in left:
            name = store["metadata"]["name"]
            self.admin.request("DELETE", f"/api/v1/namespaces/store-{name}")
            self.admin.request("PATCH", f"{STORE_PATH}/namespaces/{self.id}/stores/{name}",
                               {"metadata": {"finalizers": None}}, "application/merge-patch+json")
        for name in self.nodes:
            self.admin.request("DELETE", f"/api/v1/nodes/{name}")
        self.admin.request("DELETE", f"/api/v1/namespaces/{self.id}")

    # --- stores -----------------------------------------------------------

    def create_stores(self, names):
        docs = "".join(
            f"---\napiVersion: nexus.dev/v1alpha1\nkind: Store\nmetadata: {{name: {n}, namespace: {self.id}, "
            f"labels: {{nexus.dev/bench: {self.id}}}}}\nspec: {{engine: woocommerce}}\n"
            for n in names
        )
        kubectl(self.admin_config, "apply", "-f", "-", stdin=docs)

    def stores(self):
        return self.admin.items(f"{STORE_PATH}/namespaces/{self.id}/stores")

    def wait_ready(self, what, count, timeout):
        """Until `count` stores are Ready, as a watch of the Stores reports
        them; a run in which any store failed is no result: it stops at once,
        naming each failed store and why."""
        path = f"{STORE_PATH}/namespaces/{self.id}/stores"
        with Watched(self.admin, path, summary=store_state) as stores:

            def all_ready():
                states = stores.values()
                failed = [s for s in states if s["phase"] == "Failed"]
                if failed:
                    lines = [f"  {s['name']}: {s['failure']}" for s in failed]
                    sys.exit(f"bench: not a result: {len(failed)} of {len(states)} stores Failed\n" + "\n".join(lines))
                ready = sum(1 for s in states if s["phase"] == "Ready")
                return ready >= count or f"{ready}/{count} Ready"

            wait_until(what, all_ready, timeout, every=0.1)

    def pacing(self, names):
        """How long after its Store each store's first object (its namespace)
        and its last (the setup Job) were created: the operator's queue and
        pace, to set beside the ceiling's time to write every object."""
        stores = {s["metadata"]["name"]: parse_time(s["metadata"]["creationTimestamp"]) for s in self.stores()}
        wanted = {f"store-{n}": n for n in names}
        first, last = [], []
        for ns in self.admin.items("/api/v1/namespaces"):
            store = wanted.get(ns["metadata"]["name"])
            if store in stores:
                first.append((parse_time(ns["metadata"]["creationTimestamp"]) - stores[store]).total_seconds())
        for job in self.admin.items("/apis/batch/v1/jobs"):
            store = wanted.get(job["metadata"]["namespace"])
            if store in stores:
                last.append((parse_time(job["metadata"]["creationTimestamp"]) - stores[store]).total_seconds())
        return {"first": first, "last": last}

    def wait_deleted(self, what, names, timeout):
        """Until every Store of `names` and its namespace are gone, as watches
        report them: listing 2,000 Stores and every namespace twice a second
        would slow down the deletion it measures."""
        wanted = {f"store-{n}" for n in names}
        path = f"{STORE_PATH}/namespaces/{self.id}/stores"
        with Watched(self.admin, path, summary=lambda _: None) as stores, \
                Watched(self.admin, "/api/v1/namespaces", summary=lambda _: None) as namespaces:

            def gone():
                left_stores = len(stores.names())
                left = sum(1 for name in namespaces.names() if name in wanted)
                return (left_stores == 0 and left == 0) or f"{left_stores} Stores and {left} namespaces left"

            wait_until(what, gone, timeout, every=0.1)

    # --- the ceiling's object graph ------------------------------------------

    def template(self):
        """The children of one Ready store Nexus made, as objects to copy."""
        name = f"{self.id}-tpl"
        self.start_operator("template")
        self.create_stores([name])
        self.wait_ready("template store Ready", 1, 120)
        store = self.stores()[0]
        namespace = f"store-{name}"
        objects = []
        ns = self.admin.ok("GET", f"/api/v1/namespaces/{namespace}")
        objects.append(clean("Namespace", ns))
        for kind in KINDS:
            if kind != "Namespace":
                for item in self.admin.items(path_of(kind, namespace), "app.kubernetes.io/managed-by=nexus"):
                    objects.append(clean(kind, item))
        self.stop_operator()
        # Deleting the template store needs its finalizer: bring an operator back.
        self.start_operator("template-delete")
        kubectl(self.admin_config, "delete", "store", name, "-n", self.id, "--wait=true", "--timeout=120s")
        self.stop_operator()
        return name, store["metadata"]["uid"], objects

    def ceiling(self, count, template):
        name, uid, objects = template
        label = f"{self.id}-c{count}"
        text = json.dumps(objects).replace(MANAGED_BY, '"app.kubernetes.io/managed-by": "nexus-ceiling"')
        copies = []
        for i in range(count):
            copy = json.loads(text.replace(name, f"{label}-{i}").replace(uid, str(uuid.uuid4())))
            for obj in copy:
                obj["metadata"].setdefault("labels", {})["nexus.dev/ceiling"] = label
            copies.append(copy)
        namespaces = [c[0] for c in copies]
        rest = [obj for c in copies for obj in c[1:]]
        cpu = self.apiserver.cpu()
        machine = self.machine.snapshot()
        work = self.work.snapshot()
        with self.profile(f"ceiling-{count}"):
            start = time.time()
            with ThreadPoolExecutor(self.args.writers) as pool:
                list(pool.map(self.apply, namespaces))
                list(pool.map(self.apply, rest))
            written = time.time()
            self.wait_ceiling_ready(label, count)
            ready = time.time()
        apiserver_cpu = self.apiserver.cpu() - cpu
        profile = self.machine.since(machine)
        work = self.work.since(work)
        for ns in namespaces:
            self.admin.ok("DELETE", path_of("Namespace", name=ns["metadata"]["name"]))
        with Watched(self.admin, "/api/v1/namespaces", f"nexus.dev/ceiling={label}", lambda _: None) as left:
            wait_until("ceiling namespaces gone", lambda: not left.names() or f"{len(left.names())} namespaces left",
                       1800, every=0.1)
        gone = time.time()
        return {
            "objects": len(namespaces) + len(rest),
            "written": written - start,
            "ready": ready - start,
            "deleted": gone - ready,
            "apiserver_cpu": apiserver_cpu,
            "profile": profile,
            "work": work,
        }

    def apply(self, obj):
        kind = obj["kind"]
        meta = obj["metadata"]
        path = path_of(kind, meta.get("namespace"), meta["name"])
        self.admin.ok("PATCH", path + "?fieldManager=nexus-ceiling&force=true", obj,
                      "application/apply-patch+yaml")

    def wait_ceiling_ready(self, label, count):
        """Until every copy's database, WordPress and setup Job are ready, as
        watches of the three kinds report them."""
        selector = f"nexus.dev/ceiling={label}"

        def status(field):
            return lambda obj: (obj.get("status") or {}).get(field, 0) >= 1

        with Watched(self.admin, "/apis/apps/v1/statefulsets", selector, status("readyReplicas")) as sets, \
                Watched(self.admin, "/apis/apps/v1/deployments", selector, status("availableReplicas")) as deps, \
                Watched(self.admin, "/apis/batch/v1/jobs", selector, status("succeeded")) as jobs:

            def all_ready():
                counts = tuple(sum(w.values()) for w in (sets, deps, jobs))
                return all(c >= count for c in counts) or f"databases/WordPress/setups ready: {counts} of {count}"

            wait_until(f"{count} ceiling copies ready", all_ready, 1800, every=0.1)

    # --- the CLI at scale -----------------------------------------------------

    def cli(self, count):
        """`store list -A` and `kubectl get stores -A` with `count` Stores
        (objects only: no operator reconciles them)."""
        namespace = f"{self.id}-cli"
        kubectl(self.admin_config, "create", "namespace", namespace)
        path = f"{STORE_PATH}/namespaces/{namespace}/stores"

        def create(i):
            self.admin.ok("POST", path, {
                "apiVersion": "nexus.dev/v1alpha1", "kind": "Store",
                "metadata": {"name": f"cli-{i}", "namespace": namespace},
                "spec": {"engine": "woocommerce"},
            })

        with ThreadPoolExecutor(self.args.writers) as pool:
            list(pool.map(create, range(count)))
        config = f"--kubeconfig={self.admin_config}"
        commands = {
            "kubectl nexus store list -A": [self.args.binary, "store", "list", "-A", config],
            "kubectl get stores -A": ["kubectl", "get", "stores", "-A", config],
        }
        results = {}
        for label, command in commands.items():
            runs = [run_measured(command) for _ in range(3)]
            results[label] = (min(r[0] for r in runs), max(r[1] for r in runs))
        self.admin.ok("DELETE", f"/api/v1/namespaces/{namespace}")
        return results

    # --- Nexus --------------------------------------------------------------

    def fleet(self, count, burst, rows):
        """The fleet run; each phase is printed as soon as it is measured (a
        fleet's deletion is long, and what came before is a result of its own)."""
        names = [f"{self.id}-f{i}" for i in range(count)]
        operator = self.start_operator("fleet", count)
        start = time.time()
        self.create_stores(names)
        self.wait_ready(f"{count} fleet stores Ready", count, 3600)
        result = {"seeded": time.time() - start}
        time.sleep(self.args.quiet)
        mark = self.audit.mark()
        time.sleep(self.args.quiet)
        result["quiet"] = without_lease(self.audit.requests(mark, self.audit.mark()))
        result["seed_peak_kib"], result["seed_rss_kib"] = operator.peak_kib(), operator.rss_kib()
        self.stop_operator()
        report_seed(count, result)

        # A new leader over the fleet: it lists every child and reconciles every store.
        mark = self.audit.mark()
        start = time.time()
        operator = self.start_operator("fleet-restart", burst)
        wait_until(f"{count} stores reconciled by the new leader",
                   lambda: self.metric("nexus_reconcile_duration_seconds_count") >= count or "reconciling", 600)
        result["restart"] = time.time() - start
        time.sleep(self.args.quiet)
        result["restart_requests"] = without_lease(self.audit.requests(mark, self.audit.mark()))
        time.sleep(RELEASE_FREED_EVERY)
        result["restart_peak_kib"], result["restart_rss_kib"] = operator.peak_kib(), operator.rss_kib()
        result["restart_heap"] = self.metric("nexus_heap_bytes")
        report_restart(count, result)

        burst_names = [f"{self.id}-b{i}" for i in range(burst)]
        if burst:
            mark = self.audit.mark()
            start = time.time()
            self.create_stores(burst_names)
            self.wait_ready(f"{burst} burst stores Ready", count + burst, 3600)
            result["burst"] = time.time() - start
            result["burst_requests"] = without_lease(self.audit.requests(mark, self.audit.mark()))
            durations = [
                (parse_time(s["status"]["readyAt"]) - parse_time(s["metadata"]["creationTimestamp"])).total_seconds()
                for s in self.stores() if s["metadata"]["name"] in set(burst_names)
            ]
            result["burst_p50"], result["burst_p95"] = percentile(durations, 0.5), percentile(durations, 0.95)
            # Memory at rest with F + B stores, against F (same process): what a store adds.
            time.sleep(max(self.args.quiet, RELEASE_FREED_EVERY))
            result["burst_rss_kib"] = operator.rss_kib()
            result["burst_heap"] = self.metric("nexus_heap_bytes")
            result["peak_kib"] = operator.peak_kib()
            result["concurrency"] = self.metric("nexus_reconcile_concurrency")
            report_burst(count, burst, result, rows)

        start = time.time()
        kubectl(self.admin_config, "delete", "stores", "-n", self.id, "--all", "--wait=false")
        self.wait_deleted(f"{count + burst} stores deleted", names + burst_names, 3600)
        print(f"  delete all {count + burst}: gone after {time.time() - start:.1f}s", flush=True)
        self.stop_operator()

    def nexus(self, count):
        names = [f"{self.id}-n{count}-{i}" for i in range(count)]
        operator = self.start_operator(f"n{count}", count)
        operator_cpu, apiserver_cpu = operator.cpu(), self.apiserver.cpu()
        mark = self.audit.mark()
        machine = self.machine.snapshot(operator)
        work = self.work.snapshot()
        with self.profile(f"nexus-{count}"):
            start = time.time()
            self.create_stores(names)
            self.wait_ready(f"{count} stores Ready", count, 1800)
            ready = time.time()
        result = {
            "work": self.work.since(work),
            "ready": ready - start,
            "operator_cpu": operator.cpu() - operator_cpu,
            "apiserver_cpu": self.apiserver.cpu() - apiserver_cpu,
            "reconciles": self.metric("nexus_reconciles_total"),
            "profile": self.machine.since(machine),
            "pacing": self.pacing(names),
        }
        # The audit trail's anchors are written in batches, ANCHOR_BATCH apart:
        # the last Ready records' anchor belongs to the provisioning, not to rest.
        time.sleep(ANCHOR_BATCH)
        ready_mark = self.audit.mark()
        result["requests"] = without_lease(self.audit.requests(mark, ready_mark))
        durations = [
            (parse_time(s["status"]["readyAt"]) - parse_time(s["metadata"]["creationTimestamp"])).total_seconds()
            for s in self.stores()
        ]
        result["p50"], result["p95"] = percentile(durations, 0.5), percentile(durations, 0.95)

        # At rest: a quiet window, then one reconcile of every store.
        time.sleep(self.args.quiet)
        quiet_mark = self.audit.mark()
        result["quiet"] = without_lease(self.audit.requests(ready_mark, quiet_mark))
        reconciled = self.metric("nexus_reconcile_duration_seconds_count")
        kubectl(self.admin_config, "annotate", "stores", "-n", self.id, "--all", "--overwrite",
                f"bench.nexus.dev/poke={time.time()}")
        wait_until("one reconcile of every store",
                   lambda: self.metric("nexus_reconcile_duration_seconds_count") >= reconciled + count or "reconciling",
                   600)
        poke_mark = self.audit.mark()
        # The annotation itself is the bench's write; the operator's requests follow it.
        result["resync"] = without_lease(self.audit.requests(quiet_mark, poke_mark))
        result["peak_kib"] = operator.peak_kib()
        result["rss_kib"] = operator.rss_kib()

        start = time.time()
        kubectl(self.admin_config, "delete", "stores", "-n", self.id, "--all", "--wait=false")
        self.wait_deleted(f"{count} stores deleted", names, 1800)
        result["deleted"] = time.time() - start
        result["delete_requests"] = without_lease(self.audit.requests(poke_mark, self.audit.mark()))
        self.stop_operator()
        return result


def run_measured(command):
    """Wall time and peak memory (KiB) of one command; fails when it does."""
    start = time.time()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.time() - start
    if status != 0:
        sys.exit(f"bench: {' '.join(command)} failed ({status})")
    return elapsed, usage.ru_maxrss


def clean(kind, obj):
    """An object as one would write it: no server-made fields, no status."""
    meta = obj["metadata"]
    kept = {k: meta[k] for k in ("name", "namespace", "labels", "annotations") if k in meta}
    for field in ("labels", "annotations"):
        values = kept.get(field, {})
        for key in list(values):
            if key.startswith(("deployment.kubernetes.io/", "pv.kubernetes.io/", "volume.", "kubectl.kubernetes.io/",
                               "kubernetes.io/metadata.name", "batch.kubernetes.io/controller-uid", "controller-uid")):
                del values[key]
    prefix = KINDS[kind][0]
    out = {"apiVersion": prefix.removeprefix("/api/").removeprefix("/apis/"), "kind": kind, "metadata": kept}
    for key, value in obj.items():
        if key not in ("metadata", "status", "apiVersion", "kind"):
            out[key] = value
    spec = out.get("spec", {})
    if kind == "Service":
        for key in ("clusterIP", "clusterIPs"):
            spec.pop(key, None)
    if kind == "PersistentVolumeClaim":
        spec.pop("volumeName", None)
    if kind == "Job":
        spec.pop("selector", None)
        spec.pop("manualSelector", None)
        labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
        for key in list(labels):
            if key in ("controller-uid", "batch.kubernetes.io/controller-uid", "job-name",
                       "batch.kubernetes.io/job-name"):
                del labels[key]
    if kind == "Namespace":
        out.pop("spec", None)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("counts", nargs="*", type=int, default=[50, 200, 500])
    parser.add_argument("--root", required=True)
    parser.add_argument("--cluster-dir", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--metrics-port", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=0, help="operator --concurrency (default: its own)")
    parser.add_argument("--writers", type=int, default=16, help="parallel writers of the ceiling run")
    parser.add_argument("--quiet", type=int, default=20, help="seconds of the quiet window at rest")
    parser.add_argument("--fleet", type=int, default=0, help="stores Ready at rest for the fleet run (0: skip)")
    parser.add_argument("--burst", type=int, default=500, help="stores created at once over the fleet")
    parser.add_argument("--profile", action="store_true",
                        help="CPU profiles of the API server during each run (NEXUS_CLUSTER_PROFILING=true at up)")
    parser.add_argument("--cli-stores", type=int, default=10000,
                        help="Stores for the CLI's list at scale (0: skip)")
    args = parser.parse_args()

    bench = Bench(args)
    rows = []
    try:
        bench.setup()
        bench.add_nodes(max(args.counts + [args.fleet + args.burst if args.fleet else 0]))
        template = bench.template()
        print(f"template: {len(template[2])} objects per store", flush=True)
        sizes = args.counts + ([args.fleet, args.burst] if args.fleet else [])
        print("operator's provisioning timeout: " + ", ".join(f"{provisioning_timeout(n)}s for {n} at once" for n in sizes),
              flush=True)
        for count in args.counts:
            ceiling = bench.ceiling(count, template)
            print(f"N={count} ceiling: {ceiling['objects']} objects written in {ceiling['written']:.1f}s, "
                  f"all ready after {ceiling['ready']:.1f}s, namespaces deleted in {ceiling['deleted']:.1f}s", flush=True)
            nexus = bench.nexus(count)
            with open(os.path.join(args.out, f"apiserver-work-{count}.json"), "w") as f:
                json.dump({"ceiling": ceiling["work"], "nexus": nexus["work"]}, f, indent=1, sort_keys=True)
            report(count, ceiling, nexus)
            rows.append((count, ceiling, nexus))
        if args.fleet:
            bench.fleet(args.fleet, args.burst, rows)
        if args.cli_stores:
            for label, (seconds, kib) in bench.cli(args.cli_stores).items():
                print(f"{args.cli_stores} Stores, {label}: {seconds:.2f}s (best of 3), peak memory {kib / 1024:.0f} MiB",
                      flush=True)
    finally:
        bench.cleanup()
    table(rows)


def report(count, ceiling, nexus):
    requests = nexus["requests"]
    print(f"N={count} nexus: all Ready after {nexus['ready']:.1f}s; p50 {nexus['p50']:.0f}s p95 {nexus['p95']:.0f}s; "
          f"{nexus['reconciles'] / count:.1f} reconciles per store", flush=True)
    pacing = nexus["pacing"]
    if pacing["first"] and pacing["last"]:
        print(f"  pace: a store's namespace made after p50 {percentile(pacing['first'], 0.5):.0f}s "
              f"max {max(pacing['first']):.0f}s, its setup Job after p50 {percentile(pacing['last'], 0.5):.0f}s "
              f"max {max(pacing['last']):.0f}s (the ceiling wrote every object in {ceiling['written']:.1f}s)")
    print(f"  CPU, ceiling -> Nexus: {cpu_profile(ceiling['profile'], nexus['profile'], count)}")
    for line in work_profile(ceiling["work"], nexus["work"], count):
        print(f"  {line}")
    print(f"  operator requests per store until Ready: {len(requests) / count:.1f} ({by_verb(requests, count)})")
    print(f"    by resource (all stores): {by_resource(requests)}")
    print(f"  at rest, {at_rest(nexus['quiet'])}")
    print(f"  one reconcile of every Ready store: {len(nexus['resync'])} requests"
          + (f" ({by_resource(nexus['resync'])})" if nexus["resync"] else ""))
    print(f"  delete: all gone after {nexus['deleted']:.1f}s (ceiling's namespaces: {ceiling['deleted']:.1f}s); "
          f"operator requests per store {len(nexus['delete_requests']) / count:.1f} "
          f"({by_verb(nexus['delete_requests'], count)})", flush=True)


def cpu_profile(ceiling, nexus, count):
    """Each process's CPU per store in both runs, the busiest first, and how
    busy the machine's cores were."""
    names = sorted(set(ceiling["cpu"]) | set(nexus["cpu"]), key=lambda n: -nexus["cpu"].get(n, 0))
    parts = [f"{name} {1000 * ceiling['cpu'].get(name, 0) / count:.0f} -> {1000 * nexus['cpu'].get(name, 0) / count:.0f}"
             for name in names]
    return (f"ms per store: {', '.join(parts)}; cores busy {100 * ceiling['busy']:.0f} % -> "
            f"{100 * nexus['busy']:.0f} %")


def work_profile(ceiling, nexus, count, top=8):
    """The API server's work per store in both runs (ApiServerWork): for each
    series, its total and the entries that differ most between the runs."""
    titles = {
        "apiserver_request_total": ("API server requests per store, ceiling -> Nexus", "{:.1f}"),
        "apiserver_watch_events_total": ("watch events sent per store (one per watcher)", "{:.1f}"),
        "apiserver_watch_events_sizes_sum": ("watch KiB sent per store", "{:.1f}"),
        "apiserver_flowcontrol_dispatched_requests_total": ("requests per store by client (flow schema)", "{:.1f}"),
    }
    lines = []
    for name, (title, form) in titles.items():
        scale = 1 / 1024 if name.endswith("sizes_sum") else 1
        before, after = ceiling.get(name, {}), nexus.get(name, {})
        keys = sorted(set(before) | set(after),
                      key=lambda k: -abs(after.get(k, 0) - before.get(k, 0)))[:top]
        parts = [f"{k} {form.format(scale * before.get(k, 0) / count)} -> {form.format(scale * after.get(k, 0) / count)}"
                 for k in keys]
        total = (f"{form.format(scale * sum(before.values()) / count)} -> "
                 f"{form.format(scale * sum(after.values()) / count)}")
        lines.append(f"{title}: all {total}; most changed: {', '.join(parts)}")
    return lines


def report_seed(count, fleet):
    print(f"fleet: {count} stores Ready after {fleet['seeded']:.1f}s; at rest {at_rest(fleet['quiet'])}; operator RSS "
          f"peak {fleet['seed_peak_kib'] / 1024:.1f} MiB, at rest {fleet['seed_rss_kib'] / 1024:.1f} MiB", flush=True)


def report_restart(count, fleet):
    writes = writes_of(fleet["restart_requests"])
    print(f"  new leader over {count} stores: all reconciled after {fleet['restart']:.1f}s with "
          f"{len(fleet['restart_requests'])} requests ({by_verb(fleet['restart_requests'])}); "
          f"{len(writes) / count:.2f} writes per store" + (f" ({by_resource(writes)})" if writes else "")
          + f"; RSS peak {fleet['restart_peak_kib'] / 1024:.1f} MiB, then {fleet['restart_rss_kib'] / 1024:.1f} MiB; "
          f"heap held {fleet['restart_heap'] / 2**20:.1f} MiB", flush=True)
    # Its list requests by kind: its watches' first pages, and one list of
    # Secret names per store (each operator process checks them once).
    lists = [r for r in fleet["restart_requests"] if r[0] == "list"]
    print(f"  its lists: {by_resource(lists) or 'none'}", flush=True)


def report_burst(count, burst, fleet, rows):
    empty = [nexus for n, _, nexus in rows if n == burst]
    against = (f" (on an empty cluster: p50 {empty[0]['p50']:.0f}s p95 {empty[0]['p95']:.0f}s, "
               f"p95 ratio {fleet['burst_p95'] / empty[0]['p95']:.2f})") if empty else ""
    print(f"  burst of {burst} over them: all Ready after {fleet['burst']:.1f}s; p50 {fleet['burst_p50']:.0f}s "
          f"p95 {fleet['burst_p95']:.0f}s{against}; {len(fleet['burst_requests']) / burst:.1f} requests per "
          f"new store; operator RSS peak {fleet['peak_kib'] / 1024:.1f} MiB; concurrency at the end "
          f"{fleet['concurrency']:.0f}", flush=True)
    slope = (fleet["burst_rss_kib"] - fleet["restart_rss_kib"]) / burst
    heap_slope = (fleet["burst_heap"] - fleet["restart_heap"]) / 1024 / burst
    print(f"  memory at rest, resident: {fleet['restart_rss_kib'] / 1024:.1f} MiB with {count} stores, "
          f"{fleet['burst_rss_kib'] / 1024:.1f} MiB with {count + burst}: {slope:.1f} KiB per store; "
          f"heap held: {fleet['restart_heap'] / 2**20:.1f} and {fleet['burst_heap'] / 2**20:.1f} MiB: "
          f"{heap_slope:.1f} KiB per store", flush=True)


def table(rows):
    print()
    print("| N | ceiling: all ready | Nexus: all Ready | stores/s | of ceiling | p50 / p95 | requests/store "
          "| operator CPU/store | API server CPU/store (ceiling) | RSS peak / at rest | requests at rest | resync requests "
          "| delete (ceiling) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for count, ceiling, nexus in rows:
        rate, ceiling_rate = count / nexus["ready"], count / ceiling["ready"]
        print(f"| {count} | {ceiling['ready']:.1f} s | {nexus['ready']:.1f} s | {rate:.2f} | "
              f"{100 * rate / ceiling_rate:.0f} % | {nexus['p50']:.0f} / {nexus['p95']:.0f} s | "
              f"{len(nexus['requests']) / count:.1f} | {1000 * nexus['operator_cpu'] / count:.0f} ms | "
              f"{1000 * nexus['apiserver_cpu'] / count:.0f} ms ({1000 * ceiling['apiserver_cpu'] / count:.0f} ms) | "
              f"{nexus['peak_kib'] / 1024:.1f} / {nexus['rss_kib'] / 1024:.1f} MiB | "
              f"{sum(1 for r in nexus['quiet'] if r[0] != 'watch')} | {len(nexus['resync'])} | "
              f"{nexus['deleted']:.1f} s ({ceiling['deleted']:.1f} s) |")


if __name__ == "__main__":
    main()
