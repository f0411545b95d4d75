package chpst

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gorunit/gorunit/internal/svtest"
)

// BenchmarkRun measures a whole chpst run, start to exec'd /bin/true's
// exit, for Debian's C chpst and gorunit's (its own binary and the box),
// with a typical run-script setting: an envdir, a user, a limit.
// Compare the sub-benchmarks of one run with each other, as ratios.
func BenchmarkRun(b *testing.B) {
	dir := b.TempDir()
	env := filepath.Join(dir, "env")
	os.Mkdir(env, 0o755)
	for _, n := range []string{"A", "B", "C", "D"} {
		os.WriteFile(filepath.Join(env, n), []byte("value of "+n+"\n"), 0o644)
	}
	args := []string{"-e", env, "-o", "1000", "/bin/true"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	bins := map[string]string{}
	if ref := os.Getenv("RUNIT_REF"); ref != "" {
		bins["C"] = filepath.Join(ref, "chpst")
	}
	bins["gorunit-chpst"] = standalone(b)
	bins["gorunit-box"] = filepath.Join(svtest.Box(b), "chpst")
	for _, name := range []string{"C", "gorunit-chpst", "gorunit-box"} {
		bin, ok := bins[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				cmd := exec.Command(bin, args...)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
			}
		})
	}
}
