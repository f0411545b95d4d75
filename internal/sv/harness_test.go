package sv

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
	"github.com/gorunit/gorunit/internal/tai64n"
	"golang.org/x/sys/unix"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestMain(m *testing.M) {
	flag.Parse()
	inProcess = true // tests run Main in parallel
	// The live tests mostly wait for services and the clock, not the CPU:
	// run more of them at once than GOMAXPROCS unless told otherwise.
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", "8")
	}
	code := m.Run()
	svtest.Cleanup()
	os.Exit(code)
}

// result is what one sv run shows: streams, exit code, and the bytes sent
// to the control FIFOs of fake services.
type result struct {
	Stdout, Stderr string
	Exit           int
	Control        string
}

// world is a directory of service dirs for one run: root is the working
// directory, root/svdir is $SVDIR. Fake services have a supervise/
// written by the test, with supervise/ok and supervise/control held open
// by the test when "runsv" is meant to be running.
type world struct {
	t        *testing.T
	root     string
	controls []heldFIFO
}

type heldFIFO struct {
	name string
	fd   int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	root := t.TempDir()
	w := &world{t: t, root: root}
	w.mkdir("svdir")
	t.Cleanup(func() {
		for _, c := range w.controls {
			unix.Close(c.fd)
		}
	})
	return w
}

func (w *world) path(rel string) string { return filepath.Join(w.root, rel) }

func (w *world) mkdir(rel string) string {
	w.t.Helper()
	p := w.path(rel)
	if err := os.MkdirAll(p, 0o755); err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) file(rel, content string, mode os.FileMode) {
	w.t.Helper()
	p := w.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) symlink(rel, target string) {
	w.t.Helper()
	if err := os.Symlink(target, w.path(rel)); err != nil {
		w.t.Fatal(err)
	}
}

// rec is a status record to write.
type rec struct {
	pid    uint32
	state  byte
	want   byte // 'u' unless set
	paused byte
	term   byte
	age    int64 // seconds since the stamp; 0 puts it in the future (prints 0s)
}

func (r rec) bytes() []byte {
	now := time.Now()
	stamp := tai64n.FromUnix(now.Unix()+1000, now.Nanosecond())
	if r.age != 0 {
		stamp = tai64n.FromUnix(now.Unix()-r.age, now.Nanosecond())
	}
	want := supervise.WantUp
	if r.want == 'd' {
		want = supervise.WantDown
	}
	st := supervise.Status{Stamp: stamp, Want: want, State: supervise.State(r.state)}
	b := st.Bytes()
	b[12], b[13], b[14], b[15] = byte(r.pid), byte(r.pid>>8), byte(r.pid>>16), byte(r.pid>>24)
	b[16], b[18] = r.paused, r.term
	if r.want != 0 {
		b[17] = r.want
	}
	return b[:]
}

// fake makes rel a service dir with a supervise/ holding the FIFOs and,
// unless status is nil, a status file; up holds ok and control open.
func (w *world) fake(rel string, status []byte, up bool) {
	w.t.Helper()
	sup := w.mkdir(filepath.Join(rel, "supervise"))
	for _, f := range []string{"ok", "control"} {
		if err := unix.Mkfifo(filepath.Join(sup, f), 0o600); err != nil {
			w.t.Fatal(err)
		}
	}
	if status != nil {
		if err := os.WriteFile(filepath.Join(sup, "status"), status, 0o644); err != nil {
			w.t.Fatal(err)
		}
	}
	if up {
		for _, f := range []string{"ok", "control"} {
			fd, err := unix.Open(filepath.Join(sup, f), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
			if err != nil {
				w.t.Fatal(err)
			}
			w.controls = append(w.controls, heldFIFO{rel, fd})
			if f == "ok" {
				w.controls[len(w.controls)-1].name = ""
			}
		}
	}
}

// sent reads what sv wrote to the held control FIFOs: "NAME: BYTES" lines.
func (w *world) sent() string {
	var b strings.Builder
	for _, c := range w.controls {
		if c.name == "" {
			continue
		}
		buf := make([]byte, 4096)
		n, _ := unix.Read(c.fd, buf)
		if n > 0 {
			b.WriteString(c.name + ": " + string(buf[:n]) + "\n")
		}
	}
	return b.String()
}

// invocation is how to run one sv.
type invocation struct {
	argv0  string   // "" is "sv"; else an init-script name (LSB mode)
	args   []string // after argv0
	env    []string // added to the environment; "SVDIR=svdir" is the default
	cwd    string   // relative to root; "" is root
	nobody bool     // run as uid/gid 65534 (when root)
}

// svBinaries are the sv implementations to run: gorunit's always, C
// runit's when RUNIT_REF is set.
func gorunitSV(t *testing.T) string {
	box := svtest.Box(t)
	os.Chmod(box, 0o755) // so that nobody can run it too
	return filepath.Join(box, "sv")
}

func runitSV(t *testing.T) string {
	return filepath.Join(svtest.RunitRef(t), "sv")
}

// run runs bin as sv in w and returns what it showed.
func (w *world) run(bin string, inv invocation) result {
	w.t.Helper()
	argv0 := bin
	if inv.argv0 != "" {
		w.mkdir("init.d")
		argv0 = w.path(filepath.Join("init.d", inv.argv0))
		os.Remove(argv0)
		w.symlink(filepath.Join("init.d", inv.argv0), bin)
	}
	cmd := exec.Command(bin, inv.args...)
	cmd.Args[0] = argv0
	cmd.Path = bin
	cmd.Dir = w.path(inv.cwd)
	env := []string{"PATH=/usr/bin:/bin", "SVDIR=" + w.path("svdir")}
	for _, kv := range inv.env {
		k, _, _ := strings.Cut(kv, "=")
		env = slicesDeleteKey(env, k)
		if !strings.HasSuffix(kv, "=<unset>") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if inv.nobody {
		if os.Geteuid() != 0 {
			w.t.Skip("needs root to run as nobody")
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	// The fake runsv takes what sv writes to control (and does nothing).
	stop := make(chan struct{})
	drained := make(chan string)
	go func() {
		var got strings.Builder
		for {
			got.WriteString(w.sent())
			select {
			case <-stop:
				got.WriteString(w.sent())
				drained <- got.String()
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	err := cmd.Run()
	close(stop)
	control := <-drained
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("run %s: %v", bin, err)
	}
	return result{Stdout: stdout.String(), Stderr: stderr.String(), Exit: code, Control: mergeSent(control)}
}

// mergeSent joins the "NAME: BYTES" lines of one service read in pieces.
func mergeSent(lines string) string {
	var order []string
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(lines, "\n"), "\n") {
		name, b, ok := strings.Cut(l, ": ")
		if !ok {
			continue
		}
		if _, seen := got[name]; !seen {
			order = append(order, name)
		}
		got[name] += b
	}
	var out strings.Builder
	for _, n := range order {
		out.WriteString(n + ": " + got[n] + "\n")
	}
	return out.String()
}

func slicesDeleteKey(env []string, k string) []string {
	out := env[:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, k+"=") {
			out = append(out, kv)
		}
	}
	return out
}

var (
	secsRE = regexp.MustCompile(`\b[0-9]+s(, |; |\n|$)`)
	pidRE  = regexp.MustCompile(`\(pid [0-9]+\)`)
	idRE   = regexp.MustCompile(`(?m)^\$Id: .* \$$`)
)

// masked hides what differs between runs: the seconds of status lines,
// the version line, and (for live services) pids.
func (r result) masked(pids bool) result {
	m := func(s string) string {
		s = secsRE.ReplaceAllString(s, "Ns$1")
		s = idRE.ReplaceAllString(s, "$$Id: VERSION $$")
		if pids {
			s = pidRE.ReplaceAllString(s, "(pid PID)")
		}
		return s
	}
	r.Stdout, r.Stderr = m(r.Stdout), m(r.Stderr)
	return r
}

// golden compares r with testdata/golden/NAME.{args,stdout,stderr,exit,
// control}, or rewrites them with -update.
func golden(t *testing.T, name string, inv invocation, r result) {
	t.Helper()
	dir := filepath.Join("testdata", "golden")
	args := (inv.argv0 + "\n")
	if inv.argv0 == "" {
		args = "sv\n"
	}
	for _, e := range inv.env {
		args = "env " + e + "\n" + args
	}
	if inv.nobody {
		args = "uid nobody\n" + args
	}
	for _, a := range inv.args {
		args += a + "\n"
	}
	files := map[string]string{
		"args":    args,
		"stdout":  r.Stdout,
		"stderr":  r.Stderr,
		"exit":    strconv.Itoa(r.Exit) + "\n",
		"control": r.Control,
	}
	for ext, got := range files {
		p := filepath.Join(dir, name+"."+ext)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if got == "" && (ext == "control" || ext == "stderr" || ext == "stdout") {
				os.Remove(p)
				continue
			}
			if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", p, diff)
		}
	}
}

func unixOpenRead(p string) (int, error) {
	return unix.Open(p, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
}

// openUp lets other users reach dir: t.TempDir's parent is private.
func openUp(t *testing.T, dir string) {
	t.Helper()
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func mkfifo(p string) error { return unix.Mkfifo(p, 0o600) }

func closeFD(fd int) { unix.Close(fd) }
