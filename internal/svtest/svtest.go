// Package svtest is what gorunit's tests share to run real processes: the
// built multi-call binary with a symlink for every tool name, Debian's C
// runit for side-by-side runs, polling with a deadline, and children that
// are reaped when a test ends.
//
// Nothing here is mocked: tests start the real binaries in t.TempDir().
package svtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/tai64n"
)

// Tools is every name the box answers to and gets a symlink for.
var Tools = []string{
	"runsv", "runsvdir", "sv", "svlogd", "chpst", "envdir", "envuidgid",
	"pgrphack", "setuidgid", "softlimit", "setlock", "runsvchdir", "utmpset",
	"netisup", "netisup.sh",
	"enable", "disable", "reset", "summary",
}

// Standalone are the tools the package ships as binaries of their own,
// built without package os (docs/BENCHMARKS.md): one runsv and one svlogd
// run per service, and sv is started by monitoring every few seconds. Box
// puts these binaries under their names, as the package does; the box
// answers to these names too ("gorunit sv status x").
var Standalone = []string{"runsv", "sv", "svlogd"}

var (
	boxOnce sync.Once
	boxDir  string
	boxErr  error
)

// ModuleRoot is the directory holding go.mod, found upwards from the cwd.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found")
		}
		dir = parent
	}
}

// Box builds what the package installs, once per test process (static, not
// race-enabled, so hundreds of copies stay cheap): a directory holding
// "gorunit", the Standalone tools built from their cmd/ directories, and a
// symlink to gorunit for every other tool name. Put it first on PATH for
// runsvdir to find runsv. Call Cleanup from TestMain to remove it.
func Box(t testing.TB) string {
	t.Helper()
	boxOnce.Do(func() { boxDir, boxErr = buildBox() })
	if boxErr != nil {
		t.Fatalf("building gorunit: %v", boxErr)
	}
	return boxDir
}

func buildBox() (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "gorunit-box-")
	if err != nil {
		return "", err
	}
	// One go build writes every main package into dir, named after its
	// directory.
	build := []string{"build", "-trimpath", "-o", dir + "/", "./cmd/gorunit"}
	for _, n := range Standalone {
		build = append(build, "./cmd/"+n)
	}
	cmd := exec.Command("go", build...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("%v: %s", err, out)
	}
	for _, n := range Tools {
		if slices.Contains(Standalone, n) {
			continue
		}
		if err := os.Symlink("gorunit", filepath.Join(dir, n)); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// Cleanup removes what Box built. Call it from TestMain after m.Run.
func Cleanup() {
	if boxDir != "" {
		os.RemoveAll(boxDir)
	}
}

// RunitRef returns the directory holding Debian's C runit binaries (all
// seven tools side by side), named by $RUNIT_REF, or skips the test when
// it is unset. `make runit-ref` makes one.
func RunitRef(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("RUNIT_REF")
	if dir == "" {
		t.Skip("RUNIT_REF not set: no C runit to compare with")
	}
	if _, err := os.Stat(filepath.Join(dir, "runsv")); err != nil {
		t.Skipf("RUNIT_REF=%s has no runsv: %v", dir, err)
	}
	return dir
}

// WaitFor calls f until it returns nil or d has passed, then fails the
// test with f's last error. It polls every 5 ms: tests never sleep and hope.
func WaitFor(t testing.TB, d time.Duration, f func() error) {
	t.Helper()
	if err := Poll(d, f); err != nil {
		t.Fatalf("after %v: %v", d, err)
	}
}

// Poll calls f until it returns nil or d has passed and returns f's last
// error (nil on success).
func Poll(d time.Duration, f func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// RemoveLive removes the directory tree dir while processes (runsv,
// svlogd) may still create files in it: it is moved aside first, to a
// dot name that runsvdir skips, so that nothing finds it by its name
// again, then removed until it is gone. It returns where it was moved,
// which is how a process that had its cwd in dir sees it.
func RemoveLive(t testing.TB, dir string) string {
	t.Helper()
	aside := filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".removed")
	if err := os.Rename(dir, aside); err != nil {
		t.Fatal(err)
	}
	WaitFor(t, 30*time.Second, func() error {
		os.RemoveAll(aside)
		if _, err := os.Lstat(aside); err == nil {
			return fmt.Errorf("%s still there", aside)
		}
		return nil
	})
	return aside
}

// Proc is a child started by Start and reaped when the test ends.
type Proc struct {
	Cmd    *exec.Cmd
	Stdout *bytes.Buffer
	Stderr *bytes.Buffer
	mu     sync.Mutex
	done   chan struct{}
	err    error
}

// Start runs argv in dir with env (nil: the test's environment) and
// registers a cleanup that sends TERM, waits up to 10 s, then KILLs and
// reports. Register it after t.TempDir() so it runs before the directory is
// removed. Stdout and stderr are collected into buffers.
func Start(t testing.TB, dir string, env []string, argv ...string) *Proc {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	p := &Proc{Cmd: cmd, Stdout: new(bytes.Buffer), Stderr: new(bytes.Buffer), done: make(chan struct{})}
	cmd.Stdout = &lockedWriter{&p.mu, p.Stdout}
	cmd.Stderr = &lockedWriter{&p.mu, p.Stderr}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", argv, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.Stop(t) })
	return p
}

// Output returns what the process has written so far.
func (p *Proc) Output() (stdout, stderr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.Stdout.String(), p.Stderr.String()
}

// Wait waits up to d for the process to exit and returns its exit code
// (-1 when killed by a signal).
func (p *Proc) Wait(d time.Duration) (int, error) {
	select {
	case <-p.done:
		return p.Cmd.ProcessState.ExitCode(), nil
	case <-time.After(d):
		return 0, fmt.Errorf("pid %d still running after %v", p.Cmd.Process.Pid, d)
	}
}

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig to the process.
func (p *Proc) Signal(sig syscall.Signal) error { return p.Cmd.Process.Signal(sig) }

// Stop sends TERM, waits up to 10 s, then KILLs; it reports a process that
// needed KILL. Safe to call more than once.
func (p *Proc) Stop(t testing.TB) {
	if p.Exited() {
		return
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	if _, err := p.Wait(10 * time.Second); err != nil {
		p.Cmd.Process.Kill()
		<-p.done
		t.Errorf("%s: needed SIGKILL after TERM", strings.Join(p.Cmd.Args, " "))
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(b)
}

// WriteScript writes an executable file (mode 0755) at path, creating
// parent directories.
func WriteScript(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

// PathWith returns the environment with dir first on PATH.
func PathWith(dir string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	return append(env, "PATH="+dir+":"+os.Getenv("PATH"))
}

// Time is a TAI64N stamp (of a status record, say) as a time.Time;
// package tai64n has no time.Time, so that svlogd need not link package
// time.
func Time(s tai64n.Stamp) time.Time { return time.Unix(s.Unix(), int64(s.Nano)) }
