#!/usr/bin/env bash
# The real node of the test cluster (scripts/test-cluster.sh up --real-node),
# sourced by test-cluster.sh: containerd + runc from Debian, the kubelet and
# kube-proxy from the control plane's binary, kube-router's NetworkPolicy
# firewall, CoreDNS as a pod, `local` volumes, and images built from Debian
# packages (tests/cluster/images). Its state lives in $node_root, outside the
# cluster directory: iptables chains, /kubepods cgroups and the containerd
# shim sockets are host-wide, so one real node runs per machine.
# shellcheck disable=SC2154 # dir, bin, pki and the ports come from test-cluster.sh

node_name=nexus-real-node
node_root=${NEXUS_REAL_NODE_ROOT:-/var/lib/nexus-real-node}
node_run=/run/nexus-real-node
node_components=(containerd kubelet proxy kube-router internet)
pod_cidr=10.244.0.0/24
cluster_dns=10.96.0.10
# The internet stand-in: a network namespace of its own behind a veth pair,
# at an address outside every private and cluster range (TEST-NET-3), with a
# server on 80 and 443. Stores' egress to the internet goes there; nothing
# leaves the machine.
internet_netns=nexus-internet
internet_link=nexus-inet0
internet_gateway=203.0.113.1
internet_ip=203.0.113.80

# What the node needs from the machine, all said at once.
real_node_prerequisites() {
  local missing=() tool
  ((EUID == 0)) || missing+=("root (the kubelet and containerd run as root)")
  for tool in containerd runc ctr iptables ipset conntrack debootstrap gcc ip mount umount; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/portmap ]] ||
    missing+=("CNI plugins in /usr/lib/cni")
  [[ -w /sys/fs/cgroup/memory && -w /sys/fs/cgroup/cpu ]] || missing+=("writable cgroup v1 memory and cpu hierarchies")
  iptables -S >/dev/null 2>&1 || missing+=("netfilter (iptables -S fails)")
  ((${#missing[@]} == 0)) || die "the real node cannot start here; missing: $(
    IFS=';'
    echo "${missing[*]}"
  ) (Debian: apt-get install containerd runc containernetworking-plugins iptables ipset conntrack debootstrap gcc iproute2)"
  local owner
  owner=$(cat "$node_run/owner" 2>/dev/null || true)
  [[ -n $owner && $owner != "$dir" ]] || return 0
  if real_node_owner_alive "$owner"; then
    die "a real node already runs for the cluster in $owner: one per machine (stop it: NEXUS_TEST_CLUSTER_DIR=$owner $0 down)"
  fi
  # The owner's processes are gone (a machine restored from a snapshot, a
  # killed run): its pid files prove nothing, but what it left on the host
  # (chains, mounts, cgroups) would break this node, so it is cleared.
  say "the real node of $owner no longer runs; clearing what it left on the host"
  real_node_stop
}

# Whether the node of the cluster in $1 still runs: the machine's containerd
# or that cluster's kubelet is alive. Pid files outlive their processes, and a
# pid may be reused after a restart: the command lines decide.
real_node_owner_alive() {
  pgrep -f -- "--config $node_root/containerd/config.toml" >/dev/null ||
    pgrep -f -- "--config=$1/kubelet.yaml" >/dev/null
}

# The address pods reach the host (and the API server) at: the source
# address of the default route. 127.0.0.1 would be each pod's own loopback.
host_ip() {
  ip -4 route get 192.0.2.255 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n1
}

real_node_identities() {
  serving_cert "kubelet-$node_name" "IP:$node_ip,IP:127.0.0.1,DNS:$node_name"
  client_cert "node-$node_name" "/O=system:nodes/CN=system:node:$node_name"
  client_cert kube-proxy "/CN=system:kube-proxy"
  client_cert apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client"
  kubeconfig "$dir/node.kubeconfig" "node-$node_name" "system:node:$node_name"
  kubeconfig "$dir/kube-proxy.kubeconfig" kube-proxy kube-proxy
}

real_node_configs() {
  mkdir -p "$node_root"/{containerd,cni,kubelet,volumes} "$node_run"
  echo "$dir" >"$node_run/owner"
  cat >"$node_root/containerd/config.toml" <<EOF
version = 2
root = "$node_root/containerd/root"
state = "$node_run/containerd"
[grpc]
  address = "$node_run/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$node_root/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "nexus.local/pause:1"
  # root here lacks CAP_SYS_RESOURCE: runc may not lower oom_score_adj.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$node_root/cni"
EOF
  cat >"$node_root/cni/10-nexus.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "nexus", "plugins": [
  {"type": "bridge", "bridge": "nexus0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$pod_cidr"}]], "routes": [{"dst": "0.0.0.0/0"}],
            "dataDir": "$node_root/cni-ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
]}
EOF
  cat >"$dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: AlwaysAllow}
tlsCertFile: $pki/kubelet-$node_name.crt
tlsPrivateKeyFile: $pki/kubelet-$node_name.key
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz_port
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
clusterDNS: [$cluster_dns]
clusterDomain: cluster.local
containerRuntimeEndpoint: unix://$node_run/containerd.sock
# No registry: an image collected could never be pulled again.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
serializeImagePulls: false
maxPods: 60
EOF
  cat >"$dir/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: 10.244.0.0/16
hostnameOverride: $node_name
bindAddress: $node_ip
metricsBindAddress: 127.0.0.1:$proxy_metrics_port
healthzBindAddress: 127.0.0.1:$proxy_healthz_port
clientConnection: {kubeconfig: $dir/kube-proxy.kubeconfig}
# Leave the host's conntrack sysctls alone.
conntrack: {maxPerCore: 0, min: 0}
EOF
}

# Cluster objects the node needs: its RBAC and DNS.
real_node_objects() {
  cat <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: nexus-test-node}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:node}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:node:$node_name"}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: nexus-test-coredns}
rules:
- {apiGroups: [""], resources: [services, namespaces, pods], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: nexus-test-coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nexus-test-coredns}
subjects:
- {kind: ServiceAccount, name: coredns, namespace: kube-system}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        errors
        health :8080
        ready :8181
        # A short TTL: tests recreate namespaces and Services.
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
            ttl 5
        }
        cache 5
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      dnsPolicy: Default
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: "53"}]
      containers:
      - name: coredns
        image: nexus.local/coredns:1.15.0
        imagePullPolicy: Never
        args: [-conf, /etc/coredns/Corefile]
        ports:
        - {name: dns, containerPort: 53, protocol: UDP}
        - {name: dns-tcp, containerPort: 53, protocol: TCP}
        readinessProbe: {httpGet: {path: /ready, port: 8181}, periodSeconds: 2}
        resources: {requests: {cpu: 50m, memory: 40Mi}, limits: {memory: 120Mi}}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
        volumeMounts: [{name: config, mountPath: /etc/coredns}]
      volumes: [{name: config, configMap: {name: coredns}}]
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: $cluster_dns
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
EOF
}

real_node_start() {
  local started=$SECONDS ctr_=(ctr --address "$node_run/containerd.sock" -n k8s.io)
  start containerd containerd --config "$node_root/containerd/config.toml"
  wait_for containerd 30 "$dir/logs/containerd.log" "${ctr_[@]}" version
  "${ctr_[@]}" images import "$images_archive" >"$dir/logs/images.log" 2>&1 ||
    die "importing $images_archive into containerd failed" "$dir/logs/images.log"
  local k=(kubectl --kubeconfig="$dir/admin.kubeconfig")
  # The node's rights first: the kubelet registers at once.
  real_node_objects | "${k[@]}" apply -f - >>"$dir/logs/bootstrap.log" 2>&1 ||
    die "could not create the node's RBAC and DNS" "$dir/logs/bootstrap.log"
  start kubelet "$bin/kube" kubelet --config="$dir/kubelet.yaml" --kubeconfig="$dir/node.kubeconfig" \
    --hostname-override="$node_name" --node-ip="$node_ip" --root-dir="$node_root/kubelet" \
    --cert-dir="$node_root/kubelet/pki" --node-labels=type=real,nexus.dev/test-node=real --v=1
  start proxy "$bin/kube" proxy --config="$dir/kube-proxy.yaml"
  alive_or_die kubelet
  alive_or_die proxy
  wait_for "the real node's registration" 60 "$dir/logs/kubelet.log" "${k[@]}" get node "$node_name"
  "${k[@]}" wait --for=condition=Ready node "$node_name" --timeout=90s >>"$dir/logs/bootstrap.log" 2>&1 ||
    die "the real node did not become Ready" "$dir/logs/kubelet.log"
  # kube-router finds its node by name: only once it is registered.
  start kube-router "$bin/kube-router" --kubeconfig="$dir/admin.kubeconfig" --hostname-override="$node_name" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
    --service-node-port-range="$node_port_range" \
    --metrics-port=0 --health-port="$router_health_port" --v=1
  "${k[@]}" rollout status deployment/coredns -n kube-system --timeout=120s >>"$dir/logs/bootstrap.log" 2>&1 ||
    die "CoreDNS did not become ready" "$dir/logs/kubelet.log"
  real_node_internet_start
  local name
  for name in "${node_components[@]}"; do alive_or_die "$name"; done
  say "real node $node_name Ready with DNS in $((SECONDS - started))s"
}

# The internet stand-in (see internet_netns): answers any TCP connection on
# 80 and 443 with a one-line HTTP page.
real_node_internet_start() {
  ip netns add "$internet_netns"
  ip link add "$internet_link" type veth peer name eth0 netns "$internet_netns"
  ip addr add "$internet_gateway/24" dev "$internet_link"
  ip link set "$internet_link" up
  ip -n "$internet_netns" link set lo up
  ip -n "$internet_netns" addr add "$internet_ip/24" dev eth0
  ip -n "$internet_netns" link set eth0 up
  ip -n "$internet_netns" route add default via "$internet_gateway"
  start internet ip netns exec "$internet_netns" python3 -c '
import socket, socketserver, threading
class Page(socketserver.StreamRequestHandler):
    def handle(self):
        self.request.settimeout(5)
        try:
            self.rfile.readline()
        except OSError:
            pass
        self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nthe internet stand-in\n")
class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
servers = [Server(("0.0.0.0", port), Page) for port in (80, 443)]
for server in servers[1:]:
    threading.Thread(target=server.serve_forever, daemon=True).start()
servers[0].serve_forever()'
  wait_for "the internet stand-in" 10 "$dir/logs/internet.log" \
    curl -fsS --max-time 2 "http://$internet_ip/"
}

# Stop every pod's containers and the node's processes, then remove what they
# left on the host: mounts, iptables chains and sets, the bridge, cgroups, logs.
real_node_stop() {
  local sock=$node_run/containerd.sock
  # The kubelet first: it would restart what is stopped next.
  stop_processes kubelet >/dev/null
  real_node_kill_containers "$sock"
  stop_processes "${node_components[@]}" >/dev/null
  # Shims outlive containerd; their containers are gone by now.
  pkill -KILL -f "containerd-shim-runc-v2 .*-address $sock" 2>/dev/null || true
  local mount_point
  while read -r mount_point; do
    umount -l "$mount_point" 2>/dev/null || true
  done < <(awk -v a="$node_root" -v b="$node_run" 'index($2, a) == 1 || index($2, b) == 1 || index($2, "/run/netns/cni-") == 1 {print $2}' /proc/mounts | sort -r)
  rm -f /run/netns/cni-* 2>/dev/null || true
  "$bin/kube" proxy --cleanup >/dev/null 2>&1 || true
  real_node_iptables_cleanup
  ip link delete nexus0 2>/dev/null || true
  ip netns delete "$internet_netns" 2>/dev/null || true
  ip link delete "$internet_link" 2>/dev/null || true
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    [[ -d ${hierarchy}kubepods ]] && find "${hierarchy}kubepods" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  rm -rf --one-file-system "$node_root" "$node_run" /var/log/containers /var/log/pods /run/containerd/s 2>/dev/null || true
  return 0
}

real_node_kill_containers() {
  local sock=$1 task
  [[ -S $sock ]] || return 0
  sleep 1
  for task in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr --address "$sock" -n k8s.io tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
  done
  sleep 1
  for task in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr --address "$sock" -n k8s.io tasks delete -f "$task" >/dev/null 2>&1 || true
  done
}

# Rules and chains the CNI bridge and kube-router leave (kube-proxy cleans its own).
real_node_iptables_cleanup() {
  local table chain rule set
  for table in nat filter mangle; do
    while read -r rule; do
      eval "iptables -t $table -D ${rule#-A }" 2>/dev/null || true
    done < <(iptables -t "$table" -S 2>/dev/null | grep -E -- '^-A .*-j (CNI-|KUBE-)')
    for chain in $(iptables -t "$table" -S 2>/dev/null | sed -n 's/^-N \(\(CNI\|KUBE\)-[^ ]*\)$/\1/p'); do
      iptables -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $(iptables -t "$table" -S 2>/dev/null | sed -n 's/^-N \(\(CNI\|KUBE\)-[^ ]*\)$/\1/p'); do
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
  for set in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-|kube-router)'); do
    ipset destroy "$set" 2>/dev/null || true
  done
}

# What the node left on the host; empty when nothing.
real_node_leftovers() {
  pgrep -f "$node_run/containerd.sock" >/dev/null && echo "processes using $node_run/containerd.sock"
  awk -v a="$node_root" -v b="$node_run" 'index($2, a) == 1 || index($2, b) == 1 {print "mount " $2}' /proc/mounts
  iptables-save 2>/dev/null | grep -qE -- '^:(CNI|KUBE)-' && echo "iptables chains CNI-*/KUBE-*"
  ip link show nexus0 >/dev/null 2>&1 && echo "bridge nexus0"
  ip netns list 2>/dev/null | grep -qw "$internet_netns" && echo "network namespace $internet_netns"
  ip link show "$internet_link" >/dev/null 2>&1 && echo "link $internet_link"
  local cgroup
  for cgroup in /sys/fs/cgroup/*/kubepods; do [[ -d $cgroup ]] && echo "cgroup $cgroup"; done
  [[ -e $node_root ]] && echo "directory $node_root"
  return 0
}

real_node_status() {
  local node
  node=$(kubectl --kubeconfig="$dir/admin.kubeconfig" get node "$node_name" --no-headers 2>/dev/null) || {
    say "real node $node_name is not registered"
    return 1
  }
  say "real node: $node"
  say "  images: $(ctr --address "$node_run/containerd.sock" -n k8s.io images ls -q 2>/dev/null | grep -c '^nexus.local/') nexus.local images; pods on the node: $(ctr --address "$node_run/containerd.sock" -n k8s.io tasks ls -q 2>/dev/null | wc -l) containers running"
  say "  state in $node_root ($(du -sh --one-file-system "$node_root" 2>/dev/null | cut -f1)); one real node per machine"
}
