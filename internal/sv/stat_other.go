//go:build linux && !(amd64 || arm64 || riscv64 || ppc64le || s390x)

package sv

import "golang.org/x/sys/unix"

// stat is stat(2) for its error only (x/sys/unix's wrapper where the
// syscall and struct differ).
func (c *cpath) stat(path string) error {
	if c.pre != "" {
		path = c.pre + "/" + path
	}
	var st unix.Stat_t
	return unix.Stat(path, &st)
}
