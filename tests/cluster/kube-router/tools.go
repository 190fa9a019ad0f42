//go:build tools

// kube-router enforces NetworkPolicies on the real test node (firewall only:
// no routing, no service proxy, no CNI). Built from this pinned module by
// build.sh; only the real-node mode of scripts/test-cluster.sh runs it.
package tools

import _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
