// Command kube is a multicall binary holding the Kubernetes control-plane
// components the Nexus test cluster needs. Linking them into one binary saves
// two large links on a 2-core machine. The component is the first argument:
//
//	kube apiserver|controller-manager|scheduler|kubelet|proxy [flags...]
//	kube provisioner --kubeconfig FILE --data-dir DIR [--local-node NODE]
//
// kubelet and proxy (kube-proxy) run only on the real node
// (scripts/test-cluster.sh up --real-node).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

func main() {
	components := map[string]func() *cobra.Command{
		"apiserver":          apiserver.NewAPIServerCommand,
		"controller-manager": controllermanager.NewControllerManagerCommand,
		"scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
		"kubelet":            func() *cobra.Command { return kubelet.NewKubeletCommand(context.Background()) },
		"proxy":              func() *cobra.Command { return proxy.NewProxyCommand() },
	}
	if len(os.Args) >= 2 && os.Args[1] == "provisioner" {
		os.Exit(runProvisioner(os.Args[2:]))
	}
	if len(os.Args) < 2 || components[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: kube apiserver|controller-manager|scheduler|kubelet|proxy|provisioner [flags...]")
		os.Exit(2)
	}
	// The real binaries' names: client-go takes its user agent, and so the
	// field manager of every write a component makes, from os.Args[0].
	os.Args[0] = map[string]string{
		"apiserver":          "kube-apiserver",
		"controller-manager": "kube-controller-manager",
		"scheduler":          "kube-scheduler",
		"kubelet":            "kubelet",
		"proxy":              "kube-proxy",
	}[os.Args[1]]
	command := components[os.Args[1]]()
	command.SetArgs(os.Args[2:])
	os.Exit(cli.Run(command))
}
