// Command report prints the process state chpst sets, for the chroot
// tests, where no shell is at hand: it is built static and copied into
// the new root.
package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	wd, err := os.Getwd()
	fmt.Println("cwd", wd, err)
	groups, _ := syscall.Getgroups()
	fmt.Println("uid", syscall.Getuid(), "gid", syscall.Getgid(), "groups", groups)
	ents, _ := os.ReadDir("/")
	for _, e := range ents {
		fmt.Println("root has", e.Name())
	}
	for _, kv := range os.Environ() {
		fmt.Println("env", kv)
	}
	fmt.Println("argv", os.Args)
}
