package runsv_test

import (
	"bytes"
	"fmt"
	"os"
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
	proc *svtest.Proc
}

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
	s.proc = svtest.Start(s.t, filepath.Dir(s.dir), nil, bin, s.dir)
	s.waitOK("supervise")
	return s
}

func (s *svc) path(name string) string { return filepath.Join(s.dir, name) }

// waitOK waits until a runsv holds sup/ok open.
func (s *svc) waitOK(sup string) {
	s.t.Helper()
	svtest.WaitFor(s.t, wait, func() error {
		if s.proc.Exited() {
			_, stderr := s.proc.Output()
			return fmt.Errorf("runsv exited: %s", stderr)
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
		_, stderr := s.proc.Output()
		s.t.Fatalf("runsv exit %d, want 0; stderr %q", code, stderr)
	}
}

// Scripts used by the tests.
const (
	runSleep = "#!/bin/sh\necho $$ >> started\nexec sleep 1000\n"
	// runTrap records the signals it gets and exits on TERM.
	runTrap = `#!/bin/sh
echo $$ >> started
for s in HUP ALRM INT QUIT USR1 USR2 CONT; do trap "echo $s >> signals" $s; done
trap "echo TERM >> signals; exit 0" TERM
while :; do sleep 1 & wait; done
`
	finishArgs = "#!/bin/sh\necho \"$#:$*\" >> finished\n"
)

func TestStartsRunAndWritesSupervise(t *testing.T) {
	s := newSvc(t, map[string]string{"run": runSleep}).start(runsvBin(t, ""))
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

func TestUsage(t *testing.T) {
	bin := runsvBin(t, "")
	for _, args := range [][]string{{}, {"a", "b"}} {
		p := svtest.Start(t, t.TempDir(), nil, append([]string{bin}, args...)...)
		code, err := p.Wait(wait)
		if err != nil {
			t.Fatal(err)
		}
		_, stderr := p.Output()
		if code != 1 || stderr != "usage: "+bin+" dir\n\n" {
			t.Errorf("runsv %q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestDownUpOnceExit(t *testing.T) {
	s := newSvc(t, map[string]string{"run": runSleep, "down": ""}).start(runsvBin(t, ""))
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
	}).start(runsvBin(t, ""))
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
	s := newSvc(t, map[string]string{"run": runSleep}).start(runsvBin(t, ""))
	s.waitRun("supervise")
	p := svtest.Start(t, filepath.Dir(s.dir), nil, runsvBin(t, ""), s.dir)
	code, err := p.Wait(wait)
	if err != nil {
		t.Fatal(err)
	}
	_, stderr := p.Output()
	want := "runsv " + s.dir + ": fatal: unable to lock supervise/lock: temporary failure\n"
	if code != 111 || stderr != want {
		t.Errorf("second runsv: exit %d, stderr %q; want 111, %q", code, stderr, want)
	}
	if !bytes.Equal([]byte(s.read("supervise/stat")), []byte("run\n")) {
		t.Errorf("first runsv disturbed: stat %q", s.read("supervise/stat"))
	}
}
