package runsv_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
	"golang.org/x/sys/unix"
)

// threads is the number of threads of pid.
func threads(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// A started runsv has every thread its Go runtime will ever use
// (threads.go): restarts, control bytes by the hundred and the log's
// death add none.
func TestThreadsStayAfterStart(t *testing.T) {
	s := newSvc(t, map[string]string{
		"run":     "#!/bin/sh\nexec sleep 1000\n",
		"log/run": "#!/bin/sh\nexec cat > /dev/null\n",
	})
	t.Parallel()
	s.start(runsvBin(t, ""))
	st := s.waitRun("supervise")
	logst := s.waitRun("log/supervise")
	want := threads(t, s.proc.pid)
	for i := range 8 {
		// One byte per loop iteration, each a status write.
		s.send("supervise", strings.Repeat("pc", 100))
		if i%3 == 0 {
			if err := syscall.Kill(logst.PID, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			logst = s.waitStatus("log/supervise", "a new log", func(n supervise.Status) bool {
				return n.State == supervise.Run && n.PID != 0 && n.PID != logst.PID
			})
		}
		// A restart; the run was younger than a second, so runsv sleeps.
		s.send("supervise", "k")
		st = s.waitStatus("supervise", "a new ./run", func(n supervise.Status) bool {
			return n.State == supervise.Run && n.PID != 0 && n.PID != st.PID
		})
		waitDrained(t, s.path("supervise/control"))
		if got := threads(t, s.proc.pid); got != want {
			t.Fatalf("after %d restarts: %d threads, %d at start", i+1, got, want)
		}
	}
	s.stop()
}

// waitDrained waits until runsv has read every byte sent to the FIFO.
func waitDrained(t *testing.T, fifo string) {
	t.Helper()
	fd, err := unix.Open(fifo, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	svtest.WaitFor(t, wait, func() error {
		n, err := unix.IoctlGetInt(fd, unix.TIOCINQ)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%d bytes still in %s", n, fifo)
		}
		return nil
	})
}

// Under RLIMIT_NPROC, fork fails and runit's runsv warns and tries again
// later. A Go runtime that cannot clone a thread it needs aborts the whole
// process instead. runsv starts every thread before its first fork
// (threads.go); here, with the limit below what its user has, every clone
// fails, and runsv works on: it takes control bytes one by one, warns
// when it cannot fork (runit's words, compared with C runsv when
// RUNIT_REF is set), and starts the service again once the limit is
// raised. Root only: runsv runs as an unused uid, so that the limit bites.
func TestNoNewThreadUnderRlimitNproc(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs runsv as another user and lowers its RLIMIT_NPROC")
	}
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("no prlimit (util-linux)")
	}
	type impl struct{ name, bin string }
	impls := []impl{{"gorunit", runsvBin(t, "")}}
	if ref := os.Getenv("RUNIT_REF"); ref != "" {
		impls = append(impls, impl{"runit", filepath.Join(ref, "runsv")})
	}
	warnings := make([][]string, len(impls))
	t.Run("runsv", func(t *testing.T) {
		for i, im := range impls {
			t.Run(im.name, func(t *testing.T) {
				t.Parallel()
				warnings[i] = forkFailures(t, im.bin)
			})
		}
	})
	if len(impls) == 2 && !t.Failed() {
		if diff := cmp.Diff(warnings[1], warnings[0]); diff != "" {
			t.Errorf("warnings (-runit +gorunit):\n%s", diff)
		}
	}
}

// forkFailures runs the RLIMIT_NPROC scenario on runsv binary bin and
// returns the distinct warnings runsv printed, the directory masked.
func forkFailures(t *testing.T, bin string) []string {
	uid := unusedUID(t)
	root := t.TempDir()
	// The unused uid must reach the binary and the service directory.
	for _, d := range []string{filepath.Dir(root), root} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exe := filepath.Join(root, "runsv")
	copyFile(t, bin, exe)
	s := &svc{t: t, dir: filepath.Join(root, "svc")}
	files := map[string]string{
		// The service ignores the signals control bytes send it, so
		// that they keep the loop busy without a restart.
		"run":       "#!/bin/sh\ntrap '' HUP INT QUIT ALRM USR1 USR2\necho $$ >> started\nexec sleep 1000\n",
		"control/h": "#!/bin/sh\nexit 0\n",
		"log/run":   "#!/bin/sh\nexec cat > /dev/null\n",
	}
	for name, content := range files {
		p := s.path(name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := filepath.Walk(s.dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	}); err != nil {
		t.Fatal(err)
	}

	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid), Groups: []uint32{}}
	s.proc = startProcAs(t, cred, root, exe, s.dir)
	p := s.proc
	s.waitOK("supervise")
	svc := s.waitRun("supervise")
	logst := s.waitRun("log/supervise")
	s.waitFile("started", hasLines(1))

	// What a runtime that cannot make a thread prints, and a crash.
	healthy := func() {
		t.Helper()
		out := strings.ReplaceAll(p.Output(), s.dir, "DIR")
		if p.Exited() || regexp.MustCompile(`runtime|fatal error|panic|goroutine|SIG[A-Z]`).MatchString(out) {
			t.Fatalf("runsv died or its runtime complained (exited %v):\n%s", p.Exited(), out)
		}
	}
	waitOutput := func(what string) {
		t.Helper()
		svtest.WaitFor(t, wait, func() error {
			healthy()
			if !strings.Contains(p.Output(), what) {
				return fmt.Errorf("no %q in output %q", what, p.Output())
			}
			return nil
		})
	}

	want := threads(t, p.pid)
	// Below what the user has now (runsv's threads, the service, the
	// log), even once the test has killed both: every clone fails. Only
	// the soft limit: the test may lack CAP_SYS_RESOURCE (this machine
	// does), so prlimit runs as the uid, which may lower and raise the
	// soft limit of its own processes up to the hard one.
	old := nprocSoft(t, p.pid)
	setNproc(t, uid, p.pid, strconv.Itoa(want))
	raised := false
	raise := func() {
		if !raised {
			raised = true
			setNproc(t, uid, p.pid, old)
		}
	}
	defer raise()

	// The loop at work: a few hundred control bytes, each its own
	// iteration; h runs control/h, which needs a fork.
	s.send("supervise", strings.Repeat("pc", 150)+"h"+strings.Repeat("pc", 150))
	s.send("log/supervise", strings.Repeat("pc", 100))
	waitDrained(t, s.path("supervise/control"))
	waitDrained(t, s.path("log/supervise/control"))
	waitOutput(": warning: unable to fork for control/h: temporary failure")
	healthy()

	// Events one at a time: each wakes the loop from a wait in which the
	// runtime handed its P to another thread. This is what a runsv with
	// one spare thread too few dies of (threads.go).
	ctl, err := unix.Open(s.path("supervise/control"), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, storm := 0, time.Now(); time.Since(storm) < 3*time.Second; i++ {
		unix.Write(ctl, []byte{"pc"[i%2]})
		time.Sleep(200 * time.Microsecond)
	}
	unix.Write(ctl, []byte{'c'})
	unix.Close(ctl)
	waitDrained(t, s.path("supervise/control"))
	healthy()

	// A restart that cannot fork: runsv warns, sleeps 5 s and tries
	// again, handling nothing meanwhile (as runsv.c does); signals and
	// control bytes wait.
	if err := syscall.Kill(svc.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	const noFork = ": warning: unable to fork, sleeping: temporary failure"
	waitOutput(noFork)
	if err := syscall.Kill(logst.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.send("supervise", "dpuocthaiq12")
	s.send("log/supervise", "tdpuc")
	// The retry fails too.
	svtest.WaitFor(t, wait, func() error {
		healthy()
		if n := strings.Count(p.Output(), noFork); n < 2 {
			return fmt.Errorf("%d fork failures so far", n)
		}
		return nil
	})
	if got := threads(t, p.pid); got != want {
		t.Errorf("%d threads under the limit, %d before", got, want)
	}
	healthy()

	raise()
	s.send("supervise", "uc")
	s.send("log/supervise", "uc")
	s.waitStatus("supervise", "./run again", func(st supervise.Status) bool {
		return st.State == supervise.Run && st.PID != 0 && st.PID != svc.PID && !st.Paused && st.Want == supervise.WantUp
	})
	s.waitStatus("log/supervise", "log/run again", func(st supervise.Status) bool {
		return st.State == supervise.Run && st.PID != 0 && st.PID != logst.PID && !st.Paused
	})
	waitDrained(t, s.path("supervise/control"))
	healthy()
	if got := threads(t, p.pid); got != want {
		t.Errorf("%d threads after the limit, %d before", got, want)
	}

	s.stop()
	for _, sup := range []string{"supervise", "log/supervise"} {
		if got := s.read(sup + "/stat"); got != "down\n" {
			t.Errorf("%s/stat after exit = %q", sup, got)
		}
		if st := s.status(sup); st.PID != 0 || st.State != supervise.Down || st.Want != supervise.WantDown {
			t.Errorf("%s/status after exit: %+v", sup, st)
		}
	}

	var warned []string
	sc := bufio.NewScanner(strings.NewReader(p.Output()))
	for sc.Scan() {
		l := strings.ReplaceAll(sc.Text(), s.dir, "DIR")
		if !slices.Contains(warned, l) {
			warned = append(warned, l)
		}
	}
	slices.Sort(warned)
	return warned
}

// nprocSoft is pid's soft RLIMIT_NPROC, as prlimit takes it.
func nprocSoft(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, "Max processes"); ok {
			return strings.Fields(v)[0]
		}
	}
	t.Fatalf("no Max processes in /proc/%d/limits", pid)
	return ""
}

// setNproc sets pid's soft RLIMIT_NPROC with prlimit(1), run as uid.
func setNproc(t *testing.T, uid, pid int, soft string) {
	t.Helper()
	cmd := exec.Command("prlimit", "--pid", strconv.Itoa(pid), "--nproc="+soft+":")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid), Groups: []uint32{}}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("prlimit --nproc=%s: for pid %d as uid %d: %v: %s", soft, pid, uid, err, out)
	}
}

var uidTry atomic.Int32

// unusedUID returns a uid that is not in /etc/passwd and owns no process.
func unusedUID(t *testing.T) int {
	t.Helper()
	passwd, _ := os.ReadFile("/etc/passwd")
	for range 1000 {
		uid := 61000 + (os.Getpid()+int(uidTry.Add(1))*7)%4000
		if regexp.MustCompile(`(?m)^[^:]*:[^:]*:` + strconv.Itoa(uid) + `:`).Match(passwd) {
			continue
		}
		if !ownsProcess(uid) {
			return uid
		}
	}
	t.Fatal("no unused uid found")
	return 0
}

// ownsProcess reports whether a process runs with real uid uid.
func ownsProcess(uid int) bool {
	pids, _ := filepath.Glob("/proc/[0-9]*/status")
	for _, st := range pids {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		for l := range strings.Lines(string(b)) {
			if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" && f[1] == strconv.Itoa(uid) {
				return true
			}
		}
	}
	return false
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
