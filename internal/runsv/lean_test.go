package runsv_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// runsv ships as a binary of its own, without the packages that cost
// every copy private memory (docs/BENCHMARKS.md); and package stack must
// import nothing, so that Go initialises it before internal/godebug
// (packages go in import path order once their imports are done), whose
// init would otherwise grow the main goroutine's stack to 4 kB.
func TestStandaloneLinksNoOS(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/gorunit/gorunit/cmd/runsv").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, p := range []string{"os", "os/signal", "os/exec", "fmt", "net", "path/filepath", "log"} {
		if slices.Contains(deps, p) {
			t.Errorf("cmd/runsv links package %s", p)
		}
	}
	out, err = exec.Command("go", "list", "-f", "{{join .Imports \" \"}}", "github.com/gorunit/gorunit/internal/runsv/stack").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if imports := strings.TrimSpace(string(out)); imports != "" {
		t.Errorf("internal/runsv/stack imports %s", imports)
	}
}
