package runsv_test

import (
	"fmt"
	"golang.org/x/sys/unix"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
)

// procState is the state letter of pid in /proc (T when stopped).
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return err.Error()
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2 : i+3]
	}
	return s
}

func TestSignalBytes(t *testing.T) {
	s := newSvc(t, map[string]string{"run": helperScript(t, "trap")})
	t.Parallel()
	s.start(runsvBin(t, ""))
	st := s.waitRun("supervise")
	s.waitFile("started", hasLines(1))
	var want []string
	for _, c := range []struct{ cmd, sig string }{
		{"h", "HUP"}, {"a", "ALRM"}, {"i", "INT"}, {"q", "QUIT"}, {"1", "USR1"}, {"2", "USR2"},
	} {
		s.send("supervise", c.cmd)
		want = append(want, c.sig)
		s.waitFile("signals", hasLines(len(want)))
	}
	if diff := cmp.Diff(strings.Join(want, "\n")+"\n", s.read("signals")); diff != "" {
		t.Errorf("signals (-want +got):\n%s", diff)
	}
	if got := s.status("supervise"); got.PID != st.PID || got.Paused || got.Term {
		t.Errorf("status after signals: %+v", got)
	}

	s.send("supervise", "p")
	s.waitStatus("supervise", "paused", func(st supervise.Status) bool { return st.Paused })
	svtest.WaitFor(t, wait, func() error {
		if got := procState(st.PID); got != "T" {
			return fmt.Errorf("run is in state %s, want T (stopped)", got)
		}
		return nil
	})
	if got := s.read("supervise/stat"); got != "run, paused\n" {
		t.Errorf("stat when paused = %q", got)
	}
	s.send("supervise", "c")
	s.waitStatus("supervise", "continued", func(st supervise.Status) bool { return !st.Paused })
	s.waitFile("signals", func(c string) bool { return strings.HasSuffix(c, "CONT\n") })

	s.send("supervise", "t")
	s.waitFile("signals", func(c string) bool { return strings.HasSuffix(c, "TERM\n") })
	s.waitFile("started", hasLines(2))
	st2 := s.waitRun("supervise")
	if st2.PID == st.PID || st2.Want != supervise.WantUp {
		t.Errorf("after t: %+v (old pid %d)", st2, st.PID)
	}

	s.send("supervise", "k")
	s.waitFile("started", hasLines(3))
	st3 := s.waitRun("supervise")
	if st3.PID == st2.PID {
		t.Errorf("after k: still pid %d", st3.PID)
	}
	if strings.Count(s.read("signals"), "TERM") != 1 {
		t.Errorf("k sent TERM: %q", s.read("signals"))
	}
}

func TestPauseWhenDownIsRecorded(t *testing.T) {
	s := newSvc(t, map[string]string{"run": runSleep, "down": ""})
	t.Parallel()
	s.start(runsvBin(t, ""))
	s.send("supervise", "p")
	st := s.waitStatus("supervise", "paused", func(st supervise.Status) bool { return st.Paused })
	if st.State != supervise.Down || s.read("supervise/stat") != "down, paused\n" {
		t.Errorf("p while down: %+v, stat %q", st, s.read("supervise/stat"))
	}
	// Starting ./run clears the flag.
	s.send("supervise", "u")
	st = s.waitRun("supervise")
	if st.Paused {
		t.Errorf("after u: %+v", st)
	}
}

func TestGarbageControlBytesAreIgnored(t *testing.T) {
	s := newSvc(t, map[string]string{"run": runSleep})
	t.Parallel()
	s.start(runsvBin(t, ""))
	st := s.waitRun("supervise")
	s.send("supervise", "zZ\x00\xff\n -+")
	s.send("supervise", "p") // processed after all the garbage
	s.waitStatus("supervise", "paused", func(st supervise.Status) bool { return st.Paused })
	if got := s.status("supervise"); got.PID != st.PID || got.State != supervise.Run {
		t.Errorf("after garbage: %+v", got)
	}
	s.send("supervise", "c")
}

func TestControlScripts(t *testing.T) {
	// control/t handles TERM (exit 0) unless the file "fail" exists;
	// every control script logs its name and arguments.
	ctl := "#!/bin/sh\necho \"$0 $#\" >> ctl.log\n"
	s := newSvc(t, map[string]string{
		"run":       helperScript(t, "trap"),
		"control/u": ctl,
		"control/t": ctl + "test ! -e fail\n",
		"control/d": ctl + "exit 0\n",
		"control/x": ctl + "exit 0\n",
		"control/h": ctl + "exit 0\n",
		"control/a": ctl + "exit 1\n",
		"control/i": "#!/bin/sh\necho should not run >> ctl.log\n",
	})
	// control/i is not executable by its owner: not used.
	if err := os.Chmod(s.path("control/i"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Parallel()
	s.start(runsvBin(t, ""))
	st := s.waitRun("supervise")
	s.waitFile("started", hasLines(1))

	s.send("supervise", "h") // handled: no HUP
	s.send("supervise", "a") // not handled: ALRM
	s.waitFile("signals", hasLines(1))
	s.send("supervise", "i") // no usable script: INT
	s.waitFile("signals", hasLines(2))
	s.send("supervise", "t") // handled: no TERM, no restart
	s.send("supervise", "d") // control/t handles the TERM; CONT and control/d still happen
	s.waitStatus("supervise", "want down", func(st supervise.Status) bool { return st.Want == supervise.WantDown })
	s.waitFile("ctl.log", hasLines(6))
	if got := s.status("supervise"); got.PID != st.PID || got.State != supervise.Run || got.Term {
		t.Errorf("with control/t handling TERM: %+v", got)
	}
	if err := os.WriteFile(s.path("fail"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.send("supervise", "x") // control/t fails now: TERM, then CONT and control/x
	if code, err := s.proc.Wait(wait); err != nil || code != 0 {
		t.Fatalf("after x: exit %d, %v", code, err)
	}
	wantLog := strings.Join([]string{
		"control/u 0", "control/h 0", "control/a 0", "control/t 0",
		"control/t 0", "control/d 0", "control/t 0", "control/x 0",
	}, "\n") + "\n"
	if diff := cmp.Diff(wantLog, s.read("ctl.log")); diff != "" {
		t.Errorf("control scripts run (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("ALRM\nINT\nCONT\nTERM\n", s.read("signals")); diff != "" {
		t.Errorf("signals (-want +got):\n%s", diff)
	}
}

func TestControlScriptOutputGoesToLog(t *testing.T) {
	s := newSvc(t, map[string]string{
		"run":       "#!/bin/sh\nexec sleep 1000\n",
		"control/h": "#!/bin/sh\necho control h says hi\n",
		"log/run":   "#!/bin/sh\nexec cat > out\n",
	})
	t.Parallel()
	s.start(runsvBin(t, ""))
	s.waitRun("supervise")
	s.waitRun("log/supervise")
	s.send("supervise", "h")
	s.waitFile("log/out", hasLines(1))
	if got := s.read("log/out"); got != "control h says hi\n" {
		t.Errorf("log got %q", got)
	}
	// The log never runs control scripts and ignores x.
	if err := os.WriteFile(s.path("log/control-ran"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.send("log/supervise", "x")
	s.send("log/supervise", "p")
	s.waitStatus("log/supervise", "paused", func(st supervise.Status) bool { return st.Paused })
	if st := s.status("log/supervise"); st.Want != supervise.WantUp || st.State != supervise.Run {
		t.Errorf("log after x: %+v", st)
	}
	s.send("log/supervise", "c")
}

// k sets the state to down at once without waiting for the child. When
// it comes while ./finish runs, the finish's own exit then looks like the
// end of ./run, so ./finish runs again (runsv.c ctrl 'k').
func TestKillDuringFinishRunsFinishAgain(t *testing.T) {
	s := newSvc(t, map[string]string{
		"run":    "#!/bin/sh\nexec sleep 1000\n",
		"finish": "#!/bin/sh\necho \"$*\" >> finished\nread x < ./go\n",
		"down":   "",
	})
	if err := syscall.Mkfifo(s.path("go"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Parallel()
	s.start(runsvBin(t, ""))
	s.send("supervise", "o")
	s.waitRun("supervise")
	s.send("supervise", "d")
	s.waitFile("finished", hasLines(1))
	fin := s.waitStatus("supervise", "finish", func(st supervise.Status) bool {
		return st.State == supervise.Finish && st.PID != 0
	})
	s.send("supervise", "k") // no kill (not in state run), state := down
	s.send("supervise", "p") // a status write shows what k did to the state
	st := s.waitStatus("supervise", "paused", func(st supervise.Status) bool { return st.Paused })
	if st.State != supervise.Down || st.PID != fin.PID {
		t.Errorf("after k during finish: %+v, want down with pid %d", st, fin.PID)
	}
	release := func() {
		if err := os.WriteFile(s.path("go"), []byte("\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	release()
	s.waitFile("finished", hasLines(2))
	release()
	s.waitDown("supervise")
	if got := s.read("finished"); got != "-1 15\n0 0\n" {
		t.Errorf("finish runs: %q", got)
	}
}

func TestDownWhileFinishOnlyChangesWant(t *testing.T) {
	s := newSvc(t, map[string]string{
		"run":    "#!/bin/sh\nexec sleep 1000\n",
		"finish": "#!/bin/sh\necho \"$*\" >> finished\nread x < ./go\n",
	})
	if err := syscall.Mkfifo(s.path("go"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Parallel()
	s.start(runsvBin(t, ""))
	s.waitRun("supervise")
	s.send("supervise", "t")
	s.waitFile("finished", hasLines(1))
	fin := s.waitStatus("supervise", "finish", func(st supervise.Status) bool {
		return st.State == supervise.Finish && st.PID != 0
	})
	s.send("supervise", "d")
	st := s.waitStatus("supervise", "want down", func(st supervise.Status) bool { return st.Want == supervise.WantDown })
	if st.State != supervise.Finish || st.PID != fin.PID || st.Term {
		t.Errorf("d during finish: %+v", st)
	}
	if got := s.read("supervise/stat"); got != "finish, want down\n" {
		t.Errorf("stat = %q", got)
	}
	if err := os.WriteFile(s.path("go"), []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.waitDown("supervise")
}

func TestThrottleRestartsAtMostOncePerSecond(t *testing.T) {
	s := newSvc(t, map[string]string{"run": "#!/bin/sh\ndate +%s%N >> started\n"})
	t.Parallel()
	s.start(runsvBin(t, ""))
	got := s.waitFile("started", hasLines(3))
	var prev int64
	for i, l := range strings.Fields(got)[:3] {
		ns, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		// A lower bound only: runsv sleeps a whole second after a run
		// that lasted less than one.
		if i > 0 && ns-prev < 1e9 {
			t.Errorf("start %d came %d ms after the previous one", i, (ns-prev)/1e6)
		}
		prev = ns
	}
}

func TestSuperviseSymlinks(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "abs-sup")
	s := newSvc(t, map[string]string{
		"run":     runSleep,
		"log/run": "#!/bin/sh\nexec cat > /dev/null\n",
	})
	// Relative targets are relative to the directory holding the link.
	if err := os.Symlink("../sup-main", s.path("supervise")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../sup-log", s.path("log/supervise")); err != nil {
		t.Fatal(err)
	}
	s2 := newSvc(t, map[string]string{"run": runSleep})
	if err := os.Symlink(abs, s2.path("supervise")); err != nil {
		t.Fatal(err)
	}
	t.Parallel()
	s.start(runsvBin(t, ""))
	s2.start(runsvBin(t, ""))
	s.waitRun("supervise")
	s.waitRun("log/supervise")
	s2.waitRun("supervise")
	for _, d := range []string{
		filepath.Join(filepath.Dir(s.dir), "sup-main"),
		filepath.Join(filepath.Dir(s.dir), "sup-log"),
		abs,
	} {
		fi, err := os.Lstat(d)
		if err != nil {
			t.Error(err)
			continue
		}
		if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, want a directory 0700", d, fi.Mode())
		}
		if _, err := os.Stat(filepath.Join(d, "status")); err != nil {
			t.Error(err)
		}
	}
}

// runsv.c's SIGTERM handler sets a flag that the very next loop iteration
// turns into x, however many control bytes still wait: runsv stops the
// service and exits with most of a FIFO full of bytes unread. gorunit's
// loop takes signals from the runtime's queue and must not starve SIGTERM
// behind a busy FIFO either (loop.go, wait). C runsv too when RUNIT_REF is
// set.
func TestTermWhileControlBytesKeepComing(t *testing.T) {
	impls := []string{""}
	if ref := os.Getenv("RUNIT_REF"); ref != "" {
		impls = append(impls, ref)
	}
	for _, ref := range impls {
		name := "gorunit"
		if ref != "" {
			name = "runit"
		}
		t.Run(name, func(t *testing.T) {
			s := newSvc(t, map[string]string{"run": runSleep})
			t.Parallel()
			s.start(runsvBin(t, ref))
			s.waitRun("supervise")
			// 60,000 bytes, each an iteration with a status write: seconds
			// of work, and less than a pipe holds.
			fd, err := syscall.Open(s.path("supervise/control"), syscall.O_WRONLY|syscall.O_NONBLOCK, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer syscall.Close(fd)
			if n, err := syscall.Write(fd, []byte(strings.Repeat("pc", 30000))); n != 60000 || err != nil {
				t.Fatalf("write: %d, %v", n, err)
			}
			svtest.WaitFor(t, wait, func() error {
				if s.read("supervise/stat") != "run, paused\n" {
					return fmt.Errorf("runsv has not started on the bytes")
				}
				return nil
			})
			s.stop()
			left, err := unix.IoctlGetInt(fd, unix.TIOCINQ)
			if err != nil {
				t.Fatal(err)
			}
			if left < 30000 {
				t.Errorf("runsv read %d of 60000 bytes before it exited on SIGTERM", 60000-left)
			}
			t.Logf("%d of 60000 bytes read", 60000-left)
			if st := s.status("supervise"); st.State != supervise.Down || st.PID != 0 {
				t.Errorf("status after exit: %+v", st)
			}
		})
	}
}
