#!/usr/bin/env bash
# A real Kubernetes control plane for development and tests, on 127.0.0.1:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (fake
# nodes whose pods run, get Ready and complete) and a tiny PV provisioner.
# With --real-node, instead of kwok: one node that runs real containers
# (scripts/real-node.sh; root, containerd, images built from Debian packages).
#
#   scripts/test-cluster.sh up [--real-node]  build if needed, start, wait until usable
#   scripts/test-cluster.sh down    stop every process it started, remove its data
#                                   (and the real node's containers, mounts, chains, cgroups)
#   scripts/test-cluster.sh status  say what runs
#   scripts/test-cluster.sh env     print `export KUBECONFIG=...` for the admin
#
# Data, logs, pids and kubeconfigs live in $NEXUS_TEST_CLUSTER_DIR
# (default: target/test-cluster). Ports are picked free at start, so two
# clusters with different directories can run at once. NEXUS_CLUSTER_PROFILING=true
# at `up` serves the API server's /debug/pprof to the admin (what
# scripts/bench-provisioning.sh --profile reads); off by default.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${NEXUS_TEST_CLUSTER_DIR:-$root/target/test-cluster}
bin=${NEXUS_CLUSTER_BIN:-$root/target/cluster-bin}
control_plane=(etcd apiserver controller-manager scheduler provisioner s3 s3-tls)
# shellcheck source=scripts/real-node.sh
source "$root/scripts/real-node.sh"

# The cluster's kind of node: kwok (default) or real, fixed at `up`.
mode_of_cluster() { cat "$dir/mode" 2>/dev/null || echo kwok; }
components_of() {
  if [[ $1 == real ]]; then
    echo "${control_plane[@]}" "${node_components[@]}"
  else
    echo "${control_plane[@]}" kwok
  fi
}
mode=$(mode_of_cluster)
components=()
read -ra components <<<"$(components_of "$mode")"

say() { printf 'test-cluster: %s\n' "$*"; }
die() {
  printf 'test-cluster: %s\n' "$1" >&2
  if [[ -n ${2:-} && -f $2 ]]; then
    printf -- '--- last lines of %s ---\n' "$2" >&2
    tail -n 25 "$2" >&2
  fi
  exit 1
}

pid_of() { cat "$dir/pids/$1.pid" 2>/dev/null || true; }
# A process that exited but was not yet reaped (a zombie) counts as stopped.
pid_alive() { local state; state=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $state != Z* ]]; }
is_running() { local pid; pid=$(pid_of "$1"); [[ -n $pid ]] && pid_alive "$pid"; }

require_tools() {
  local missing=()
  # The object store's TLS: a Debian package, installed here when it can be
  # (as .ci/run does), so the main job needs nothing but Rust, Go and kubectl.
  if ! command -v stunnel >/dev/null && ((EUID == 0)) && command -v apt-get >/dev/null; then
    say "installing stunnel4 (the object store's TLS)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stunnel4; } >/dev/null 2>&1 || true
  fi
  for tool in go openssl kubectl curl python3 setsid cargo stunnel; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  ((${#missing[@]} == 0)) || die "missing prerequisites: ${missing[*]} (install them and run again; Debian: apt-get install stunnel4 for stunnel)"
}

# The NodePort range, pinned in the API server's and kube-router's flags so
# the two cannot drift apart. Network plugins treat a port in it specially:
# kube-router accepts every pod's TCP traffic to a node address in this range
# before it consults the pod's NetworkPolicies (k3s embeds the same rule), so
# a component listening in it on the node is open to every pod.
node_port_range=30000-32767

# free_ports N: N distinct free ports in 20000-29999: below the NodePort range
# (above) and below the kernel's ephemeral range (32768 and up here). An
# ephemeral port that is free now can be taken by any outgoing connection (a
# download, a test) before the component binds it, seconds later.
free_ports() {
  python3 -c '
import random, socket, sys
ports = []
while len(ports) < int(sys.argv[1]):
    port = random.randrange(20000, 30000)
    if port in ports:
        continue
    s = socket.socket()
    try:
        s.bind(("0.0.0.0", port))
    except OSError:
        continue
    finally:
        s.close()
    ports.append(port)
print(" ".join(map(str, ports)))' "$1"
}

port_is_free() {
  python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

# start NAME COMMAND... : run a component in its own session, logging to logs/NAME.log
start() {
  local name=$1
  shift
  setsid "$@" >"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/pids/$name.pid"
}

# wait_for WHAT SECONDS LOG COMMAND... : poll until COMMAND succeeds
wait_for() {
  local what=$1 seconds=$2 log=$3
  shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what did not come up within ${seconds}s" "$log"
    sleep 0.5
  done
}

alive_or_die() { is_running "$1" || die "$1 exited during start-up" "$dir/logs/$1.log"; }

# --- certificates and kubeconfigs --------------------------------------------

pki=""
make_ca() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=nexus-test-cluster-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
}

# client_cert NAME SUBJECT : a client certificate signed by the cluster CA
client_cert() {
  openssl req -new -newkey rsa:2048 -nodes -subj "$2" -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
}

# serving_cert NAME SUBJECT_ALT_NAMES
serving_cert() {
  openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$1" \
    -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
  printf 'extendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$2" >"$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
}

# kubeconfig FILE CERT_NAME USER
kubeconfig() {
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: nexus-test
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $3
  user:
    client-certificate-data: $(base64 -w0 "$pki/$2.crt")
    client-key-data: $(base64 -w0 "$pki/$2.key")
contexts:
- name: $3@nexus-test
  context:
    cluster: nexus-test
    user: $3
current-context: $3@nexus-test
EOF
  chmod 600 "$1"
}

make_identities() {
  pki=$dir/pki
  mkdir -p "$pki"
  make_ca
  serving_cert apiserver "IP:127.0.0.1,${node_ip:+IP:$node_ip,}IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  serving_cert kubelet "IP:127.0.0.1,DNS:localhost"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  client_cert admin "/O=system:masters/CN=nexus-admin"
  client_cert controller-manager "/CN=system:kube-controller-manager"
  client_cert scheduler "/CN=system:kube-scheduler"
  # Ordinary users: no rights until a RoleBinding grants them some.
  client_cert alice "/O=nexus-users/O=team-alice/CN=alice"
  client_cert bob "/O=nexus-users/O=team-bob/CN=bob"
  # The benchmark's operator: its own name, so the API server's audit log
  # counts its requests apart from everyone else's.
  client_cert bench-operator "/CN=nexus-bench-operator"
  # The volume provisioner: its own name too, so tests count its requests.
  client_cert provisioner "/O=system:masters/CN=nexus-test-provisioner"
  kubeconfig "$dir/admin.kubeconfig" admin admin
  kubeconfig "$dir/controller-manager.kubeconfig" controller-manager controller-manager
  kubeconfig "$dir/scheduler.kubeconfig" scheduler scheduler
  kubeconfig "$dir/alice.kubeconfig" alice alice
  kubeconfig "$dir/bob.kubeconfig" bob bob
  kubeconfig "$dir/bench-operator.kubeconfig" bench-operator nexus-bench-operator
  kubeconfig "$dir/provisioner.kubeconfig" provisioner nexus-test-provisioner
  if [[ $mode == real ]]; then real_node_identities; fi
}

# --- the cluster's first objects ---------------------------------------------

# kwok serves every pod's logs from one file (the pods are simulated, so are
# their logs); `kubectl logs` reaches it through the API server as on a node.
kwok_config() {
  # CRI log format, as a container runtime writes it.
  printf '%s stdout F simulated log of a kwok pod: started\n%s stdout F simulated log of a kwok pod: serving\n' \
    "2026-01-01T00:00:00.000000000Z" "2026-01-01T00:00:01.000000000Z" >"$dir/pod.log"
  cat <<EOF
kind: ClusterLogs
apiVersion: kwok.x-k8s.io/v1alpha1
metadata:
  name: all-pods
spec:
  logs:
  - logsFile: $dir/pod.log
    follow: true
EOF
}

bootstrap_objects() {
  cat <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: nexus.dev/test-hostpath
reclaimPolicy: Delete
volumeBindingMode: Immediate
EOF
  [[ $mode == kwok ]] || return 0
  local node
  for node in kwok-node-0 kwok-node-1; do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $node
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/hostname: $node
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
status:
  allocatable: {cpu: "8", memory: 32Gi, pods: "110", ephemeral-storage: 100Gi}
  capacity: {cpu: "8", memory: 32Gi, pods: "110", ephemeral-storage: 100Gi}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    kubeletVersion: fake
EOF
  done
}

smoke_deployment() {
  local smoke_image=registry.k8s.io/pause:3.10
  [[ $mode == kwok ]] || smoke_image=nexus.local/pause:1
  cat <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: test-cluster-smoke
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: smoke
  namespace: test-cluster-smoke
spec:
  replicas: 1
  selector:
    matchLabels: {app: smoke}
  template:
    metadata:
      labels: {app: smoke}
    spec:
      containers:
      - name: smoke
        image: $smoke_image
EOF
}

# The API server sends its audit events for stores to an operator's /audit
# (an audit webhook backend) at 127.0.0.1:$audit_sink_port, trusting the
# cluster CA and sending a bearer token. A test that wants source IPs runs an
# operator there with the serving certificate made here (audit-sink.crt) and
# --audit-sink-token-file=$dir/audit-sink.token; with nobody listening the
# API server drops the events after its retries, and nothing else changes.
# The same events, and every request of the benchmark's operator
# (nexus-bench-operator) and of the volume provisioner
# (nexus-test-provisioner), also go to logs/apiserver-audit.log, where
# scripts/bench-provisioning.sh counts that operator's requests by verb and
# tests/cluster.rs the provisioner's per volume.
make_audit_backend() {
  serving_cert audit-sink "IP:127.0.0.1"
  python3 -c 'import secrets; print(secrets.token_hex(24))' >"$dir/audit-sink.token"
  chmod 600 "$dir/audit-sink.token"
  cat >"$dir/audit-policy.yaml" <<EOF
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  users: ["nexus-bench-operator", "nexus-test-provisioner"]
- level: Metadata
  resources:
  - group: nexus.dev
    resources: ["stores"]
- level: None
EOF
  cat >"$dir/audit-webhook.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: nexus-audit-sink
  cluster:
    server: https://127.0.0.1:$audit_sink_port/audit
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: kube-apiserver
  user:
    token: $(cat "$dir/audit-sink.token")
contexts:
- name: audit
  context:
    cluster: nexus-audit-sink
    user: kube-apiserver
current-context: audit
EOF
  chmod 600 "$dir/audit-webhook.kubeconfig"
}

# The API server presents a client certificate to every admission webhook
# (its admission configuration's user "*"), signed by a CA of its own
# (pki/admission-ca.crt, common name kube-apiserver): a webhook run with
# --webhook-client-ca=pki/admission-ca.crt accepts it alone. Webhooks that ask
# for no client certificate are unaffected.
make_admission_client() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=nexus-test-admission-ca" \
    -keyout "$pki/admission-ca.key" -out "$pki/admission-ca.crt" 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$pki/admission-client.key" -out "$pki/admission-client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$pki/admission-client.ext"
  openssl x509 -req -in "$pki/admission-client.csr" -CA "$pki/admission-ca.crt" \
    -CAkey "$pki/admission-ca.key" -CAcreateserial -days 3650 \
    -extfile "$pki/admission-client.ext" -out "$pki/admission-client.crt" 2>/dev/null
  cat >"$dir/admission-webhooks.kubeconfig" <<EOF
apiVersion: v1
kind: Config
users:
- name: "*"
  user:
    client-certificate: $pki/admission-client.crt
    client-key: $pki/admission-client.key
EOF
  chmod 600 "$dir/admission-webhooks.kubeconfig"
  cat >"$dir/admission.yaml" <<EOF
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: ValidatingAdmissionWebhook
  configuration:
    apiVersion: apiserver.config.k8s.io/v1
    kind: WebhookAdmissionConfiguration
    kubeConfigFile: $dir/admission-webhooks.kubeconfig
- name: MutatingAdmissionWebhook
  configuration:
    apiVersion: apiserver.config.k8s.io/v1
    kind: WebhookAdmissionConfiguration
    kubeConfigFile: $dir/admission-webhooks.kubeconfig
EOF
}

# --- commands -----------------------------------------------------------------

# start_object_store PLAIN_PORT TLS_PORT [NODE_IP]: the object store backups
# go to, as a platform would configure one: an S3 server (s3s-fs, an existing
# implementation; plain HTTP on the loopback only) behind TLS (stunnel) with
# a CA of its own, and credentials of its own. Pods on a real node reach it
# at the node's address. The endpoint, region and CA are in ports.env, the
# keys in s3-credentials.env.
start_object_store() {
  local plain_port=$1 port=$2 node_ip=${3:-} sans="IP:127.0.0.1,DNS:localhost" accept=127.0.0.1
  if [[ -n $node_ip ]]; then sans="$sans,IP:$node_ip" accept=0.0.0.0; fi
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=nexus-test-object-store-ca" \
    -keyout "$pki/s3-ca.key" -out "$pki/s3-ca.crt" 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -subj "/CN=nexus-test-object-store" \
    -keyout "$pki/s3.key" -out "$pki/s3.csr" 2>/dev/null
  printf 'extendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$sans" >"$pki/s3.ext"
  openssl x509 -req -in "$pki/s3.csr" -CA "$pki/s3-ca.crt" -CAkey "$pki/s3-ca.key" -CAcreateserial \
    -days 3650 -extfile "$pki/s3.ext" -out "$pki/s3.crt" 2>/dev/null
  local access_key secret_key
  access_key=$(openssl rand -hex 10) secret_key=$(openssl rand -hex 20)
  (umask 077 && printf 'access_key=%s\nsecret_key=%s\n' "$access_key" "$secret_key" >"$dir/s3-credentials.env")
  printf 's3_endpoint=https://127.0.0.1:%s\ns3_region=us-east-1\ns3_ca=%s\n' "$port" "$pki/s3-ca.crt" >>"$dir/ports.env"
  mkdir -p "$dir/object-store"
  start s3 "$bin/s3s-fs" --host 127.0.0.1 --port "$plain_port" \
    --access-key "$access_key" --secret-key "$secret_key" "$dir/object-store"
  cat >"$dir/s3-tls.conf" <<EOF
foreground = yes
pid =
[s3]
accept = $accept:$port
connect = 127.0.0.1:$plain_port
cert = $pki/s3.crt
key = $pki/s3.key
EOF
  start s3-tls stunnel "$dir/s3-tls.conf"
  wait_for "the object store" 30 "$dir/logs/s3-tls.log" \
    curl -sS --cacert "$pki/s3-ca.crt" -o /dev/null "https://127.0.0.1:$port/"
}

cmd_up() {
  local wanted=kwok
  case ${1:-} in
  --real-node) wanted=real ;;
  "") ;;
  *) die "unknown option $1 (up takes --real-node)" ;;
  esac
  require_tools
  if [[ -f $dir/ports.env ]] && all_running && ready; then
    [[ $mode == "$wanted" ]] ||
      die "a cluster with $mode nodes runs in $dir; stop it first ($0 down) or use another NEXUS_TEST_CLUSTER_DIR"
    say "already running in $dir"
    usage_hint
    return
  fi
  if [[ -d $dir/pids ]]; then
    say "a previous cluster in $dir is not healthy; stopping it first"
    cmd_down >/dev/null
  fi
  mode=$wanted
  read -ra components <<<"$(components_of "$mode")"
  local images_archive="" node_ip=""
  if [[ $mode == real ]]; then
    real_node_prerequisites
    "$root/tests/cluster/build.sh" --real-node
    images_archive=$("$root/tests/cluster/images/build.sh" | tail -n1)
    node_ip=$(host_ip)
    [[ -n $node_ip ]] || die "the real node needs an IPv4 default route (pods reach the API server at its source address)"
  else
    "$root/tests/cluster/build.sh"
  fi
  local started=$SECONDS
  mkdir -p "$dir/logs" "$dir/pids" "$dir/etcd" "$dir/volumes"
  echo "$mode" >"$dir/mode"

  local etcd_port etcd_peer_port kcm_port sched_port kwok_port audit_sink_port
  local ports
  read -ra ports <<<"$(free_ports 13)"
  # With a real node the API server listens on 443 at the node's address, as
  # on managed clusters: an address outside the cluster ranges, on a port a
  # store's egress to the internet allows, so the isolation tests prove that
  # the operator's own exclusion closes it.
  api_port=${NEXUS_TEST_CLUSTER_API_PORT:-${ports[0]}}
  if [[ $mode == real && -z ${NEXUS_TEST_CLUSTER_API_PORT:-} ]]; then api_port=443; fi
  if ((api_port >= ${node_port_range%-*} && api_port <= ${node_port_range#*-})); then
    die "the API server's port $api_port is in the NodePort range $node_port_range, which network plugins treat specially (every pod would reach it): choose another NEXUS_TEST_CLUSTER_API_PORT"
  fi
  port_is_free "$api_port" || die "port $api_port on 127.0.0.1 is busy (set NEXUS_TEST_CLUSTER_API_PORT to another or leave it unset)"
  etcd_port=${ports[1]} etcd_peer_port=${ports[2]} kcm_port=${ports[3]}
  sched_port=${ports[4]} kwok_port=${ports[5]} audit_sink_port=${ports[6]}
  local kubelet_healthz_port=${ports[7]} proxy_metrics_port=${ports[8]}
  local proxy_healthz_port=${ports[9]} router_health_port=${ports[10]}
  local s3_plain_port=${ports[11]} s3_port=${ports[12]}
  cat >"$dir/ports.env" <<EOF
api_port=$api_port
etcd_port=$etcd_port
audit_sink_port=$audit_sink_port
s3_port=$s3_port
EOF
  if [[ $mode == real ]]; then printf 'node_ip=%s\ninternet_ip=%s\n' "$node_ip" "$internet_ip" >>"$dir/ports.env"; fi

  make_identities
  make_audit_backend
  make_admission_client
  local apiserver_mode_args=(--bind-address=127.0.0.1 --advertise-address=127.0.0.1)
  if [[ $mode == real ]]; then
    real_node_configs
    # Pods reach the API server at the host's address; it reaches kubelets
    # with a client certificate (logs, exec).
    apiserver_mode_args=(--bind-address=0.0.0.0 --advertise-address="$node_ip"
      --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt"
      --kubelet-client-key="$pki/apiserver-kubelet-client.key" --kubelet-certificate-authority="$pki/ca.crt")
  fi

  start etcd "$bin/etcd" --name=nexus-test --data-dir="$dir/etcd" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster="nexus-test=http://127.0.0.1:$etcd_peer_port" \
    --listen-metrics-urls="" --log-level=warn --quota-backend-bytes=4294967296 --unsafe-no-fsync
  wait_for etcd 30 "$dir/logs/etcd.log" curl -fsS "http://127.0.0.1:$etcd_port/health"

  start apiserver "$bin/kube" apiserver \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    "${apiserver_mode_args[@]}" --secure-port="$api_port" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" --admission-control-config-file="$dir/admission.yaml" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 --service-node-port-range="$node_port_range" \
    --authorization-mode=RBAC --allow-privileged=true --profiling="${NEXUS_CLUSTER_PROFILING:-false}" \
    --kubelet-preferred-address-types=InternalIP \
    --audit-policy-file="$dir/audit-policy.yaml" --audit-webhook-config-file="$dir/audit-webhook.kubeconfig" \
    --audit-webhook-mode=batch --audit-webhook-batch-max-wait=1s --audit-webhook-initial-backoff=1s \
    --audit-log-path="$dir/logs/apiserver-audit.log" --audit-log-format=json --audit-log-maxsize=1000 \
    --audit-log-maxbackup=1
  wait_for "kube-apiserver /readyz" 90 "$dir/logs/apiserver.log" \
    curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "https://127.0.0.1:$api_port/readyz"

  # Its controllers may send 100 requests a second (20 by default): the
  # volume controller binds a claim in about four writes, so 1,000 claims at
  # once bound at 5 a second.
  # Its quota controller counts a quota again from its caches only when the
  # quota's spec changes, a counted object is deleted, or at its full resync
  # (5 minutes by default); admission counts creates. A recount that reads
  # the quota just after admission counted a create, but before its own
  # cache has seen that object, writes the old count back, and it stays
  # until the next full resync: a test that waits a minute for the count
  # then fails (seen in CI). Every 20 s here.
  start controller-manager "$bin/kube" controller-manager \
    --kubeconfig="$dir/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$dir/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$dir/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$kcm_port" --leader-elect=false \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --use-service-account-credentials=true \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
    --controllers='*' --profiling=false \
    --kube-api-qps=100 --kube-api-burst=200 --resource-quota-sync-period=20s
  # A pod tried while its claim was being bound (a store's database-0: the
  # claim not yet in the scheduler's cache, then bound before the pod was set
  # aside) waits for the next look at unschedulable pods, 5 minutes by
  # default: a real-node store then missed its 300 s. Every 20 s here.
  start scheduler "$bin/kube" scheduler \
    --kubeconfig="$dir/scheduler.kubeconfig" \
    --authentication-kubeconfig="$dir/scheduler.kubeconfig" \
    --authorization-kubeconfig="$dir/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$sched_port" --leader-elect=false --profiling=false \
    --pod-max-in-unschedulable-pods-duration=20s
  if [[ $mode == kwok ]]; then
    { kwok_config; echo "---"; cat "$root/tests/cluster/kwok-stages.yaml"; } >"$dir/kwok.yaml"
    start kwok "$bin/kwok" --config="$dir/kwok.yaml" --kubeconfig="$dir/admin.kubeconfig" \
      --node-port="$kwok_port" --tls-cert-file="$pki/kubelet.crt" --tls-private-key-file="$pki/kubelet.key" \
      --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
      --cidr=10.244.0.0/16 --node-ip=127.0.0.1 --server-address="127.0.0.1:$kwok_port" \
      --node-lease-duration-seconds=40
    start provisioner "$bin/kube" provisioner --kubeconfig="$dir/provisioner.kubeconfig" --data-dir="$dir/volumes"
  else
    # `local` volumes on the node's disk: the kubelet applies fsGroup to them.
    start provisioner "$bin/kube" provisioner --kubeconfig="$dir/provisioner.kubeconfig" \
      --data-dir="$node_root/volumes" --local-node="$node_name"
  fi

  start_object_store "$s3_plain_port" "$s3_port" "$node_ip"

  local name
  for name in "${components[@]}"; do
    case $name in etcd | apiserver | containerd | kubelet | proxy | kube-router | internet) ;; *) alive_or_die "$name" ;; esac
  done

  local k=(kubectl --kubeconfig="$dir/admin.kubeconfig")
  bootstrap_objects | "${k[@]}" apply -f - >/dev/null 2>"$dir/logs/bootstrap.log" ||
    die "could not create the default StorageClass and fake nodes" "$dir/logs/bootstrap.log"
  if [[ $mode == real ]]; then
    real_node_start
  fi
  "${k[@]}" wait --for=condition=Ready node --all --timeout=60s >>"$dir/logs/bootstrap.log" 2>&1 ||
    die "the nodes did not become Ready (see $dir/logs)" "$dir/logs/bootstrap.log"
  wait_for "the default ServiceAccount" 60 "$dir/logs/controller-manager.log" \
    "${k[@]}" get serviceaccount default -n default
  smoke_deployment | "${k[@]}" apply -f - >>"$dir/logs/bootstrap.log" 2>&1 ||
    die "could not create the smoke Deployment" "$dir/logs/bootstrap.log"
  "${k[@]}" wait --for=condition=Available deployment/smoke -n test-cluster-smoke --timeout=90s >>"$dir/logs/bootstrap.log" 2>&1 ||
    die "the smoke Deployment did not become Available (see controller-manager, scheduler and kwok logs in $dir/logs)" "$dir/logs/bootstrap.log"
  "${k[@]}" delete namespace test-cluster-smoke --wait=false >>"$dir/logs/bootstrap.log" 2>&1 || true

  for name in "${components[@]}"; do alive_or_die "$name"; done
  say "up in $((SECONDS - started))s ($(server_version))"
  usage_hint
}

server_version() {
  kubectl --kubeconfig="$dir/admin.kubeconfig" version -o json 2>/dev/null |
    python3 -c 'import json,sys; print("Kubernetes", json.load(sys.stdin)["serverVersion"]["gitVersion"])' 2>/dev/null ||
    echo "version unknown"
}

usage_hint() {
  cat <<EOF
test-cluster: the cluster runs; use it with
  export KUBECONFIG=$dir/admin.kubeconfig        # cluster admin (system:masters)
  kubectl --kubeconfig=$dir/alice.kubeconfig ...  # alice, groups nexus-users, team-alice
  kubectl --kubeconfig=$dir/bob.kubeconfig ...    # bob, groups nexus-users, team-bob
  eval "\$($0 env)"                                # the admin KUBECONFIG in this shell
  $0 down                                          # stop it and remove $dir
EOF
}

all_running() {
  local name
  for name in "${components[@]}"; do is_running "$name" || return 1; done
}

ready() {
  # shellcheck disable=SC1091
  source "$dir/ports.env"
  curl -fsS --cacert "$dir/pki/ca.crt" --cert "$dir/pki/admin.crt" --key "$dir/pki/admin.key" \
    "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1
}

# stop_processes NAME...: SIGTERM each component's process group, wait up to
# 15 s for them all, SIGKILL what is left; prints how many were running.
stop_processes() {
  local name pid stopped=0
  for name; do
    pid=$(pid_of "$name")
    if [[ -z $pid ]] || ! pid_alive "$pid"; then continue; fi
    # Each component is a session leader: signal its whole group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    stopped=$((stopped + 1))
  done
  local deadline=$((SECONDS + 15))
  for name; do
    pid=$(pid_of "$name")
    [[ -n $pid ]] || continue
    while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
    if pid_alive "$pid"; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  echo "$stopped"
}

cmd_down() {
  local stopped leftovers=""
  if [[ $mode == real ]]; then
    real_node_stop
    leftovers=$(real_node_leftovers)
  fi
  stopped=$(stop_processes "${components[@]}")
  rm -rf "$dir"
  say "stopped $stopped processes and removed $dir"
  if [[ $mode == real ]]; then
    [[ -z $leftovers ]] || die "the real node left behind: $(echo "$leftovers" | paste -sd ';')"
    say "the real node is stopped and left nothing behind (processes, mounts, iptables chains, bridge, cgroups)"
  fi
}

cmd_status() {
  if [[ ! -d $dir/pids ]]; then
    say "not running (no cluster in $dir)"
    return 3
  fi
  local name pid state=0
  for name in "${components[@]}"; do
    pid=$(pid_of "$name")
    if is_running "$name"; then
      printf '  %-20s running (pid %s)\n' "$name" "$pid"
    else
      printf '  %-20s NOT running (see %s)\n' "$name" "$dir/logs/$name.log"
      state=1
    fi
  done
  if [[ $mode == real ]]; then real_node_status || state=1; fi
  if ready; then
    say "API server https://127.0.0.1:$api_port is ready ($(server_version))"
  else
    say "API server https://127.0.0.1:${api_port:-?} is not ready"
    state=1
  fi
  return $state
}

cmd_env() {
  [[ -f $dir/admin.kubeconfig ]] || die "no cluster in $dir: run '$0 up' first"
  printf 'export KUBECONFIG=%q\n' "$dir/admin.kubeconfig"
}

case ${1:-} in
up) cmd_up "${2:-}" ;;
down) cmd_down ;;
status) cmd_status ;;
env) cmd_env ;;
*)
  echo "usage: $0 up [--real-node]|down|status|env" >&2
  exit 2
  ;;
esac
