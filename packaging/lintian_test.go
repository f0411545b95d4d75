package main

import (
	"os/exec"
	"testing"
)

// TestLintian runs lintian on the package (about 10 s): no error or
// warning may be left that debian/gorunit.lintian-overrides does not
// explain. Skipped without lintian and in -short mode.
func TestLintian(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short")
	}
	lintian, err := exec.LookPath("lintian")
	if err != nil {
		t.Skip("no lintian")
	}
	path, _ := build(t, testPackage(t))
	out, err := exec.Command(lintian, "--fail-on", "error,warning", path).CombinedOutput()
	if err != nil {
		t.Errorf("lintian %s: %v\n%s", path, err, out)
	}
	t.Logf("%s", out)
}
