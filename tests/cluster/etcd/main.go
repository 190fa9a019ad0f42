// Command etcd is the etcd server, built from its Go module at a pinned
// version because Debian's etcd is too old for a current kube-apiserver.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
