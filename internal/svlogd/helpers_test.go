package svlogd

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/svtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	svtest.Cleanup()
	os.Exit(code)
}

// impl is one svlogd to run: Debian's C one or gorunit's.
type impl struct{ name, bin string }

func gorunit(t *testing.T) impl { return impl{"gorunit", filepath.Join(svtest.Box(t), "svlogd")} }

// both returns C svlogd and gorunit's, skipping without $RUNIT_REF.
func both(t *testing.T) []impl {
	ref := svtest.RunitRef(t)
	return []impl{{"C", filepath.Join(ref, "svlogd")}, gorunit(t)}
}

// scenario is one svlogd run: options, directories with their config,
// and the input on stdin (a regular file).
type scenario struct {
	args   []string
	dirs   []string          // default: "log"
	config map[string]string // dir -> config contents
	setup  func(t *testing.T, root string)
	input  string
}

type result struct {
	Exit   int
	Stderr string
	Files  []string // "dir/name mode size: content", stamps masked
}

var (
	labelRE = regexp.MustCompile(`@[0-9a-f]{24}`)
	ptimeRE = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}[_T][0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{5}`)
)

var sigchildRE = regexp.MustCompile(`(?m)^svlogd: info: sigchild received\.\n`)

func mask(s string) string {
	// When SIGCHLD arrives depends on the scheduler: its info line moves.
	s = sigchildRE.ReplaceAllString(s, "")
	s = labelRE.ReplaceAllString(s, "@STAMP")
	return ptimeRE.ReplaceAllString(s, "PTIME")
}

func (sc scenario) dirList() []string {
	if len(sc.dirs) == 0 {
		return []string{"log"}
	}
	return sc.dirs
}

// prepare makes the directories and returns the run's root.
func (sc scenario) prepare(t *testing.T) string {
	root := t.TempDir()
	for _, d := range sc.dirList() {
		if strings.HasPrefix(d, "missing") {
			continue
		}
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if c, ok := sc.config[d]; ok {
			if err := os.WriteFile(filepath.Join(root, d, "config"), []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sc.setup != nil {
		sc.setup(t, root)
	}
	return root
}

// run runs svlogd over the scenario's input until it exits.
func (sc scenario) run(t *testing.T, im impl) result {
	t.Helper()
	root := sc.prepare(t)
	in := filepath.Join(root, "input")
	if err := os.WriteFile(in, []byte(sc.input), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(im.bin, append(slices.Clone(sc.args), sc.dirList()...)...)
	cmd.Dir = root
	cmd.Stdin = f
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s: svlogd did not exit; stderr:\n%s", im.name, stderr.String())
	}
	r := snapshot(t, root, sc.dirList())
	r.Exit = cmd.ProcessState.ExitCode()
	r.Stderr = mask(strings.ReplaceAll(stderr.String(), im.bin, "svlogd"))
	return r
}

// snapshot lists every file of the log directories with mode and content,
// stamps masked; @-files keep their order (oldest first).
func snapshot(t *testing.T, root string, dirs []string) result {
	t.Helper()
	var r result
	for _, d := range dirs {
		ents, err := os.ReadDir(filepath.Join(root, d))
		if err != nil {
			r.Files = append(r.Files, d+": unreadable")
			continue
		}
		for _, e := range ents { // sorted by name: @-files by age
			if e.Name() == "input" {
				continue
			}
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			var content string
			if fi.Mode().IsRegular() {
				b, err := os.ReadFile(filepath.Join(root, d, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				content = string(b)
			}
			r.Files = append(r.Files, fmt.Sprintf("%s/%s %v %d: %q", d, mask(e.Name()), fi.Mode(), fi.Size(), mask(content)))
		}
	}
	return r
}

// live is an svlogd running on a pipe the test writes to.
type live struct {
	t    *testing.T
	im   impl
	root string
	w    *os.File
	r    *os.File // the pipe's read end, kept to see what svlogd left
	p    *proc
}

func (sc scenario) start(t *testing.T, im impl) *live {
	t.Helper()
	root := sc.prepare(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	t.Cleanup(func() { r.Close() })
	l := &live{t: t, im: im, root: root, w: w, r: r}
	l.p = startOn(t, root, r, im.bin, append(slices.Clone(sc.args), sc.dirList()...)...)
	return l
}

// proc is a child with stdin a given file (svtest.Start has none) and
// stderr collected; it is stopped and reaped when the test ends.
type proc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.Write(b)
}

// Stderr is what the child wrote to stderr so far.
func (p *proc) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// startOn starts bin in dir with stdin r (e.g. the same pipe across
// restarts).
func startOn(t *testing.T, dir string, r *os.File, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Dir = dir
	p.cmd.Stdin = r
	p.cmd.Stderr = p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
			return
		default:
		}
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
			t.Errorf("%s: needed SIGKILL after TERM", bin)
		}
	})
	return p
}

// wait waits up to d for the exit and returns the exit code.
func (p *proc) wait(d time.Duration) (int, error) {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode(), nil
	case <-time.After(d):
		return 0, fmt.Errorf("pid %d still running after %v", p.cmd.Process.Pid, d)
	}
}

func (l *live) write(s string) {
	l.t.Helper()
	if _, err := l.w.WriteString(s); err != nil {
		l.t.Fatal(err)
	}
}

func (l *live) signal(sig syscall.Signal) {
	l.t.Helper()
	if err := l.p.cmd.Process.Signal(sig); err != nil {
		<-l.p.done
		l.t.Fatalf("%v: %v; stderr: %s", err, l.p.cmd.ProcessState, l.p.Stderr())
	}
}

// waitFile polls until dir/name has content want.
func (l *live) waitContent(name, want string) {
	l.t.Helper()
	svtest.WaitFor(l.t, 20*time.Second, func() error {
		b, err := os.ReadFile(filepath.Join(l.root, name))
		if err != nil {
			return err
		}
		if got := mask(string(b)); got != want {
			return fmt.Errorf("%s: %s: %q, want %q", l.im.name, name, got, want)
		}
		return nil
	})
}

// waitOld polls until dir holds n @-files.
func (l *live) waitOld(dir string, n int) {
	l.t.Helper()
	svtest.WaitFor(l.t, 20*time.Second, func() error {
		m, _ := filepath.Glob(filepath.Join(l.root, dir, "@*"))
		if len(m) != n {
			return fmt.Errorf("%s: %d old files in %s, want %d", l.im.name, len(m), dir, n)
		}
		return nil
	})
}

// finish closes the input, waits for svlogd's exit and snapshots.
func (l *live) finish(dirs []string) result {
	l.t.Helper()
	l.w.Close()
	code, err := l.p.wait(20 * time.Second)
	if err != nil {
		l.t.Fatal(err)
	}
	r := snapshot(l.t, l.root, dirs)
	r.Exit = code
	r.Stderr = mask(strings.ReplaceAll(l.p.Stderr(), l.im.bin, "svlogd"))
	return r
}

// lockDir holds dir's lock for the rest of the test, as another svlogd
// would.
func lockDir(t *testing.T, dir string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
}

func boxFor(b *testing.B) string { return svtest.Box(b) }

// waitStderr polls until svlogd's stderr has n lines containing s.
func (l *live) waitStderr(s string, n int) {
	l.t.Helper()
	svtest.WaitFor(l.t, 20*time.Second, func() error {
		if got := strings.Count(l.p.Stderr(), s); got < n {
			return fmt.Errorf("%s: %d times %q in stderr, want %d:\n%s", l.im.name, got, s, n, l.p.Stderr())
		}
		return nil
	})
}
