package runsv_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
)

func TestMain(m *testing.M) {
	if code, ok := runHelper(); ok {
		os.Exit(code)
	}
	// These tests mostly wait for processes; run more of them at once
	// than there are CPUs unless -parallel says otherwise.
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", "8")
	}
	code := m.Run()
	svtest.Cleanup()
	os.Exit(code)
}

// wait is the deadline for anything a test waits for: generous, since
// the machines are shared; tests never sleep and hope.
const wait = 20 * time.Second

// svc is a service directory under test and the runsv supervising it.
type svc struct {
	t    *testing.T
	dir  string
	proc *proc
}

// proc is a runsv started by startProc: in a process group of its own,
// which every process it starts joins too, with stdout and stderr in a
// file. At the end of the test it gets TERM, then its whole group KILL:
// no service outlives a test, and nothing holds a pipe the test waits on.
type proc struct {
	pid  int
	cmd  *exec.Cmd
	out  *os.File
	done chan struct{}
}

func startProc(t *testing.T, dir string, argv ...string) *proc {
	t.Helper()
	return startProcAs(t, nil, dir, argv...)
}

// startProcAs is startProc with credentials for the process (nil: the
// test's own).
func startProcAs(t *testing.T, cred *syscall.Credential, dir string, argv ...string) *proc {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "output")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{pid: cmd.Process.Pid, cmd: cmd, out: out, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if !p.Exited() {
			p.Signal(syscall.SIGTERM)
			if _, err := p.Wait(10 * time.Second); err != nil {
				t.Errorf("%v: needed SIGKILL after TERM", argv)
			}
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		out.Close()
	})
	return p
}

// Output is what the process wrote to stdout and stderr so far.
func (p *proc) Output() string {
	b, _ := os.ReadFile(p.out.Name())
	return string(b)
}

func (p *proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits up to d for the process to exit and returns its exit code.
func (p *proc) Wait(d time.Duration) (int, error) {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode(), nil
	case <-time.After(d):
		return 0, fmt.Errorf("pid %d still running after %v", p.cmd.Process.Pid, d)
	}
}

func (p *proc) Signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// newSvc writes a service directory: files maps a path under it to its
// content; paths ending in "/" are directories; content starting with
// "#!" is made executable.
func newSvc(t *testing.T, files map[string]string) *svc {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "svc")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(content, "#!") {
			mode = 0o755
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	return &svc{t: t, dir: dir}
}

// runsvBin is gorunit's runsv, or C runit's when ref is set.
func runsvBin(t *testing.T, ref string) string {
	if ref != "" {
		return filepath.Join(ref, "runsv")
	}
	return filepath.Join(svtest.Box(t), "runsv")
}

// start runs runsv (bin) on the service directory.
func (s *svc) start(bin string) *svc {
	s.t.Helper()
	s.proc = startProc(s.t, filepath.Dir(s.dir), bin, s.dir)
	s.waitOK("supervise")
	return s
}

func (s *svc) path(name string) string { return filepath.Join(s.dir, name) }

// waitOK waits until a runsv holds sup/ok open.
func (s *svc) waitOK(sup string) {
	s.t.Helper()
	svtest.WaitFor(s.t, wait, func() error {
		if s.proc.Exited() {
			return fmt.Errorf("runsv exited: %s", s.proc.Output())
		}
		return supervise.ProbeOK(s.path(sup))
	})
}

func (s *svc) status(sup string) supervise.Status {
	s.t.Helper()
	st, err := supervise.ReadStatus(s.path(sup))
	if err != nil {
		s.t.Fatal(err)
	}
	return st
}

// waitStatus waits until sup/status satisfies ok.
func (s *svc) waitStatus(sup string, what string, ok func(supervise.Status) bool) supervise.Status {
	s.t.Helper()
	var st supervise.Status
	svtest.WaitFor(s.t, wait, func() error {
		var err error
		st, err = supervise.ReadStatus(s.path(sup))
		if err != nil {
			return err
		}
		if !ok(st) {
			return fmt.Errorf("%s: status %+v, stat %q", what, st, s.read(sup+"/stat"))
		}
		return nil
	})
	return st
}

func (s *svc) waitRun(sup string) supervise.Status {
	s.t.Helper()
	return s.waitStatus(sup, "want run", func(st supervise.Status) bool {
		return st.State == supervise.Run && st.PID != 0
	})
}

func (s *svc) waitDown(sup string) supervise.Status {
	s.t.Helper()
	return s.waitStatus(sup, "want down", func(st supervise.Status) bool {
		return st.State == supervise.Down && st.PID == 0
	})
}

func (s *svc) send(sup, cmd string) {
	s.t.Helper()
	if err := supervise.SendControl(s.path(sup), cmd); err != nil {
		s.t.Fatal(err)
	}
}

func (s *svc) read(name string) string {
	b, _ := os.ReadFile(s.path(name))
	return string(b)
}

// waitFile waits until the file name under the service dir satisfies ok.
func (s *svc) waitFile(name string, ok func(string) bool) string {
	s.t.Helper()
	var got string
	svtest.WaitFor(s.t, wait, func() error {
		got = s.read(name)
		if !ok(got) {
			return fmt.Errorf("%s = %q", name, got)
		}
		return nil
	})
	return got
}

func hasLines(n int) func(string) bool {
	return func(s string) bool { return strings.Count(s, "\n") >= n }
}

// stop sends TERM to runsv and waits for it to exit 0.
func (s *svc) stop() {
	s.t.Helper()
	if err := s.proc.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	code, err := s.proc.Wait(wait)
	if err != nil {
		s.t.Fatal(err)
	}
	if code != 0 {
		s.t.Fatalf("runsv exit %d, want 0; output %q", code, s.proc.Output())
	}
}

// Scripts used by the tests.
const (
	runSleep   = "#!/bin/sh\necho $$ >> started\nexec sleep 1000\n"
	finishArgs = "#!/bin/sh\necho \"$#:$*\" >> finished\n"
)

func TestStartsRunAndWritesSupervise(t *testing.T) {
	s := newSvc(t, map[string]string{"run": runSleep})
	t.Parallel()
	s.start(runsvBin(t, ""))
	st := s.waitRun("supervise")
	if st.Want != supervise.WantUp || st.Paused || st.Term {
		t.Errorf("status %+v", st)
	}
	if got, want := s.read("supervise/pid"), strconv.Itoa(st.PID)+"\n"; got != want {
		t.Errorf("pid = %q, want %q", got, want)
	}
	if got := s.read("supervise/stat"); got != "run\n" {
		t.Errorf("stat = %q", got)
	}
	started := s.waitFile("started", hasLines(1))
	if strings.TrimSpace(started) != strconv.Itoa(st.PID) {
		t.Errorf("started %q, status pid %d", started, st.PID)
	}
	s.stop()
	if got := s.read("supervise/stat"); got != "down\n" {
		t.Errorf("stat after exit = %q", got)
	}
	if got := s.read("supervise/pid"); got != "" {
		t.Errorf("pid after exit = %q", got)
	}
}

// runsv executes itself again to tune the Go runtime; the kernel names a
// process after the file it executes, so without care ps -C runsv, pgrep
// and pidof would see "exe" (/proc/self/exe).
func TestKeepsItsProcessName(t *testing.T) {
	s := newSvc(t, map[string]string{"run": runSleep})
	t.Parallel()
	s.start(runsvBin(t, ""))
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", s.proc.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != "runsv" {
		t.Errorf("comm = %q, want runsv", got)
	}
	// Every thread, for ps -L and top -H.
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/comm", s.proc.cmd.Process.Pid))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no threads: %v", err)
	}
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(b)); got != "runsv" {
			t.Errorf("%s = %q, want runsv", task, got)
		}
	}
	s.stop()
}

func TestUsage(t *testing.T) {
	bin := runsvBin(t, "")
	for _, args := range [][]string{{}, {"a", "b"}} {
		p := startProc(t, t.TempDir(), append([]string{bin}, args...)...)
		code, err := p.Wait(wait)
		if err != nil {
			t.Fatal(err)
		}
		stderr := p.Output()
		if code != 1 || stderr != "usage: "+bin+" dir\n\n" {
			t.Errorf("runsv %q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestDownUpOnceExit(t *testing.T) {
	s := newSvc(t, map[string]string{"run": runSleep, "down": ""})
	t.Parallel()
	s.start(runsvBin(t, ""))
	st := s.waitDown("supervise")
	if st.Want != supervise.WantDown {
		t.Fatalf("with ./down: %+v", st)
	}
	s.send("supervise", "u")
	first := s.waitRun("supervise")
	s.send("supervise", "d")
	st = s.waitDown("supervise")
	if st.Want != supervise.WantDown {
		t.Errorf("after d: %+v", st)
	}
	s.send("supervise", "o")
	st = s.waitRun("supervise")
	if st.PID == first.PID || st.Want != supervise.WantDown {
		t.Errorf("after o: %+v", st)
	}
	if got := s.read("supervise/stat"); got != "run, want down\n" {
		t.Errorf("stat after o = %q", got)
	}
	s.send("supervise", "x")
	code, err := s.proc.Wait(wait)
	if err != nil || code != 0 {
		t.Fatalf("after x: exit %d, %v", code, err)
	}
}

func TestFinishArguments(t *testing.T) {
	s := newSvc(t, map[string]string{
		"run":    "#!/bin/sh\necho $$ >> started\nread x < ./go\nexit 3\n",
		"finish": finishArgs,
		"down":   "",
	})
	if err := syscall.Mkfifo(s.path("go"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Parallel()
	s.start(runsvBin(t, ""))
	s.send("supervise", "o")
	s.waitFile("started", hasLines(1))
	if err := os.WriteFile(s.path("go"), []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.waitFile("finished", hasLines(1))
	s.waitDown("supervise")

	s.send("supervise", "o")
	st := s.waitRun("supervise")
	if err := syscall.Kill(st.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	got := s.waitFile("finished", hasLines(2))
	if diff := cmp.Diff("2:3 0\n2:-1 9\n", got); diff != "" {
		t.Errorf("finish args (-want +got):\n%s", diff)
	}
}

func TestTermExitSequenceWithLog(t *testing.T) {
	s := newSvc(t, map[string]string{
		"run":     "#!/bin/sh\necho hello\nexec sleep 1000\n",
		"finish":  "#!/bin/sh\necho finish \"$@\"\n",
		"log/run": "#!/bin/sh\nexec cat > out\n",
	})
	t.Parallel()
	s.start(runsvBin(t, ""))
	s.waitOK("log/supervise")
	s.waitRun("supervise")
	s.waitRun("log/supervise")
	s.waitFile("log/out", hasLines(1))
	s.stop()
	if diff := cmp.Diff("hello\nfinish -1 15\n", s.read("log/out")); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	if got := s.read("log/supervise/stat"); got != "down\n" {
		t.Errorf("log stat = %q", got)
	}
	if st := s.status("log/supervise"); st.Want != supervise.WantDown || st.State != supervise.Down {
		t.Errorf("log status %+v", st)
	}
}

func TestLockContention(t *testing.T) {
	s := newSvc(t, map[string]string{"run": runSleep})
	t.Parallel()
	s.start(runsvBin(t, ""))
	s.waitRun("supervise")
	p := startProc(t, filepath.Dir(s.dir), runsvBin(t, ""), s.dir)
	code, err := p.Wait(wait)
	if err != nil {
		t.Fatal(err)
	}
	stderr := p.Output()
	want := "runsv " + s.dir + ": fatal: unable to lock supervise/lock: temporary failure\n"
	if code != 111 || stderr != want {
		t.Errorf("second runsv: exit %d, stderr %q; want 111, %q", code, stderr, want)
	}
	if !bytes.Equal([]byte(s.read("supervise/stat")), []byte("run\n")) {
		t.Errorf("first runsv disturbed: stat %q", s.read("supervise/stat"))
	}
}
