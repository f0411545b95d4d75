package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/gorunit/gorunit/internal/svtest"
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

// TestLeanTools keeps the tools that ship as binaries of their own
// (svtest.Standalone: runsv, sv, svlogd) free of the packages whose memory
// and start-up every process that links them pays, used or not: one runsv
// and one svlogd run per service, and monitoring runs sv over every
// service (docs/BENCHMARKS.md, packaging/README.md).
func TestLeanTools(t *testing.T) {
	banned := []string{"os", "os/signal", "os/exec", "fmt", "net", "path/filepath", "log"}
	for _, tool := range svtest.Standalone {
		out, err := exec.Command("go", "list", "-deps", "github.com/gorunit/gorunit/cmd/"+tool).Output()
		if err != nil {
			t.Fatalf("go list: %v", err)
		}
		deps := strings.Fields(string(out))
		for _, p := range banned {
			if slices.Contains(deps, p) {
				t.Errorf("cmd/%s links package %s", tool, p)
			}
		}
	}
	// Package stack grows runsv's main stack before any other init can
	// grow it step by step; it runs first only while it imports nothing
	// (Go initialises ready packages in import path order).
	out, err := exec.Command("go", "list", "-f", "{{join .Imports \" \"}}", "github.com/gorunit/gorunit/internal/runsv/stack").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if imports := strings.TrimSpace(string(out)); imports != "" {
		t.Errorf("internal/runsv/stack imports %s", imports)
	}
}
