// Command etcd runs the etcd server (go.etcd.io/etcd/server/v3/etcdmain) at the pinned release.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
