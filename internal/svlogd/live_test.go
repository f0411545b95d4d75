package svlogd

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSignalsSameAsRunit drives C svlogd and gorunit's through the same
// steps on a pipe (ALRM, HUP, TERM, age rotation) and compares the log
// directories and stderr at the end.
func TestSignalsSameAsRunit(t *testing.T) {
	for name, tc := range map[string]struct {
		sc    scenario
		steps func(l *live)
		// differ, when set, replaces the comparison: a documented
		// difference from runit (docs/COMPATIBILITY.md).
		differ func(t *testing.T, im impl, r result)
	}{
		"alarm rotates": {
			sc: scenario{args: []string{"-v"}},
			steps: func(l *live) {
				l.write("a\nb\n")
				l.waitContent("log/current", "a\nb\n")
				// 0644 while open; 0744 once closed (the snapshot at the end).
				if fi, err := os.Stat(filepath.Join(l.root, "log", "current")); err != nil || fi.Mode() != 0o644 {
					l.t.Errorf("%s: current while open: %v, %v; want -rw-r--r--", l.im.name, fi.Mode(), err)
				}
				l.signal(syscall.SIGALRM)
				l.waitOld("log", 1)
				l.write("c\n")
				l.waitContent("log/current", "c\n")
			},
		},
		"alarm with empty current": {
			sc: scenario{args: []string{"-v"}},
			steps: func(l *live) {
				l.waitStderr("new: log/current", 1)
				l.signal(syscall.SIGALRM)
				l.waitStderr("sigalarm received.", 1)
				l.write("a\n")
				l.waitContent("log/current", "a\n")
			},
		},
		"age rotation": {
			sc: scenario{args: []string{"-tt"}, config: map[string]string{"log": "t1\n"}},
			steps: func(l *live) {
				l.write("a\n")
				l.waitOld("log", 1)
				l.write("b\n")
				l.waitContent("log/current", "PTIME b\n")
			},
		},
		"hangup rereads config": {
			sc: scenario{args: []string{"-v"}, config: map[string]string{"log": "pA:\n"}},
			steps: func(l *live) {
				l.write("a\n")
				l.waitContent("log/current", "A:a\n")
				os.WriteFile(filepath.Join(l.root, "log", "config"), []byte("pB:\ns5\n"), 0o644)
				l.signal(syscall.SIGHUP)
				l.waitStderr("append: log/current", 1)
				// s5 splits "B:b\n" and "B:c\n" across files: two rotations.
				l.write("b\nc\n")
				l.waitOld("log", 2)
				l.waitContent("log/current", "c\n")
			},
		},
		"term finishes the line": {
			sc: scenario{args: []string{"-v"}},
			steps: func(l *live) {
				l.write("a\npart")
				l.waitContent("log/current", "a\n")
				l.signal(syscall.SIGTERM)
				l.waitStderr("sigterm received.", 1)
				l.write("ial\nnext\n")
				if _, err := l.p.wait(20 * time.Second); err != nil {
					l.t.Fatal(err)
				}
				// What follows the line stays in the pipe.
				b := make([]byte, 100)
				n, _ := l.r.Read(b)
				if got := string(b[:n]); got != "next\n" {
					l.t.Errorf("%s left %q in the pipe, want %q", l.im.name, got, "next\n")
				}
			},
			// runit 2.1.2 reads the rest of the line byte by byte after
			// TERM, then drops it (its "exitasap && !data.p" check);
			// gorunit writes it.
			differ: func(t *testing.T, im impl, r result) {
				want := map[string]string{"C": `log/current -rwxr--r-- 2: "a\n"`, "gorunit": `log/current -rwxr--r-- 10: "a\npartial\n"`}[im.name]
				if r.Files[0] != want || r.Exit != 0 {
					t.Errorf("%s: exit %d, %s; want exit 0, %s", im.name, r.Exit, r.Files[0], want)
				}
			},
		},
		"term between lines": {
			sc: scenario{args: []string{"-v"}},
			steps: func(l *live) {
				l.write("a\n")
				l.waitContent("log/current", "a\n")
				l.signal(syscall.SIGTERM)
				if _, err := l.p.wait(20 * time.Second); err != nil {
					l.t.Fatal(err)
				}
			},
		},
		"current unwritable, then fixed": {
			sc: scenario{setup: func(t *testing.T, root string) {
				os.Mkdir(filepath.Join(root, "log", "current"), 0o755)
			}},
			steps: func(l *live) {
				l.waitStderr("svlogd: pausing: unable to open current: log: is a directory", 1)
				os.Remove(filepath.Join(l.root, "log", "current"))
				l.write("a\n")
				l.waitContent("log/current", "a\n")
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var want result
			for i, im := range both(t) {
				l := tc.sc.start(t, im)
				tc.steps(l)
				got := l.finish(tc.sc.dirList())
				if tc.differ != nil {
					tc.differ(t, im, got)
					continue
				}
				if i == 0 {
					want = got
					continue
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("C svlogd vs gorunit (-C +gorunit):\n%s", d)
				}
			}
		})
	}
}
