package runsv_test

import (
	"encoding/binary"
	"errors"
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
)

// Side by side with Debian's C runsv ($RUNIT_REF): each scenario runs
// once under C runsv and once under gorunit's, and what a script could see
// must be the same: supervise/ files (names, types, modes, contents, with
// status stamps and pids masked), the scripts' arguments and output,
// runsv's messages and exit code.

// snapshot describes a supervise directory with stamps and pids masked.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err.Error()
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %v", e.Name(), fi.Mode())
		if fi.Mode().IsRegular() {
			c, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			switch e.Name() {
			case supervise.StatusFile:
				fmt.Fprintf(&b, " %s", maskStatus(c))
			case supervise.PIDFile:
				fmt.Fprintf(&b, " %q", regexp.MustCompile(`^[1-9][0-9]*\n$`).ReplaceAllString(string(c), "PID\n"))
			default:
				fmt.Fprintf(&b, " %q", c)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// maskStatus shows a status record with the stamp masked (checking only
// that the nanoseconds end in 500, as runit's always do) and the pid as
// PID or 0.
func maskStatus(c []byte) string {
	if len(c) != supervise.StatusSize {
		return fmt.Sprintf("bad size %d: %x", len(c), c)
	}
	stamp := "stamp"
	if binary.BigEndian.Uint32(c[8:12])%1000 != 500 {
		stamp = fmt.Sprintf("stamp with nanoseconds %d", binary.BigEndian.Uint32(c[8:12]))
	}
	pid := "0"
	if binary.LittleEndian.Uint32(c[12:16]) != 0 {
		pid = "PID"
	}
	return fmt.Sprintf("[%s %s % x]", stamp, pid, c[16:])
}

// scenario drives one runsv; it returns what it saw, to be compared.
type scenario struct {
	name  string
	files map[string]string
	fifos []string
	steps func(t *testing.T, s *svc, see func(string, ...any))
}

func runScenario(t *testing.T, sc scenario, bin string) string {
	s := newSvc(t, sc.files)
	for _, f := range sc.fifos {
		if err := syscall.Mkfifo(s.path(f), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	see := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	s.proc = startProc(t, filepath.Dir(s.dir), bin, "svc")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seen so far:\n%s\nrunsv output: %q\nsupervise:\n%s", b.String(), s.proc.Output(), snapshot(t, s.path("supervise")))
		}
	})
	sc.steps(t, s, see)
	return b.String()
}

func compare(t *testing.T, scenarios []scenario) {
	ref := svtest.RunitRef(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			var c, g string
			// Both runs at once; t.Run returns when both are done.
			t.Run("both", func(t *testing.T) {
				t.Run("C", func(t *testing.T) { t.Parallel(); c = runScenario(t, sc, runsvBin(t, ref)) })
				t.Run("gorunit", func(t *testing.T) { t.Parallel(); g = runScenario(t, sc, runsvBin(t, "")) })
			})
			if diff := cmp.Diff(c, g); diff != "" {
				t.Errorf("C runsv (-) and gorunit runsv (+) differ:\n%s", diff)
			}
		})
	}
}

func (s *svc) exitCode() int {
	s.t.Helper()
	code, err := s.proc.Wait(wait)
	if err != nil {
		s.t.Fatal(err)
	}
	return code
}

// waitOutput waits until runsv has written n lines.
func (s *svc) waitOutput(n int) string {
	s.t.Helper()
	var out string
	svtest.WaitFor(s.t, wait, func() error {
		out = s.proc.Output()
		if strings.Count(out, "\n") < n {
			return fmt.Errorf("runsv output %q", out)
		}
		return nil
	})
	return out
}

func isRun(st supervise.Status) bool { return st.State == supervise.Run && st.PID != 0 }

func TestSameAsRunitLifecycle(t *testing.T) {
	compare(t, []scenario{{
		name: "lifecycle with log and finish",
		files: map[string]string{
			"run":     "#!/bin/sh\necho run $#\nexec sleep 1000\n",
			"finish":  "#!/bin/sh\necho finish \"$@\"\n",
			"log/run": "#!/bin/sh\nexec cat >> out\n",
		},
		steps: func(t *testing.T, s *svc, see func(string, ...any)) {
			s.waitOK("supervise")
			s.waitOK("log/supervise")
			s.waitStatus("supervise", "run", isRun)
			s.waitStatus("log/supervise", "run", isRun)
			see("started:\n%s%s", snapshot(t, s.path("supervise")), snapshot(t, s.path("log/supervise")))
			// Each ./run has printed its line before the next command,
			// which could stop it first (a race of the test, not runsv's).
			for _, c := range []struct {
				cmd   string
				ok    func(supervise.Status) bool
				lines int // in the log before the command
			}{
				{"p", func(st supervise.Status) bool { return st.Paused }, 1},
				{"c", func(st supervise.Status) bool { return !st.Paused }, 1},
				{"d", func(st supervise.Status) bool { return st.State == supervise.Down && st.PID == 0 }, 1},
				{"o", isRun, 2},
				{"u", func(st supervise.Status) bool { return st.Want == supervise.WantUp }, 3},
				{"t", isRun, 3},
			} {
				s.waitFile("log/out", hasLines(c.lines))
				before := s.status("supervise")
				s.send("supervise", c.cmd)
				s.waitStatus("supervise", c.cmd, func(st supervise.Status) bool {
					return c.ok(st) && (c.cmd != "t" || st.PID != before.PID)
				})
				see("after %s:\n%s", c.cmd, snapshot(t, s.path("supervise")))
			}
			// Every line is in the log before the log restarts.
			s.waitFile("log/out", hasLines(5))
			s.send("log/supervise", "d")
			s.waitStatus("log/supervise", "log down", func(st supervise.Status) bool { return st.State == supervise.Down })
			see("log after d:\n%s", snapshot(t, s.path("log/supervise")))
			s.send("log/supervise", "u")
			s.waitStatus("log/supervise", "log up", isRun)
			s.send("supervise", "x")
			see("exit %d, output %q", s.exitCode(), s.proc.Output())
			see("after x:\n%s%s", snapshot(t, s.path("supervise")), snapshot(t, s.path("log/supervise")))
			see("log:\n%s", s.read("log/out"))
		},
	}, {
		name: "down files",
		files: map[string]string{
			"run": "#!/bin/sh\nexec sleep 1000\n", "down": "",
			"log/run": "#!/bin/sh\nexec cat > out\n", "log/down": "",
		},
		steps: func(t *testing.T, s *svc, see func(string, ...any)) {
			s.waitOK("supervise")
			s.waitOK("log/supervise")
			see("started:\n%s%s", snapshot(t, s.path("supervise")), snapshot(t, s.path("log/supervise")))
			s.send("log/supervise", "u")
			s.waitStatus("log/supervise", "log up", isRun)
			see("log up:\n%s%s", snapshot(t, s.path("supervise")), snapshot(t, s.path("log/supervise")))
			s.send("supervise", "x")
			see("exit %d", s.exitCode())
			see("after x:\n%s%s", snapshot(t, s.path("supervise")), snapshot(t, s.path("log/supervise")))
		},
	}, {
		name: "finish arguments",
		files: map[string]string{
			"run":    "#!/bin/sh\nread x < ./go\nexit $x\n",
			"finish": "#!/bin/sh\necho \"$#:$*\" >> finished\n",
			"down":   "",
		},
		fifos: []string{"go"},
		steps: func(t *testing.T, s *svc, see func(string, ...any)) {
			s.waitOK("supervise")
			for i, x := range []string{"3", "0", "kill -QUIT $$", "kill -KILL $$"} {
				s.send("supervise", "o")
				s.waitStatus("supervise", "run", isRun)
				if err := os.WriteFile(s.path("go"), []byte(x+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				s.waitFile("finished", hasLines(i+1))
				s.waitDown("supervise")
				see("%s: %s", x, snapshot(t, s.path("supervise")))
			}
			see("finished:\n%s", s.read("finished"))
		},
	}, {
		name: "k during finish",
		files: map[string]string{
			"run":    "#!/bin/sh\nexec sleep 1000\n",
			"finish": "#!/bin/sh\necho \"$*\" >> finished\nread x < ./go\n",
		},
		fifos: []string{"go"},
		steps: func(t *testing.T, s *svc, see func(string, ...any)) {
			s.waitOK("supervise")
			s.waitStatus("supervise", "run", isRun)
			s.send("supervise", "d")
			s.waitStatus("supervise", "finish", func(st supervise.Status) bool {
				return st.State == supervise.Finish && st.PID != 0
			})
			see("finish: %s", snapshot(t, s.path("supervise")))
			s.send("supervise", "kp")
			s.waitStatus("supervise", "paused", func(st supervise.Status) bool { return st.Paused })
			see("k, p: %s", snapshot(t, s.path("supervise")))
			for i := 1; i <= 2; i++ {
				if err := os.WriteFile(s.path("go"), []byte("\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if i == 1 {
					s.waitFile("finished", hasLines(2))
				}
			}
			s.waitDown("supervise")
			see("down: %s", snapshot(t, s.path("supervise")))
			see("finished:\n%s", s.read("finished"))
		},
	}, {
		// runsv's own environment and limits are its children's: what
		// gorunit adds for the Go runtime (GOMAXPROCS, GOGC) and raises
		// (the open files limit) is not passed on.
		name: "environment and limits",
		files: map[string]string{
			"run":     "#!/bin/sh\nulimit -n > limits\nulimit -Hn >> limits\nexport -p | grep -v PWD > env\numask > umask\nexec sleep 1000\n",
			"log/run": "#!/bin/sh\nexport -p | grep -v PWD > env\nexec cat\n",
		},
		steps: func(t *testing.T, s *svc, see func(string, ...any)) {
			s.waitFile("umask", hasLines(1))
			s.waitFile("log/env", hasLines(1))
			see("limits %q, umask %q", s.read("limits"), s.read("umask"))
			see("env:\n%s\nlog env:\n%s", s.read("env"), s.read("log/env"))
		},
	}, {
		name:  "USR1 ends runsv",
		files: map[string]string{"run": "#!/bin/sh\nexec sleep 1000\n"},
		steps: func(t *testing.T, s *svc, see func(string, ...any)) {
			s.waitOK("supervise")
			s.waitStatus("supervise", "run", isRun)
			s.proc.Signal(syscall.SIGUSR1)
			s.exitCode()
			see("%v", s.proc.cmd.ProcessState)
		},
	}, {
		name: "control scripts",
		files: map[string]string{
			"run":       "#!/bin/sh\necho run\nexec sleep 1000\n",
			"control/u": "#!/bin/sh\necho \"u $# $*\"\n",
			"control/t": "#!/bin/sh\necho \"t $#\"\nexit 1\n",
			"control/d": "#!/bin/sh\necho \"d $#\"\n",
			"control/x": "#!/bin/sh\necho \"x $#\"\n",
			"control/h": "#!/bin/sh\necho \"h $#\"\n",
			"log/run":   "#!/bin/sh\nexec cat > out\n",
		},
		steps: func(t *testing.T, s *svc, see func(string, ...any)) {
			s.waitOK("supervise")
			s.waitStatus("supervise", "run", isRun)
			s.waitFile("log/out", hasLines(2)) // u 0, run
			s.send("supervise", "h")
			s.waitFile("log/out", hasLines(3))
			s.send("supervise", "d")
			s.waitDown("supervise")
			s.waitFile("log/out", hasLines(5))
			s.send("supervise", "u")
			s.waitFile("log/out", hasLines(7)) // u 0, run
			s.send("supervise", "x")
			see("exit %d", s.exitCode())
			see("log:\n%s", s.read("log/out"))
		},
	}})
}

func TestSameAsRunitErrors(t *testing.T) {
	firstLine := func(t *testing.T, s *svc, see func(string, ...any)) {
		see("%s", strings.SplitAfter(s.waitOutput(1), "\n")[0])
		s.proc.Signal(syscall.SIGTERM)
		see("exit %d", s.exitCode())
	}
	exit := func(t *testing.T, s *svc, see func(string, ...any)) {
		see("exit %d, output %q", s.exitCode(), s.proc.Output())
	}
	compare(t, []scenario{
		{name: "missing run", files: map[string]string{"x": ""}, steps: firstLine},
		{name: "run not executable", files: map[string]string{"run": "exit 0\n"}, steps: firstLine},
		{name: "run not an executable format", files: map[string]string{"run": "#!/nonexistent/interpreter\n"}, steps: firstLine},
		{name: "finish not executable", files: map[string]string{"run": "#!/bin/sh\nexit 0\n", "finish": "exit 0\n"}, steps: firstLine},
		{name: "missing run with finish", files: map[string]string{"finish": "#!/bin/sh\necho \"$#:$*\" >> finished\n"},
			steps: func(t *testing.T, s *svc, see func(string, ...any)) {
				s.waitFile("finished", hasLines(2))
				s.proc.Signal(syscall.SIGTERM)
				see("exit %d", s.exitCode())
				out := strings.SplitAfter(s.proc.Output(), "\n")
				see("first message %q, finish args %q", out[0], strings.SplitAfter(s.read("finished"), "\n")[:2])
				see("%s", snapshot(t, s.path("supervise")))
			}},
		{name: "log not a directory", files: map[string]string{"run": "#!/bin/sh\nexec sleep 1000\n", "log": ""}, steps: firstLine},
		{name: "log run missing", files: map[string]string{"run": "#!/bin/sh\nexec sleep 1000\n", "log/": ""}, steps: firstLine},
		{name: "control not a fifo", files: map[string]string{"run": "#!/bin/sh\nexec sleep 1000\n", "supervise/control": ""}, steps: exit},
		{name: "supervise is a file", files: map[string]string{"run": "#!/bin/sh\nexec sleep 1000\n", "supervise": ""}, steps: exit},
	})
}

func TestSameAsRunitStartupFailures(t *testing.T) {
	ref := svtest.RunitRef(t)
	run := func(t *testing.T, bin string, setup func(dir string) []string) string {
		dir := t.TempDir()
		args := setup(dir)
		p := startProc(t, dir, append([]string{bin}, args...)...)
		code, err := p.Wait(wait)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("exit %d, output %q", code, p.Output())
	}
	for _, tc := range []struct {
		name  string
		setup func(dir string) []string
	}{
		{"usage", func(string) []string { return nil }},
		{"two args", func(string) []string { return []string{"a", "b"} }},
		{"no such dir", func(string) []string { return []string{"nonexistent"} }},
		{"empty dir name", func(string) []string { return []string{""} }},
		{"locked", func(dir string) []string {
			svtest.WriteScript(t, filepath.Join(dir, "svc/run"), "#!/bin/sh\nexec sleep 1000\n")
			os.MkdirAll(filepath.Join(dir, "svc/supervise"), 0o700)
			f, err := os.OpenFile(filepath.Join(dir, "svc/supervise/lock"), os.O_CREATE|os.O_WRONLY, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
				t.Fatal(err)
			}
			return []string{"svc"}
		}},
		{"supervise symlink target too long", func(dir string) []string {
			svtest.WriteScript(t, filepath.Join(dir, "svc/run"), "#!/bin/sh\nexec sleep 1000\n")
			if err := os.Symlink(strings.Repeat("x/", 128), filepath.Join(dir, "svc/supervise")); err != nil {
				t.Fatal(err)
			}
			return []string{"svc"}
		}},
		{"supervise symlink into nowhere", func(dir string) []string {
			svtest.WriteScript(t, filepath.Join(dir, "svc/run"), "#!/bin/sh\nexec sleep 1000\n")
			if err := os.Symlink("no/such/dir", filepath.Join(dir, "svc/supervise")); err != nil {
				t.Fatal(err)
			}
			return []string{"svc"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := run(t, filepath.Join(ref, "runsv"), tc.setup)
			g := run(t, runsvBin(t, ""), tc.setup)
			c = strings.ReplaceAll(c, filepath.Join(ref, "runsv"), "RUNSV")
			g = strings.ReplaceAll(g, runsvBin(t, ""), "RUNSV")
			if diff := cmp.Diff(c, g); diff != "" {
				t.Errorf("C runsv (-) and gorunit runsv (+) differ:\n%s", diff)
			}
		})
	}
}

// An unwritable service directory: runsv cannot make supervise/. Root
// writes anywhere, so as root runsv runs as nobody.
func TestSameAsRunitUnwritableDir(t *testing.T) {
	ref := svtest.RunitRef(t)
	var pre []string
	if os.Geteuid() == 0 {
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Skip("root without setpriv: cannot drop privileges")
		}
		pre = []string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"}
	}
	run := func(bin string) string {
		dir := t.TempDir()
		// Let nobody reach the service directory.
		for _, d := range []string{dir, filepath.Dir(dir)} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		svtest.WriteScript(t, filepath.Join(dir, "svc/run"), "#!/bin/sh\nexec sleep 1000\n")
		if err := os.Chmod(filepath.Join(dir, "svc"), 0o555); err != nil {
			t.Fatal(err)
		}
		p := startProc(t, dir, append(pre, bin, "svc")...)
		code, err := p.Wait(wait)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("exit %d, output %q", code, p.Output())
	}
	// Box's directory is this test process's own, made 0700.
	if err := os.Chmod(svtest.Box(t), 0o755); err != nil {
		t.Fatal(err)
	}
	c, g := run(filepath.Join(ref, "runsv")), run(runsvBin(t, ""))
	if diff := cmp.Diff(c, g); diff != "" {
		t.Errorf("C runsv (-) and gorunit runsv (+) differ:\n%s", diff)
	}
}

// Debian's C sv drives gorunit's runsv as it drives its own.
func TestRunitSvDrivesRunsv(t *testing.T) {
	ref := svtest.RunitRef(t)
	sv := filepath.Join(ref, "sv")
	mask := regexp.MustCompile(`\(pid [0-9]+\)|[0-9]+s`)
	compare(t, []scenario{{
		name: "sv commands",
		files: map[string]string{
			"run":     "#!/bin/sh\nexec sleep 1000\n",
			"log/run": "#!/bin/sh\nexec cat > out\n",
		},
		steps: func(t *testing.T, s *svc, see func(string, ...any)) {
			s.waitOK("supervise")
			s.waitOK("log/supervise")
			s.waitStatus("supervise", "run", isRun)
			s.waitStatus("log/supervise", "run", isRun)
			// Commands whose outcome does not depend on timing: sv's
			// waits race with runsv by design (t passes at once when the
			// old ./run started in the second sv started).
			for _, args := range [][]string{
				{"status"}, {"-w", "10", "down"}, {"status"}, {"-w", "10", "up"},
				{"-w", "10", "pause"}, {"status"}, {"-w", "10", "cont"}, {"hup"},
				{"-w", "10", "down"}, {"-w", "10", "once"}, {"status"},
				// Not up straight after once: sv's wait for u passes at
				// once on a running service and may print the status from
				// before runsv read the u.
				{"-w", "10", "down"}, {"-w", "10", "up"},
				{"-w", "10", "restart"}, {"-w", "10", "term"}, {"-w", "10", "kill"},
				{"-w", "10", "force-stop"}, {"status"}, {"check"}, {"-w", "10", "exit"}, {"status"},
			} {
				before := s.status("supervise")
				// runsv blocks a second in its restart throttle after a
				// run that lasted less than one, and sv's checks race with
				// that: wait until any throttle is over.
				s.waitStatus("supervise", "settled", func(st supervise.Status) bool {
					return st.State != supervise.Finish && !st.Term && time.Since(svtest.Time(st.Stamp)) > 1100*time.Millisecond
				})
				cmd := exec.Command(sv, append(args, "./svc")...)
				cmd.Dir = filepath.Dir(s.dir)
				out, err := cmd.CombinedOutput()
				code := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				if args[0] == "hup" { // HUP kills sleep: restart
					s.waitStatus("supervise", "restarted", func(st supervise.Status) bool { return st.PID != before.PID })
				}
				see("sv %s: exit %d\n%s", strings.Join(args, " "), code, mask.ReplaceAllStringFunc(string(out), func(m string) string {
					if strings.HasPrefix(m, "(") {
						return "(pid P)"
					}
					return "Ns"
				}))
			}
			see("runsv exit %d", s.exitCode())
		},
	}})
}
