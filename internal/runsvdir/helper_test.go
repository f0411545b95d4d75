package runsvdir

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/svtest"
	"golang.org/x/sys/unix"
)

// The test binary doubles as runsvdir and as a fake runsv when
// RUNSVDIR_TEST_HELPER is set: it answers to the name it is run as.
const helperEnv = "RUNSVDIR_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		switch cli.Basename(os.Args[0]) {
		case "runsvdir":
			os.Exit(Main(cli.OS()))
		case "runsv":
			fakeRunsv()
		default:
			fmt.Fprintf(os.Stderr, "runsvdir test helper: unknown name %q\n", os.Args[0])
			os.Exit(101)
		}
	}
	code := m.Run()
	svtest.Cleanup()
	os.Exit(code)
}

// fakeRunsv stands in for runsv: it appends a "start" line describing how
// it was started to $FAKE_LOG, writes $FAKE_STDERR to stderr, then waits
// for TERM, appends "term" and exits 0. It gives up after two minutes so
// that a broken test cannot leak it for long.
func fakeRunsv() {
	ign := []string{}
	for _, s := range []syscall.Signal{unix.SIGTERM, unix.SIGHUP, unix.SIGALRM} {
		if signal.Ignored(s) {
			ign = append(ign, unix.SignalName(s))
		}
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGTERM)
	name := strings.Join(os.Args[1:], " ")
	cwd, _ := os.Getwd()
	sid, _ := unix.Getsid(0)
	record("start %s pid=%d ppid=%d sid=%d pgid=%d cwd=%s ignored=%s",
		name, os.Getpid(), os.Getppid(), sid, unix.Getpgrp(), cwd, strings.Join(ign, ","))
	if s := os.Getenv("FAKE_STDERR"); s != "" {
		os.Stderr.WriteString(s)
	}
	select {
	case <-c:
		record("term %s pid=%d", name, os.Getpid())
		os.Exit(0)
	case <-time.After(2 * time.Minute):
		os.Exit(111)
	}
}

// record appends a line to $FAKE_LOG and, when set, to the FIFO
// $FAKE_FIFO (benchmarks wait on it).
func record(format string, args ...any) {
	line := fmt.Sprintf(format, args...) + "\n"
	for _, v := range []string{"FAKE_LOG", "FAKE_FIFO"} {
		if os.Getenv(v) == "" {
			continue
		}
		f, err := os.OpenFile(os.Getenv(v), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			os.Exit(111)
		}
		f.WriteString(line)
		f.Close()
	}
}

// event is one line of the fake runsv log.
type event struct {
	kind, name string
	pid        int
	fields     map[string]string
}

// rig is a scratch world for one test: a service directory, a directory
// of service definitions to link to, and a bin directory whose runsvdir
// and runsv are the test binary.
type rig struct {
	t       *testing.T
	dir     string // t.TempDir()
	svdir   string // dir/service: what runsvdir watches
	defs    string // dir/sv: service directories to link to
	bin     string // dir/bin: runsvdir and runsv
	fakeLog string
	extra   []string // environment additions
	d       *daemonProc
}

func newRig(t *testing.T) *rig {
	t.Helper()
	dir := t.TempDir()
	r := &rig{t: t, dir: dir, svdir: filepath.Join(dir, "service"), defs: filepath.Join(dir, "sv"),
		bin: filepath.Join(dir, "bin"), fakeLog: filepath.Join(dir, "fake.log")}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{r.svdir, r.defs, r.bin} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"runsvdir", "runsv"} {
		if err := os.Symlink(exe, filepath.Join(r.bin, n)); err != nil {
			t.Fatal(err)
		}
	}
	// Registered after TempDir, so it runs before the directory goes:
	// every fake runsv still alive is ended by pid.
	t.Cleanup(r.killFakes)
	return r
}

// def makes a service directory dir/sv/NAME and returns its path.
func (r *rig) def(name string) string {
	r.t.Helper()
	p := filepath.Join(r.defs, name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		r.t.Fatal(err)
	}
	return p
}

// link makes svdir/NAME -> target.
func (r *rig) link(target, name string) {
	r.t.Helper()
	if err := os.Symlink(target, filepath.Join(r.svdir, name)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) env() []string {
	env := svtest.PathWith(r.bin)
	env = append(env, helperEnv+"=1", "FAKE_LOG="+r.fakeLog, goraceEnv())
	return append(env, r.extra...)
}

// goraceEnv keeps the race runtime from sleeping a second at exit
// (atexit_sleep_ms) in every helper process.
func goraceEnv() string {
	return "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")
}

// start runs the test binary as runsvdir with args in r.dir.
func (r *rig) start(args ...string) *daemonProc {
	r.t.Helper()
	r.d = startDaemon(r.t, r.dir, r.env(), append([]string{filepath.Join(r.bin, "runsvdir")}, args...)...)
	return r.d
}

// events reads the fake runsv log.
func (r *rig) events() []event {
	b, err := os.ReadFile(r.fakeLog)
	if err != nil && !os.IsNotExist(err) {
		r.t.Fatal(err)
	}
	var evs []event
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		e := event{kind: f[0], name: f[1], fields: map[string]string{}}
		for _, kv := range f[2:] {
			k, v, _ := strings.Cut(kv, "=")
			e.fields[k] = v
		}
		e.pid, _ = strconv.Atoi(e.fields["pid"])
		evs = append(evs, e)
	}
	return evs
}

// find returns the events of kind for name.
func (r *rig) find(kind, name string) []event {
	var out []event
	for _, e := range r.events() {
		if e.kind == kind && e.name == name {
			out = append(out, e)
		}
	}
	return out
}

// waitEvent waits until there are n events of kind for name and returns
// the last.
func (r *rig) waitEvent(kind, name string, n int) event {
	r.t.Helper()
	var got []event
	svtest.WaitFor(r.t, 20*time.Second, func() error {
		if got = r.find(kind, name); len(got) < n {
			return fmt.Errorf("%d %q events for %s, want %d; log:\n%s", len(got), kind, name, n, r.logText())
		}
		return nil
	})
	return got[n-1]
}

func (r *rig) logText() string {
	b, _ := os.ReadFile(r.fakeLog)
	return string(b)
}

// killFakes ends every fake runsv that is still running.
func (r *rig) killFakes() {
	term := map[int]bool{}
	for _, e := range r.events() {
		if e.kind == "term" {
			term[e.pid] = true
		}
	}
	for _, e := range r.events() {
		if e.kind == "start" && !term[e.pid] && alive(e.pid) {
			unix.Kill(e.pid, unix.SIGKILL)
		}
	}
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] != 'Z'
}

// daemonProc is a runsvdir under test. Its stdout and stderr go to a file
// (not a pipe: runsv children left behind by TERM would hold a pipe open).
type daemonProc struct {
	p      *os.Process
	errf   string
	done   chan struct{}
	status *os.ProcessState
}

func startDaemon(t testing.TB, dir string, env []string, argv ...string) *daemonProc {
	t.Helper()
	errf := filepath.Join(t.TempDir(), "stderr")
	f, err := os.Create(errf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	p, err := os.StartProcess(argv[0], argv, &os.ProcAttr{Dir: dir, Env: env, Files: []*os.File{null, f, f}})
	if err != nil {
		t.Fatal(err)
	}
	d := &daemonProc{p: p, errf: errf, done: make(chan struct{})}
	go func() { d.status, _ = p.Wait(); close(d.done) }()
	t.Cleanup(func() {
		if d.exited() {
			return
		}
		p.Signal(unix.SIGTERM)
		if _, err := d.wait(10 * time.Second); err != nil {
			p.Kill()
			<-d.done
			t.Errorf("runsvdir needed SIGKILL after TERM")
		}
	})
	return d
}

func (d *daemonProc) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// wait waits up to timeout for the exit and returns the exit code.
func (d *daemonProc) wait(timeout time.Duration) (int, error) {
	select {
	case <-d.done:
		return d.status.ExitCode(), nil
	case <-time.After(timeout):
		return 0, fmt.Errorf("pid %d still running after %v", d.p.Pid, timeout)
	}
}

func (d *daemonProc) stderr() string {
	b, _ := os.ReadFile(d.errf)
	return string(b)
}

// waitStderr waits until stderr holds at least n copies of line.
func (d *daemonProc) waitStderr(t testing.TB, line string, n int) {
	t.Helper()
	svtest.WaitFor(t, 20*time.Second, func() error {
		if c := strings.Count(d.stderr(), line+"\n"); c < n {
			return fmt.Errorf("%d of %q in stderr, want %d:\n%s", c, line, n, d.stderr())
		}
		return nil
	})
}
