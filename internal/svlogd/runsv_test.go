package svlogd

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/svtest"
)

// TestNoLossLogRestartedByRunsv runs a service that writes numbered lines
// into its log service (`exec svlogd main`, gorunit's) under runsv, and
// restarts the log service three times (`t` on log/supervise/control)
// while the service writes: every line must arrive once, in order. runsv
// keeps the log pipe open across the restarts. Runs under gorunit's runsv
// and, with $RUNIT_REF, under C runsv.
func TestNoLossLogRestartedByRunsv(t *testing.T) {
	box := svtest.Box(t)
	runsvs := map[string]string{"gorunit runsv": filepath.Join(box, "runsv")}
	if ref := os.Getenv("RUNIT_REF"); ref != "" {
		runsvs["C runsv"] = filepath.Join(ref, "runsv")
	}
	for name, runsv := range runsvs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const n = 30000
			root := t.TempDir()
			svc := filepath.Join(root, "svc")
			svtest.WriteScript(t, filepath.Join(svc, "run"), fmt.Sprintf(`#!/bin/sh
i=0
while [ $i -lt %d ]; do
  echo $i
  i=$((i+1))
  [ $((i %% 1000)) = 0 ] && sleep 0.1
done
exec sleep 1000
`, n))
			svtest.WriteScript(t, filepath.Join(svc, "log", "run"), "#!/bin/sh\nexec svlogd main\n")
			if err := os.Mkdir(filepath.Join(svc, "log", "main"), 0o755); err != nil {
				t.Fatal(err)
			}
			svtest.Start(t, root, svtest.PathWith(box), runsv, svc)
			pidFile := filepath.Join(svc, "log", "supervise", "pid")
			logPid := func() string {
				b, _ := os.ReadFile(pidFile)
				return strings.TrimSpace(string(b))
			}
			var pid string
			svtest.WaitFor(t, 20*time.Second, func() error {
				if pid = logPid(); pid == "" {
					return fmt.Errorf("log service not up")
				}
				return nil
			})
			for range 3 {
				svtest.WaitFor(t, 20*time.Second, func() error {
					if k := countLines(t, filepath.Join(svc, "log", "main")); k == 0 {
						return fmt.Errorf("nothing logged yet")
					}
					return nil
				})
				ctl, err := os.OpenFile(filepath.Join(svc, "log", "supervise", "control"), os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				ctl.WriteString("t")
				ctl.Close()
				old := pid
				svtest.WaitFor(t, 20*time.Second, func() error {
					if pid = logPid(); pid == "" || pid == old {
						return fmt.Errorf("log service not restarted (pid %q)", pid)
					}
					return nil
				})
			}
			svtest.WaitFor(t, 60*time.Second, func() error {
				if k := countLines(t, filepath.Join(svc, "log", "main")); k < n {
					return fmt.Errorf("%d of %d lines logged", k, n)
				}
				return nil
			})
			b, _ := os.ReadFile(filepath.Join(svc, "log", "main", "current"))
			var got []string
			for l := range strings.SplitSeq(string(b), "\n") {
				if l != "" {
					got = append(got, l)
				}
			}
			for i, l := range got {
				if k, err := strconv.Atoi(l); err != nil || k != i {
					t.Fatalf("line %d is %q", i, l)
				}
			}
			if len(got) != n {
				t.Fatalf("%d lines, want %d", len(got), n)
			}
		})
	}
}

func countLines(t *testing.T, dir string) int {
	names, _ := filepath.Glob(filepath.Join(dir, "@*"))
	sort.Strings(names)
	names = append(names, filepath.Join(dir, "current"))
	k := 0
	for _, name := range names {
		b, _ := os.ReadFile(name)
		k += strings.Count(string(b), "\n")
	}
	return k
}
