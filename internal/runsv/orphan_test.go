package runsv_test

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
)

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}

// A runsv killed with SIGKILL leaves its service and log running; the next
// runsv on the directory stops them before starting its own, so there is
// never a second copy, and the old log drains the old pipe first.
func TestStopsWhatAKilledRunsvLeft(t *testing.T) {
	s := newSvc(t, map[string]string{
		"run":     "#!/bin/sh\necho $$ >> started\necho line from $$\nexec sleep 1000\n",
		"log/run": "#!/bin/sh\nexec cat >> ../logged\n",
	})
	t.Parallel()
	bin := runsvBin(t, "")
	s.start(bin)
	old := s.waitRun("supervise")
	oldLog := s.waitRun("log/supervise")
	s.waitFile("logged", hasLines(1))
	if err := s.proc.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if _, err := s.proc.Wait(wait); err != nil {
		t.Fatal(err)
	}
	if !alive(old.PID) || !alive(oldLog.PID) {
		t.Fatalf("service %d or log %d died with runsv", old.PID, oldLog.PID)
	}

	s.start(bin)
	st := s.waitStatus("supervise", "a new ./run", func(st supervise.Status) bool { return st.PID != 0 && st.PID != old.PID })
	svtest.WaitFor(t, wait, func() error {
		if alive(old.PID) {
			return fmt.Errorf("the old service %d still runs next to the new %d", old.PID, st.PID)
		}
		if alive(oldLog.PID) {
			return fmt.Errorf("the old log %d still runs", oldLog.PID)
		}
		return nil
	})
	s.waitFile("logged", hasLines(2))
	if !strings.Contains(s.proc.Output(), "warning: stopping pid "+strconv.Itoa(old.PID)+" left running by an earlier runsv") {
		t.Errorf("no warning about the old service; output %q", s.proc.Output())
	}
	s.stop()
}

// A pid file that outlived its process (a reboot with supervise/ on disk)
// names whatever process has that number now: runsv must leave it alone.
func TestLeavesAnUnrelatedProcessAlone(t *testing.T) {
	s := newSvc(t, map[string]string{"run": runSleep, "supervise/": ""})
	t.Parallel()
	other := exec.Command("sleep", "1000")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Process.Kill(); other.Wait() })
	pidfile := s.path("supervise/pid")
	if err := os.WriteFile(pidfile, []byte(strconv.Itoa(other.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hourAgo := time.Now().Add(-time.Hour)
	if err := os.Chtimes(pidfile, hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
	s.start(runsvBin(t, ""))
	s.waitRun("supervise")
	if !alive(other.Process.Pid) {
		t.Errorf("runsv killed pid %d, which a stale pid file named", other.Process.Pid)
	}
	if strings.Contains(s.proc.Output(), "left running") {
		t.Errorf("output %q", s.proc.Output())
	}
	s.stop()
}
