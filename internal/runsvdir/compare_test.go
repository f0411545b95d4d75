package runsvdir

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
	"golang.org/x/sys/unix"
)

// TestUsageLikeC runs both runsvdirs without a directory.
func TestUsageLikeC(t *testing.T) {
	ref := svtest.RunitRef(t)
	exe, _ := os.Executable()
	for _, args := range [][]string{nil, {"-P"}, {"--"}} {
		var got [2]string
		var codes [2]int
		for i, bin := range []string{filepath.Join(ref, "runsvdir"), exe} {
			cmd := exec.Command(bin, args...)
			cmd.Args[0] = "/usr/bin/runsvdir"
			cmd.Env = append(os.Environ(), helperEnv+"=1")
			if i == 1 {
				// The test binary answers to its basename.
				dir := t.TempDir()
				os.Symlink(exe, filepath.Join(dir, "runsvdir"))
				cmd.Path = filepath.Join(dir, "runsvdir")
			}
			out, err := cmd.CombinedOutput()
			got[i] = string(out)
			if ee, ok := err.(*exec.ExitError); ok {
				codes[i] = ee.ExitCode()
			}
		}
		if got[0] != got[1] || codes[0] != codes[1] {
			t.Errorf("%q: C %d %q, gorunit %d %q", args, codes[0], got[0], codes[1], got[1])
		}
	}
}

var labelRE = regexp.MustCompile(`@4000[0-9a-f]{20}`)

// TestMessagesLikeC runs each scenario through Debian's runsvdir and ours
// in directories of the same layout and compares the first lines of
// stderr, with TAI64N labels masked.
func TestMessagesLikeC(t *testing.T) {
	ref := svtest.RunitRef(t)
	exe, _ := os.Executable()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		args  []string
		lines int
		alrm  bool // send ALRM once the first line is there
	}{
		{"dangling link", func(t *testing.T, dir string) {
			os.MkdirAll(filepath.Join(dir, "svc"), 0o755)
			os.Symlink("/nonexistent", filepath.Join(dir, "svc", "dangling"))
		}, []string{"svc"}, 1, false},
		{"missing dir", func(t *testing.T, dir string) {}, []string{"svc"}, 2, false},
		{"dash dir", func(t *testing.T, dir string) {}, []string{"-X"}, 1, false},
		{"not a directory", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "svc"), nil, 0o644)
		}, []string{"svc"}, 1, false},
		{"short log", func(t *testing.T, dir string) {
			os.MkdirAll(filepath.Join(dir, "svc"), 0o755)
		}, []string{"svc", "log: x"}, 2, false},
		{"runsv not found", func(t *testing.T, dir string) {
			os.MkdirAll(filepath.Join(dir, "svc", "a"), 0o755)
		}, []string{"-P", "svc"}, 1, false},
		{"forced-rescan unwritable", func(t *testing.T, dir string) {
			os.MkdirAll(filepath.Join(dir, "svc", ".forced-rescan"), 0o755)
			os.Symlink("/nonexistent", filepath.Join(dir, "svc", "dangling"))
		}, []string{"svc"}, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got [2][]string
			for i, bin := range []string{filepath.Join(ref, "runsvdir"), exe} {
				dir := t.TempDir()
				tc.setup(t, dir)
				empty := t.TempDir() // PATH without runsv
				if i == 1 {
					os.Symlink(exe, filepath.Join(empty, "runsvdir"))
					bin = filepath.Join(empty, "runsvdir")
				}
				env := []string{"PATH=" + filepath.Join(empty, "nothing-here"), helperEnv + "=1", goraceEnv()}
				d := startDaemon(t, dir, env, append([]string{bin}, tc.args...)...)
				lines := func() []string {
					s := d.stderr()
					if i := strings.LastIndexByte(s, '\n'); i >= 0 {
						return strings.Split(s[:i], "\n")
					}
					return nil
				}
				want := tc.lines
				if tc.alrm {
					want = 1
				}
				svtest.WaitFor(t, 20*time.Second, func() error {
					if n := len(lines()); n < want {
						return fmt.Errorf("%d lines: %q", n, d.stderr())
					}
					return nil
				})
				if tc.alrm {
					d.p.Signal(unix.SIGALRM)
					svtest.WaitFor(t, 20*time.Second, func() error {
						if !strings.Contains(d.stderr(), "failed to open") {
							return fmt.Errorf("no failed to open: %q", d.stderr())
						}
						return nil
					})
				}
				d.p.Signal(unix.SIGTERM)
				if code, err := d.wait(10 * time.Second); err != nil || code != ExitTERM {
					t.Errorf("exit %d %v", code, err)
				}
				l := lines()
				if tc.alrm {
					// Scans before the ALRM vary with timing; keep one
					// scan's warning and the ALRM line.
					l = []string{l[0], lastWith(l, "failed to open")}
				} else {
					l = l[:tc.lines]
				}
				for j := range l {
					l[j] = labelRE.ReplaceAllString(l[j], "@LABEL")
				}
				got[i] = l
			}
			if diff := cmp.Diff(got[0], got[1]); diff != "" {
				t.Errorf("(-C +gorunit):\n%s", diff)
			}
		})
	}
}

func lastWith(l []string, s string) string {
	for i := len(l) - 1; i >= 0; i-- {
		if strings.Contains(l[i], s) {
			return l[i]
		}
	}
	return ""
}

// TestLogDisplayLikeC compares what ps shows of the log argument: first
// the '.' written at start, then runsvdir's own warning about a dangling
// link, scrolled in from the right.
func TestLogDisplayLikeC(t *testing.T) {
	ref := svtest.RunitRef(t)
	exe, _ := os.Executable()
	logArg := "log: " + strings.Repeat("_", 90)
	var got [2]string
	for i, bin := range []string{filepath.Join(ref, "runsvdir"), exe} {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "svc"), 0o755)
		empty := t.TempDir()
		if i == 1 {
			os.Symlink(exe, filepath.Join(empty, "runsvdir"))
			bin = filepath.Join(empty, "runsvdir")
		}
		env := []string{"PATH=" + filepath.Join(empty, "nothing-here"), helperEnv + "=1", goraceEnv()}
		d := startDaemon(t, dir, env, bin, "svc", logArg)
		shown := func() string {
			args, err := cmdline(d.p.Pid)
			if err != nil || len(args) != 3 {
				return fmt.Sprint(args, err)
			}
			return args[2]
		}
		svtest.WaitFor(t, 20*time.Second, func() error {
			if s := shown(); !strings.HasSuffix(s, "_.") {
				return fmt.Errorf("shows %q", s)
			}
			return nil
		})
		os.Symlink("/nonexistent", filepath.Join(dir, "svc", "dangling"))
		svtest.WaitFor(t, 20*time.Second, func() error {
			if s := shown(); !strings.HasSuffix(s, "file does not exist\n") {
				return fmt.Errorf("shows %q", s)
			}
			return nil
		})
		got[i] = shown()
		d.p.Signal(unix.SIGTERM)
		d.wait(10 * time.Second)
	}
	if got[0] != got[1] {
		t.Errorf("C shows %q\ngorunit shows %q", got[0], got[1])
	}
}

// TestEnvironmentLikeC: what runsvdir is given reaches the service through
// runsv unchanged, in order and with a variable's duplicates, as with C
// runit, whose tools pass environ on as it is. The run script records its
// shell's environment as execve gave it (/proc/$$/environ), before the
// shell makes its own of it. runsvdir is started with syscall.ForkExec:
// os/exec drops duplicates from Env itself.
func TestEnvironmentLikeC(t *testing.T) {
	ref := svtest.RunitRef(t)
	box := svtest.Box(t)
	got := map[string]string{}
	for name, bin := range map[string]string{"C": ref, "gorunit": box} {
		dir := t.TempDir()
		svtest.WriteScript(t, filepath.Join(dir, "s", "run"),
			"#!/bin/sh\ntr '\\0' '\\n' </proc/$$/environ >env.new && mv env.new env\nexec sleep 1000\n")
		environ := []string{"PATH=" + bin + ":/usr/bin:/bin", "DUP=1", "A=x", "DUP=2", "EMPTY="}
		pid, err := syscall.ForkExec(filepath.Join(bin, "runsvdir"), []string{"runsvdir", dir},
			&syscall.ProcAttr{Env: environ, Files: []uintptr{0, 1, 2}})
		if err != nil {
			t.Fatal(err)
		}
		stopped := false
		stop := func() {
			if !stopped {
				stopped = true
				unix.Kill(pid, unix.SIGHUP) // TERM to every runsv, then exit
				var ws unix.WaitStatus
				unix.Wait4(pid, &ws, 0, nil)
			}
		}
		t.Cleanup(stop)
		env := filepath.Join(dir, "s", "env")
		svtest.WaitFor(t, 30*time.Second, func() error {
			b, err := os.ReadFile(env)
			got[name] = strings.ReplaceAll(string(b), bin, "BIN")
			return err
		})
		stop()
		// runsvdir is gone; its runsv goes once the service has.
		svtest.WaitFor(t, 30*time.Second, func() error {
			if supervise.ProbeOK(filepath.Join(dir, "s", "supervise")) == nil {
				return fmt.Errorf("%s runsv still running", name)
			}
			return nil
		})
	}
	if d := cmp.Diff(got["C"], got["gorunit"]); d != "" {
		t.Errorf("the service's environment, C runit (-) and gorunit (+):\n%s", d)
	}
	if !strings.Contains(got["gorunit"], "DUP=1\nA=x\nDUP=2\n") {
		t.Errorf("duplicates lost: %q", got["gorunit"])
	}
}
