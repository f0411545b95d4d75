package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The tools import only the standard library, x/sys and pflag (the brief's
// fixed dependencies): go-cmp stays in tests and nfpm in packaging/. A new
// module in a binary must be a decision, so this test fails until it is
// added here with its reason.
func TestBinaryDependencies(t *testing.T) {
	allowed := []string{
		"github.com/gorunit/gorunit/",
		"golang.org/x/sys/",
		"github.com/spf13/pflag",
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
		"github.com/gorunit/gorunit/cmd/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		ok := false
		for _, a := range allowed {
			ok = ok || strings.HasPrefix(p, a)
		}
		if !ok {
			t.Errorf("a tool depends on %s", p)
		}
	}
}
