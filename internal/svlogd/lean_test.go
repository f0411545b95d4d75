package svlogd

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestStandaloneLinksNoTime: svlogd ships as a binary of its own, without
// the packages that cost every copy private memory (docs/BENCHMARKS.md):
// package os and what comes with it, and package time, which x/sys/unix
// and io/fs would bring in. On every architecture: those without svlogd's
// assembly signal handler take the runtime's signals (package sig).
func TestStandaloneLinksNoTime(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64", "386", "riscv64"} {
		cmd := exec.Command("go", "list", "-deps", "github.com/gorunit/gorunit/cmd/svlogd")
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list (%s): %v", arch, err)
		}
		deps := strings.Fields(string(out))
		for _, p := range []string{"os", "os/signal", "os/exec", "fmt", "net", "path/filepath", "log",
			"time", "io/fs", "golang.org/x/sys/unix"} {
			if slices.Contains(deps, p) {
				t.Errorf("cmd/svlogd links package %s on %s", p, arch)
			}
		}
	}
}
