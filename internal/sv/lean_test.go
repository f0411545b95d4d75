package sv

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLean keeps cmd/sv free of the packages whose start-up and memory
// every run would pay for (docs/BENCHMARKS.md, "## sv"): sv is run often,
// by monitoring over every service, and most of its CPU is its start.
func TestLean(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/gorunit/gorunit/cmd/sv").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	banned := map[string]bool{"os": true, "os/signal": true, "os/exec": true, "fmt": true,
		"net": true, "path/filepath": true}
	for _, p := range strings.Fields(string(out)) {
		if banned[p] {
			t.Errorf("cmd/sv depends on %s", p)
		}
	}
}
