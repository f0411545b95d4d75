package runsvdir

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/svtest"
	"github.com/gorunit/gorunit/internal/tai64n"
	"golang.org/x/sys/unix"
)

func TestExitCodes(t *testing.T) {
	got := []int{ExitUsage, ExitFatal, ExitTERM, ExitHUP, MaxServices}
	if diff := cmp.Diff([]int{1, 100, 0, 111, 1000}, got); diff != "" {
		t.Errorf("exit codes (-want +got):\n%s", diff)
	}
}

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		argv []string
		want opts
		ok   bool
	}{
		{"no args", []string{"runsvdir"}, opts{}, false},
		{"empty argv", nil, opts{}, false},
		{"dir", []string{"runsvdir", "/etc/svlnk"}, opts{dir: "/etc/svlnk"}, true},
		{"P", []string{"runsvdir", "-P", "d"}, opts{newSession: true, dir: "d"}, true},
		{"P alone is usage", []string{"runsvdir", "-P"}, opts{newSession: true}, false},
		{"P with junk still P", []string{"runsvdir", "-Pxyz", "d"}, opts{newSession: true, dir: "d"}, true},
		{"double dash skipped", []string{"runsvdir", "--", "d"}, opts{dir: "d"}, true},
		{"double dash word skipped", []string{"runsvdir", "--foo", "d"}, opts{dir: "d"}, true},
		{"double dash alone is usage", []string{"runsvdir", "--"}, opts{}, false},
		{"other option is the dir", []string{"runsvdir", "-X", "d"}, opts{dir: "-X", log: "d", hasLog: true, logIndex: 2}, true},
		{"dash alone is the dir", []string{"runsvdir", "-"}, opts{dir: "-"}, true},
		{"log", []string{"runsvdir", "-P", "d", "log: ......"}, opts{newSession: true, dir: "d", log: "log: ......", hasLog: true, logIndex: 3}, true},
		{"only first option looked at", []string{"runsvdir", "-P", "-P", "x"}, opts{newSession: true, dir: "-P", log: "x", hasLog: true, logIndex: 3}, true},
		{"extra args ignored", []string{"runsvdir", "d", "log: ....", "more"}, opts{dir: "d", log: "log: ....", hasLog: true, logIndex: 2}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseArgs(tc.argv)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(opts{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseArgs(f *testing.F) {
	f.Add("-P", "d", "log: xxxx")
	f.Add("--", "", "")
	f.Add("-", "x", "")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		o, ok := parseArgs([]string{"runsvdir", a, b, c})
		if ok && o.hasLog && o.logIndex < 2 {
			t.Fatalf("log index %d", o.logIndex)
		}
	})
}

func TestUsage(t *testing.T) {
	for _, argv := range [][]string{{"/usr/bin/runsvdir"}, {"/usr/bin/runsvdir", "-P"}, {"/usr/bin/runsvdir", "--"}} {
		var stdout, stderr bytes.Buffer
		code := Main(cli.Env{Args: argv, Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
		if code != ExitUsage {
			t.Errorf("%q: exit %d, want %d", argv, code, ExitUsage)
		}
		if want := "usage: /usr/bin/runsvdir [-P] dir\n\n"; stderr.String() != want || stdout.Len() != 0 {
			t.Errorf("%q: stderr %q stdout %q, want stderr %q", argv, stderr.String(), stdout.String(), want)
		}
	}
}

func TestSearchPath(t *testing.T) {
	for _, tc := range []struct {
		file, path string
		want       []string
	}{
		{"runsv", "/a:/b", []string{"/a/runsv", "/b/runsv"}},
		{"runsv", "", []string{"./runsv"}},
		{"runsv", "/a::/b:", []string{"/a/runsv", "./runsv", "/b/runsv", "./runsv"}},
		{"./runsv", "/a", []string{"./runsv"}},
		{"/x/runsv", "/a", []string{"/x/runsv"}},
	} {
		if diff := cmp.Diff(tc.want, searchPath(tc.file, tc.path)); diff != "" {
			t.Errorf("searchPath(%q, %q) (-want +got):\n%s", tc.file, tc.path, diff)
		}
	}
}

func TestLookupEnv(t *testing.T) {
	env := []string{"PATHX=1", "PATH=/a", "PATH=/b", "P=2"}
	if v, ok := lookupEnv(env, "PATH"); !ok || v != "/a" {
		t.Errorf("PATH = %q, %v; want /a (first wins)", v, ok)
	}
	if _, ok := lookupEnv(env, "NOPE"); ok {
		t.Error("NOPE found")
	}
	if v, ok := lookupEnv([]string{"PATH="}, "PATH"); !ok || v != "" {
		t.Errorf("empty PATH = %q, %v", v, ok)
	}
}

// inotifyEvent builds one raw event.
func inotifyEvent(wd int32, mask uint32, name string) []byte {
	nlen := 0
	if name != "" {
		nlen = (len(name) + 16) &^ 15
	}
	b := make([]byte, unix.SizeofInotifyEvent+nlen)
	putU32 := func(off int, v uint32) {
		b[off], b[off+1], b[off+2], b[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	putU32(0, uint32(wd))
	putU32(4, mask)
	putU32(12, uint32(nlen))
	copy(b[unix.SizeofInotifyEvent:], name)
	return b
}

func TestClassify(t *testing.T) {
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	const main, other = 1, 2
	for _, tc := range []struct {
		name        string
		b           []byte
		scan, check bool
	}{
		{"new entry", inotifyEvent(main, unix.IN_CREATE, "a"), true, false},
		{"dot entry", inotifyEvent(main, unix.IN_CREATE, ".forced-rescan"), false, false},
		{"dot entries only", cat(inotifyEvent(main, unix.IN_CREATE, ".a"), inotifyEvent(main, unix.IN_DELETE, ".b")), false, false},
		{"dot then real", cat(inotifyEvent(main, unix.IN_MOVED_FROM, ".a"), inotifyEvent(main, unix.IN_MOVED_TO, "a")), true, false},
		{"dir removed", inotifyEvent(main, unix.IN_DELETE_SELF, ""), true, false},
		{"watch gone", inotifyEvent(main, unix.IN_IGNORED, ""), true, false},
		{"overflow", inotifyEvent(-1, unix.IN_Q_OVERFLOW, ""), true, true},
		{"link on the way replaced", inotifyEvent(other, unix.IN_MOVED_TO, "current"), false, true},
		{"dot name on the way", inotifyEvent(other, unix.IN_CREATE, ".x"), false, true},
		{"both", cat(inotifyEvent(other, unix.IN_CREATE, "x"), inotifyEvent(main, unix.IN_CREATE, "a")), true, true},
		{"truncated header", []byte{1, 2, 3}, true, true},
		{"truncated name", inotifyEvent(main, unix.IN_CREATE, ".abc")[:20], true, true},
		{"empty", nil, false, false},
	} {
		scan, check := classify(tc.b, main)
		if scan != tc.scan || check != tc.check {
			t.Errorf("%s: scan, check = %v, %v; want %v, %v", tc.name, scan, check, tc.scan, tc.check)
		}
	}
}

func FuzzClassify(f *testing.F) {
	f.Add(inotifyEvent(1, unix.IN_CREATE, ".x"))
	f.Add(inotifyEvent(2, unix.IN_DELETE, "svc"))
	f.Fuzz(func(t *testing.T, b []byte) { classify(b, 1) })
}

func TestLinkDirs(t *testing.T) {
	dir := t.TempDir()
	// dir/service -> runit/runsvdir/current -> default (relative), and
	// dir/abs -> dir/runit/runsvdir/default (absolute).
	os.MkdirAll(filepath.Join(dir, "runit", "runsvdir", "default"), 0o755)
	os.Symlink("default", filepath.Join(dir, "runit", "runsvdir", "current"))
	os.Symlink("runit/runsvdir/current", filepath.Join(dir, "service"))
	os.Symlink(filepath.Join(dir, "runit", "runsvdir", "default"), filepath.Join(dir, "abs"))
	for _, tc := range []struct {
		path string
		want []string
	}{
		{filepath.Join(dir, "service"), []string{dir, filepath.Join(dir, "runit", "runsvdir")}},
		{filepath.Join(dir, "abs"), []string{dir}},
		{filepath.Join(dir, "runit", "runsvdir", "default"), nil},
		{filepath.Join(dir, "missing", "x"), nil},
	} {
		if diff := cmp.Diff(tc.want, linkDirs(tc.path)); diff != "" {
			t.Errorf("linkDirs(%s) (-want +got):\n%s", tc.path, diff)
		}
	}
	// Loops end.
	os.Symlink("loop", filepath.Join(dir, "loop"))
	if got := linkDirs(filepath.Join(dir, "loop")); len(got) != 40 {
		t.Errorf("loop: %d dirs", len(got))
	}
}

func TestTitleAdd(t *testing.T) {
	for _, tc := range []struct {
		name, arg string
		adds      []string
		want      string
	}{
		{"one byte", "log: ....", []string{"x"}, "log: ...x"},
		{"scrolls", "log: ....", []string{"ab", "c"}, "log: .abc"},
		{"longer than window", "log: ....", []string{"123456"}, "log: 3456"},
		{"newlines kept", "log: ....", []string{"a\nb"}, "log: .a\nb"},
		{"NULs dropped", "log: ....", []string{"a\x00b\x00"}, "log: ..ab"},
		{"only NULs", "log: ....", []string{"\x00\x00"}, "log: ...."},
		{"prefix fixed", "LOG: xx", []string{"abcdef"}, "LOG: ef"},
	} {
		tt := newTitle(tc.arg)
		for _, a := range tc.adds {
			tt.add([]byte(a))
		}
		if got := tt.String(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		if tt.inArgv {
			t.Errorf("%s: a test string taken for argv memory", tc.name)
		}
	}
}

func FuzzTitleAdd(f *testing.F) {
	f.Add("log: .......", []byte("hello\n"))
	f.Add("log: xx", []byte{0, 0, 'a'})
	f.Fuzz(func(t *testing.T, arg string, p []byte) {
		if len(arg) < 7 {
			return
		}
		tt := newTitle(arg)
		tt.add(p)
		if len(tt.b) != len(arg) || string(tt.b[:logFixed]) != arg[:logFixed] {
			t.Fatalf("%q became %q", arg, tt.b)
		}
		var q []byte
		for _, c := range p {
			if c != 0 {
				q = append(q, c)
			}
		}
		w := len(arg) - logFixed
		if len(q) >= w && string(tt.b[logFixed:]) != string(q[len(q)-w:]) {
			t.Fatalf("%q after %q: %q", arg, p, tt.b)
		}
	})
}

// --- real processes: the test binary as runsvdir, a fake runsv ---

func TestPickupAndSkips(t *testing.T) {
	r := newRig(t)
	r.link(r.def("early"), "early")
	d := r.start(r.svdir)
	early := r.waitEvent("start", "early", 1)
	if early.fields["cwd"] != r.svdir {
		t.Errorf("runsv cwd %q, want %q", early.fields["cwd"], r.svdir)
	}
	if early.fields["ppid"] != strconv.Itoa(d.p.Pid) {
		t.Errorf("runsv ppid %s, want runsvdir %d", early.fields["ppid"], d.p.Pid)
	}

	// Dot-names, plain files and dangling links are skipped; a plain
	// subdirectory and a symlink are services.
	r.link(r.def("hidden"), ".hidden")
	if err := os.WriteFile(filepath.Join(r.svdir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r.link(filepath.Join(r.dir, "nonexistent"), "dangling")
	if err := os.Mkdir(filepath.Join(r.svdir, "plain"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.link(r.def("linked"), "linked")
	r.waitEvent("start", "plain", 1)
	r.waitEvent("start", "linked", 1)
	d.waitStderr(t, "runsvdir "+r.svdir+": warning: unable to stat dangling: file does not exist", 1)
	for _, n := range []string{".hidden", "file", "dangling"} {
		if e := r.find("start", n); len(e) != 0 {
			t.Errorf("%s started: %v", n, e)
		}
	}
	if e := r.find("start", "early"); len(e) != 1 {
		t.Errorf("early started %d times", len(e))
	}
}

func TestRemoveRenameRepoint(t *testing.T) {
	r := newRig(t)
	r.link(r.def("a"), "a")
	r.link(r.def("b"), "b")
	r.link(r.def("c"), "c")
	r.start(r.svdir)
	a := r.waitEvent("start", "a", 1)
	b := r.waitEvent("start", "b", 1)
	c := r.waitEvent("start", "c", 1)

	// Removal: TERM to its runsv.
	if err := os.Remove(filepath.Join(r.svdir, "b")); err != nil {
		t.Fatal(err)
	}
	if got := r.waitEvent("term", "b", 1); got.pid != b.pid {
		t.Errorf("term went to %d, want %d", got.pid, b.pid)
	}

	// Rename: same service, nothing happens. Repoint: the old runsv gets
	// TERM and a new one starts.
	if err := os.Rename(filepath.Join(r.svdir, "a"), filepath.Join(r.svdir, "a2")); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(r.svdir, ".c.new")
	r.link(r.def("c-other"), ".c.new")
	if err := os.Rename(tmp, filepath.Join(r.svdir, "c")); err != nil {
		t.Fatal(err)
	}
	if got := r.waitEvent("term", "c", 1); got.pid != c.pid {
		t.Errorf("term went to %d, want %d", got.pid, c.pid)
	}
	c2 := r.waitEvent("start", "c", 2)
	if c2.pid == c.pid {
		t.Error("repointed c not restarted")
	}
	// A marker service proves a later scan happened.
	r.link(r.def("marker"), "marker")
	r.waitEvent("start", "marker", 1)
	if got := r.find("start", "a2"); len(got) != 0 {
		t.Errorf("renamed a restarted as a2: %v", got)
	}
	if got := r.find("term", "a"); len(got) != 0 || !alive(a.pid) {
		t.Errorf("renamed a stopped: %v", got)
	}
}

func TestRunsvKilledIsRestarted(t *testing.T) {
	r := newRig(t)
	r.link(r.def("a"), "a")
	d := r.start(r.svdir)
	a := r.waitEvent("start", "a", 1)
	if err := unix.Kill(a.pid, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a2 := r.waitEvent("start", "a", 2)
	if a2.pid == a.pid {
		t.Fatal("same pid")
	}
	// And the dead one was reaped: no zombie left behind.
	svtest.WaitFor(t, 10*time.Second, func() error {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", a.pid)); err == nil {
			return fmt.Errorf("pid %d not reaped", a.pid)
		}
		return nil
	})
	if d.exited() {
		t.Fatal("runsvdir exited")
	}
}

func TestHUPStopsEveryRunsv(t *testing.T) {
	r := newRig(t)
	r.link(r.def("a"), "a")
	r.link(r.def("b"), "b")
	d := r.start(r.svdir)
	r.waitEvent("start", "a", 1)
	r.waitEvent("start", "b", 1)
	d.p.Signal(unix.SIGHUP)
	code, err := d.wait(20 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if code != ExitHUP {
		t.Errorf("exit %d after HUP, want %d", code, ExitHUP)
	}
	r.waitEvent("term", "a", 1)
	r.waitEvent("term", "b", 1)
}

func TestTERMLeavesRunsvRunning(t *testing.T) {
	r := newRig(t)
	r.link(r.def("a"), "a")
	d := r.start(r.svdir)
	a := r.waitEvent("start", "a", 1)
	d.p.Signal(unix.SIGTERM)
	code, err := d.wait(20 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if code != ExitTERM {
		t.Errorf("exit %d after TERM, want %d", code, ExitTERM)
	}
	if !alive(a.pid) {
		t.Error("runsv died with runsvdir")
	}
	if got := r.find("term", "a"); len(got) != 0 {
		t.Errorf("runsv got TERM: %v", got)
	}
}

func TestALRMForcesRescan(t *testing.T) {
	r := newRig(t)
	r.link(filepath.Join(r.dir, "nonexistent"), "dangling")
	d := r.start(r.svdir)
	warning := "runsvdir " + r.svdir + ": warning: unable to stat dangling: file does not exist"
	d.waitStderr(t, warning, 1)
	n := strings.Count(d.stderr(), warning)
	before := time.Now().Add(-time.Second)
	d.p.Signal(unix.SIGALRM)
	d.waitStderr(t, warning, n+1) // a scan though dir did not change
	forced := filepath.Join(r.svdir, ".forced-rescan")
	// runsvdir creates (truncates) the file, then writes the label: a read
	// in between sees it empty, so wait for a whole label.
	var label string
	var st tai64n.Stamp
	svtest.WaitFor(t, 10*time.Second, func() error {
		b, err := os.ReadFile(forced)
		if err != nil {
			return err
		}
		label = string(b)
		st, err = tai64n.ParseLabel(label)
		if err != nil {
			return fmt.Errorf(".forced-rescan %q: %v", label, err)
		}
		return nil
	})
	if svtest.Time(st).Before(before) || svtest.Time(st).After(time.Now().Add(time.Second)) {
		t.Errorf(".forced-rescan %q is %v, not now", label, svtest.Time(st))
	}
	if fi, err := os.Stat(forced); err != nil || fi.Mode().Perm() != 0o644&^umask() {
		t.Errorf(".forced-rescan mode: %v %v", fi.Mode(), err)
	}
	if d.exited() {
		t.Fatal("runsvdir died of ALRM")
	}
	// An unwritable .forced-rescan gets Debian's message.
	os.Remove(forced)
	os.Mkdir(forced, 0o755)
	d.p.Signal(unix.SIGALRM)
	svtest.WaitFor(t, 10*time.Second, func() error {
		if !strings.Contains(d.stderr(), ": warning: failed to open./.forced-rescan@4000") {
			return fmt.Errorf("no failed-to-open warning:\n%s", d.stderr())
		}
		return nil
	})
}

func umask() os.FileMode {
	m := unix.Umask(0)
	unix.Umask(m)
	return os.FileMode(m)
}

func TestSessionsAndSignals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		ownSess bool
	}{
		{"shared session", nil, false},
		{"P: own session", []string{"-P"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.link(r.def("a"), "a")
			// runsvdir started with HUP and ALRM ignored must still
			// give runsv the default actions.
			argv := append([]string{filepath.Join(r.bin, "runsvdir")}, tc.args...)
			argv = append(argv, r.svdir)
			script := `trap "" HUP ALRM; exec "$@"`
			d := startDaemon(t, r.dir, r.env(), append([]string{"/bin/sh", "-c", script, "sh"}, argv...)...)
			a := r.waitEvent("start", "a", 1)
			if a.fields["ignored"] != "" {
				t.Errorf("runsv has %s ignored", a.fields["ignored"])
			}
			mysid, _ := unix.Getsid(d.p.Pid)
			sid := a.fields["sid"]
			if own := sid == strconv.Itoa(a.pid); own != tc.ownSess {
				t.Errorf("runsv sid %s (pid %d, runsvdir's sid %d): own session %v, want %v", sid, a.pid, mysid, own, tc.ownSess)
			}
			if !tc.ownSess && sid != strconv.Itoa(mysid) {
				t.Errorf("runsv sid %s, want runsvdir's %d", sid, mysid)
			}
		})
	}
}

// cmdline reads /proc/PID/cmdline as its NUL-separated arguments.
func cmdline(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00"), nil
}

func TestLogArgumentScrollsInArgv(t *testing.T) {
	r := newRig(t)
	r.link(r.def("a"), "a")
	r.extra = []string{"FAKE_STDERR=hello from a\n"}
	logArg := "log: " + strings.Repeat(".", 40)
	d := r.start(r.svdir, logArg)
	r.waitEvent("start", "a", 1)
	svtest.WaitFor(t, 20*time.Second, func() error {
		args, err := cmdline(d.p.Pid)
		if err != nil {
			return err
		}
		if len(args) != 3 {
			return fmt.Errorf("cmdline %q", args)
		}
		if got := args[2]; len(got) != len(logArg) || !strings.HasPrefix(got, "log: ") || !strings.HasSuffix(got, ".hello from a\n") {
			return fmt.Errorf("log argument shows %q", got)
		}
		return nil
	})
	// runsvdir's own warnings go there too, not to the old stderr.
	if s := d.stderr(); s != "" {
		t.Errorf("stderr file got %q", s)
	}
}

func TestShortLogArgument(t *testing.T) {
	r := newRig(t)
	r.link(r.def("a"), "a")
	d := r.start(r.svdir, "log: x")
	r.waitEvent("start", "a", 1)
	want := "runsvdir " + r.svdir + ": warning: log must have at least seven characters.\n" +
		"runsvdir " + r.svdir + ": warning: log service disabled.\n"
	if got := d.stderr(); !strings.HasPrefix(got, want) {
		t.Errorf("stderr %q, want prefix %q", got, want)
	}
}

func TestMissingDirIsRetried(t *testing.T) {
	r := newRig(t)
	missing := filepath.Join(r.dir, "later")
	d := r.start(missing)
	d.waitStderr(t, "runsvdir "+missing+": warning: unable to stat "+missing+": file does not exist", 2)
	if err := os.Mkdir(missing, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(r.def("a"), filepath.Join(missing, "a")); err != nil {
		t.Fatal(err)
	}
	r.waitEvent("start", "a", 1)
	// Removed: runit removes nothing while dir cannot be read. Created
	// again: watched again, and a (gone from it) is stopped.
	if err := os.RemoveAll(missing); err != nil {
		t.Fatal(err)
	}
	d.waitStderr(t, "runsvdir "+missing+": warning: unable to stat "+missing+": file does not exist", 3)
	if err := os.Mkdir(missing, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(r.def("b"), filepath.Join(missing, "b")); err != nil {
		t.Fatal(err)
	}
	r.waitEvent("start", "b", 1)
	r.waitEvent("term", "a", 1)
	if err := os.Symlink(r.def("c"), filepath.Join(missing, "c")); err != nil {
		t.Fatal(err)
	}
	r.waitEvent("start", "c", 1)
}

func TestNotADirectory(t *testing.T) {
	r := newRig(t)
	file := filepath.Join(r.dir, "afile")
	os.WriteFile(file, nil, 0o644)
	d := r.start(file)
	d.waitStderr(t, "runsvdir "+file+": warning: unable to change directory to "+file+": not a directory", 2)
}

func TestRunsvNotOnPath(t *testing.T) {
	r := newRig(t)
	r.link(r.def("a"), "a")
	empty := filepath.Join(r.dir, "empty")
	os.Mkdir(empty, 0o755)
	env := []string{"PATH=" + empty, helperEnv + "=1", "FAKE_LOG=" + r.fakeLog, goraceEnv()}
	d := startDaemon(t, r.dir, env, filepath.Join(r.bin, "runsvdir"), r.svdir)
	msg := "runsvdir " + r.svdir + ": fatal: unable to start runsv a: file does not exist"
	d.waitStderr(t, msg, 2) // retried
	// runsv appears on PATH: picked up at the next retry.
	exe, _ := os.Executable()
	if err := os.Symlink(exe, filepath.Join(empty, "runsv")); err != nil {
		t.Fatal(err)
	}
	r.waitEvent("start", "a", 1)
	if d.exited() {
		t.Fatal("runsvdir exited")
	}
}

func TestPathSearchSkipsUnusable(t *testing.T) {
	// A non-executable runsv and a directory named runsv earlier on PATH
	// are passed over, as pathexec_run does.
	r := newRig(t)
	r.link(r.def("a"), "a")
	p1, p2 := filepath.Join(r.dir, "p1"), filepath.Join(r.dir, "p2")
	os.MkdirAll(filepath.Join(p1, "runsv"), 0o755)
	os.Mkdir(p2, 0o755)
	os.WriteFile(filepath.Join(p2, "runsv"), []byte("#!/bin/sh\n"), 0o644)
	env := []string{"PATH=" + p1 + ":" + p2 + ":" + r.bin, helperEnv + "=1", "FAKE_LOG=" + r.fakeLog, goraceEnv()}
	startDaemon(t, r.dir, env, filepath.Join(r.bin, "runsvdir"), r.svdir)
	r.waitEvent("start", "a", 1)
}

// TestTooManyServices starts 1001 services. The runsv here is a shell
// script exec'ing sleep: a thousand copies of the race-enabled test binary
// would need gigabytes.
func TestTooManyServices(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 processes")
	}
	r := newRig(t)
	os.Remove(filepath.Join(r.bin, "runsv"))
	svtest.WriteScript(t, filepath.Join(r.bin, "runsv"), "#!/bin/sh\nexec sleep 600\n")
	for i := range MaxServices + 1 {
		if err := os.Mkdir(filepath.Join(r.svdir, fmt.Sprintf("s%04d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	d := r.start(r.svdir)
	t.Cleanup(func() { killChildren(d.p.Pid) })
	d.waitStderr(t, "", 1)
	svtest.WaitFor(t, 60*time.Second, func() error {
		if n := len(children(d.p.Pid)); n != MaxServices {
			return fmt.Errorf("%d children, want %d", n, MaxServices)
		}
		return nil
	})
	if n := strings.Count(d.stderr(), ": too many services.\n"); n < 1 {
		t.Errorf("no too-many warning:\n%s", d.stderr())
	}
	if !strings.HasPrefix(d.stderr(), "runsvdir "+r.svdir+": warning: unable to start runsv s") {
		t.Errorf("warning %q", d.stderr())
	}
	// One goes: the one left out gets its turn.
	kids := children(d.p.Pid)
	if err := os.Remove(filepath.Join(r.svdir, "s0000")); err != nil {
		t.Fatal(err)
	}
	svtest.WaitFor(t, 60*time.Second, func() error {
		now := children(d.p.Pid)
		fresh := 0
		for p := range now {
			if !kids[p] {
				fresh++
			}
		}
		if fresh != 1 || len(now) != MaxServices {
			return fmt.Errorf("%d children, %d new", len(now), fresh)
		}
		return nil
	})
	d.p.Signal(unix.SIGHUP)
	if code, err := d.wait(30 * time.Second); err != nil || code != ExitHUP {
		t.Fatalf("exit %d, %v", code, err)
	}
}

// children lists the live children of pid.
func children(pid int) map[int]bool {
	out := map[int]bool{}
	ents, _ := os.ReadDir("/proc")
	want := " " + strconv.Itoa(pid) + " "
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		// ") S PPID ..."
		if i < 0 || len(s) < i+5 || s[i+2] == 'Z' {
			continue
		}
		if strings.HasPrefix(s[i+4:], want[1:]) {
			out[p] = true
		}
	}
	return out
}

func killChildren(pid int) {
	for p := range children(pid) {
		unix.Kill(p, unix.SIGKILL)
	}
}

// --- with a real runsv: gorunit's and Debian's ---

// realRunsvs returns the directories holding a working runsv: the box
// (once gorunit's runsv is more than a stub) and $RUNIT_REF.
func realRunsvs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	box := svtest.Box(t)
	if b, _ := exec.Command(filepath.Join(box, "runsv")).CombinedOutput(); !strings.Contains(string(b), "not implemented") {
		out["gorunit runsv"] = box
	}
	if ref := os.Getenv("RUNIT_REF"); ref != "" {
		out["C runsv"] = ref
	}
	if len(out) == 0 {
		t.Skip("no working runsv")
	}
	return out
}

func TestWithRealRunsv(t *testing.T) {
	for name, bin := range realRunsvs(t) {
		t.Run(name, func(t *testing.T) {
			r := newRig(t)
			ran := filepath.Join(r.dir, "ran")
			a := r.def("a")
			svtest.WriteScript(t, filepath.Join(a, "run"), "#!/bin/sh\necho $$ >> "+ran+"\nexec sleep 600\n")
			env := append(svtest.PathWith(bin), helperEnv+"=1")
			d := startDaemon(t, r.dir, env, filepath.Join(r.bin, "runsvdir"), "-P", r.svdir, "log: "+strings.Repeat(".", 30))
			r.link(a, "a")
			var pid int
			svtest.WaitFor(t, 20*time.Second, func() error {
				b, err := os.ReadFile(ran)
				if err != nil {
					return err
				}
				pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
				return err
			})
			runsvs := children(d.p.Pid)
			d.p.Signal(unix.SIGHUP)
			if code, err := d.wait(20 * time.Second); err != nil || code != ExitHUP {
				t.Fatalf("exit %d, %v", code, err)
			}
			svtest.WaitFor(t, 20*time.Second, func() error {
				if alive(pid) {
					return fmt.Errorf("service %d still running after HUP", pid)
				}
				for p := range runsvs {
					if alive(p) {
						return fmt.Errorf("runsv %d still running after HUP", p)
					}
				}
				return nil
			})
		})
	}
}

// TestDirSwitchedBehindSymlink switches dir the way runsvchdir does:
// dir is a symlink to runsvdir/current, which is replaced by a rename to
// point at another directory. The watch on runsvdir/ notices it (the
// periodic fallback would take a minute: the deadline is below that).
func TestDirSwitchedBehindSymlink(t *testing.T) {
	r := newRig(t)
	base := filepath.Join(r.dir, "runit", "runsvdir")
	for _, n := range []string{"default", "single"} {
		os.MkdirAll(filepath.Join(base, n), 0o755)
	}
	os.Symlink(r.def("a"), filepath.Join(base, "default", "a"))
	os.Symlink(r.def("b"), filepath.Join(base, "single", "b"))
	os.Symlink("default", filepath.Join(base, "current"))
	svc := filepath.Join(r.dir, "etc-service")
	os.Symlink(filepath.Join(base, "current"), svc)
	d := startDaemon(t, r.dir, r.env(), filepath.Join(r.bin, "runsvdir"), svc)
	a := r.waitEvent("start", "a", 1)
	os.Symlink("single", filepath.Join(base, "current.new"))
	if err := os.Rename(filepath.Join(base, "current.new"), filepath.Join(base, "current")); err != nil {
		t.Fatal(err)
	}
	svtest.WaitFor(t, 20*time.Second, func() error {
		if len(r.find("start", "b")) == 0 {
			return fmt.Errorf("b not started")
		}
		return nil
	})
	if got := r.waitEvent("term", "a", 1); got.pid != a.pid {
		t.Errorf("term to %d, want %d", got.pid, a.pid)
	}
	// And the new directory is watched.
	os.Symlink(r.def("c"), filepath.Join(base, "single", "c"))
	r.waitEvent("start", "c", 1)
	if d.exited() {
		t.Fatal("exited")
	}
}
