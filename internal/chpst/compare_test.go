package chpst

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gorunit/gorunit/internal/svtest"
)

// reportScript is the program chpst executes in the side-by-side tests. It
// is a shell script, so that what it reports from /proc/$$ is the state of
// the very process chpst exec'd (the shell), and it writes to the file
// named by $1 so that -1 and -2 can be tested too.
const reportScript = `#!/bin/sh
PATH=/usr/bin:/bin
p=/proc/$$
{
echo "== argv"; tr '\0' '\n' < $p/cmdline
echo "== env"; tr '\0' '\n' < $p/environ
echo "== ids"; grep -E '^(Uid|Gid|Groups|SigIgn):' $p/status
echo "== stat $$"; cat $p/stat
echo "== limits"; cat $p/limits
echo "== cwd"; readlink $p/cwd
echo "== fds"; ls $p/fd
echo "== locks"; grep -c "FLOCK.* $$ " /proc/locks || :
} > "$1"
`

// sideBySide runs the same tool name and arguments through Debian's C chpst
// and gorunit's, each in a directory of its own, and returns both results.
type result struct {
	stdout, stderr string
	code           int
	report         string // the report file, normalized
}

type fixture struct {
	t      *testing.T
	base   string // world-readable directory for scripts and run dirs
	cdir   string // names -> C chpst
	godir  string // names -> gorunit's own chpst binary (cmd/chpst)
	boxdir string // names -> gorunit box
	env    []string
	script string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ref := svtest.RunitRef(t)
	box := svtest.Box(t)
	os.Chmod(box, 0o755) // nobody runs it too
	base := t.TempDir()
	// The programs may run as nobody: everything they touch must be
	// reachable from /.
	for d := base; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	f := &fixture{t: t, base: base, cdir: filepath.Join(base, "c"), godir: filepath.Join(base, "go"),
		boxdir: filepath.Join(base, "box")}
	own := standalone(t)
	for _, d := range []string{f.cdir, f.godir, f.boxdir} {
		os.Mkdir(d, 0o755)
	}
	for _, n := range []string{"chpst", "setuidgid", "envuidgid", "envdir", "pgrphack", "setlock", "softlimit"} {
		os.Symlink(filepath.Join(ref, "chpst"), filepath.Join(f.cdir, n))
		os.Symlink(own, filepath.Join(f.godir, n))
		os.Symlink(filepath.Join(box, n), filepath.Join(f.boxdir, n))
	}
	// runit strips one leading "d": reach it through a symlink chain in
	// the box (dsetlock -> setlock -> gorunit), a file named so in C.
	for _, n := range []string{"dsetlock", "denvdir"} {
		os.Symlink(filepath.Join(ref, "chpst"), filepath.Join(f.cdir, n))
		os.Symlink(own, filepath.Join(f.godir, n))
		os.Symlink(filepath.Join(box, n[1:]), filepath.Join(f.boxdir, n))
	}
	f.script = filepath.Join(base, "report")
	svtest.WriteScript(t, f.script, reportScript)
	f.env = []string{"PATH=/usr/bin:/bin", "HOME=/", "FOO=bar", "REMOVEME=x", "KEEP=1", "LANG=C"}
	return f
}

// run runs name (from dir) with args in a fresh world-writable run dir;
// the strings "REPORT" in args become the report script. nofile is the
// soft open-files limit the tool starts with (so that the Go runtime's own
// raising of it is seen to be undone).
func (f *fixture) run(dir, name string, args ...string) result {
	f.t.Helper()
	run, err := os.MkdirTemp(f.base, "run")
	if err != nil {
		f.t.Fatal(err)
	}
	os.Chmod(run, 0o777)
	// Ignored signals that Go passes on ignored, as C does (see
	// docs/COMPATIBILITY.md for the others).
	argv := []string{"-c", `ulimit -Sn 1000; trap '' HUP INT TSTP TTIN TTOU; exec "$@"`, "sh", filepath.Join(dir, name)}
	for _, a := range args {
		a = strings.ReplaceAll(a, "REPORT", f.script)
		a = strings.ReplaceAll(a, "SELF", filepath.Join(dir, "chpst"))
		argv = append(argv, a)
	}
	cmd := exec.Command("/bin/sh", argv...)
	cmd.Dir = run
	cmd.Env = f.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	// Not a process group leader (it stays in the test's group), so
	// that the setsid of -P and pgrphack succeeds and shows.
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		f.t.Fatalf("%s %v: still running after 20s", name, args)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
		if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	} else if err != nil {
		f.t.Fatal(err)
	}
	rep, _ := os.ReadFile(filepath.Join(run, "out"))
	norm := func(s string) string {
		s = strings.ReplaceAll(s, run, "RUN")
		s = strings.ReplaceAll(s, f.base, "BASE")
		s = strings.ReplaceAll(s, dir, "DIR")
		return idLine.ReplaceAllString(s, "$$Id: ID $$")
	}
	return result{norm(out.String()), norm(errb.String()), code, norm(normalizeReport(string(rep)))}
}

// idLine is -V's output, which differs on purpose.
var idLine = regexp.MustCompile(`\$Id: [^$]* \$`)

var statLine = regexp.MustCompile(`(?m)^== stat (\d+)\n(.*)\n`)

// normalizeReport replaces the stat line, which holds pids and times, with
// what the tests compare: whether the process leads its group and session,
// and its nice value.
func normalizeReport(r string) string {
	return statLine.ReplaceAllStringFunc(r, func(m string) string {
		sm := statLine.FindStringSubmatch(m)
		pid := sm[1]
		line := sm[2]
		// Fields after the command name in parentheses.
		rest := line[strings.LastIndexByte(line, ')')+2:]
		fs := strings.Fields(rest)
		if len(fs) < 17 {
			return m
		}
		// fs[0] is state (field 3); pgrp is field 5, session 6, nice 19.
		return fmt.Sprintf("== stat\npgrp leader %v\nsession leader %v\nnice %s\n",
			fs[2] == pid, fs[3] == pid, fs[16])
	})
}

// compare runs name args through C chpst, gorunit's chpst binary and the
// gorunit box, and reports any difference.
func (f *fixture) compare(name string, args ...string) result {
	f.t.Helper()
	c := f.run(f.cdir, name, args...)
	g := f.run(f.godir, name, args...)
	if diff := cmp.Diff(c, g, cmp.AllowUnexported(result{})); diff != "" {
		f.t.Errorf("%s %q: C (-) and gorunit (+) differ:\n%s", name, args, diff)
	}
	// The box keeps the runtime's cgroup files open (fds 3 and 4) unless
	// cmd/gorunit sets containermaxprocs=0 as cmd/chpst does, so the lock
	// fd number may differ there: fd lists are left out of this one.
	b := f.run(f.boxdir, name, args...)
	c.report = fdList.ReplaceAllString(c.report, "== fds\n...\n")
	b.report = fdList.ReplaceAllString(b.report, "== fds\n...\n")
	if diff := cmp.Diff(c, b, cmp.AllowUnexported(result{})); diff != "" {
		f.t.Errorf("%s %q: C (-) and the gorunit box (+) differ:\n%s", name, args, diff)
	}
	return g
}

var fdList = regexp.MustCompile(`== fds\n(\d+\n)*`)

var (
	ownOnce sync.Once
	ownDir  string
	ownErr  error
)

// standalone builds cmd/chpst once per test process.
func standalone(t testing.TB) string {
	t.Helper()
	ownOnce.Do(func() {
		root, err := svtest.ModuleRoot()
		if err != nil {
			ownErr = err
			return
		}
		if ownDir, ownErr = os.MkdirTemp("", "gorunit-chpst-"); ownErr != nil {
			return
		}
		os.Chmod(ownDir, 0o755)
		cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(ownDir, "chpst"), "./cmd/chpst")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			ownErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	if ownErr != nil {
		t.Fatalf("building cmd/chpst: %v", ownErr)
	}
	return filepath.Join(ownDir, "chpst")
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

func TestSideBySideState(t *testing.T) {
	needRoot(t)
	f := newFixture(t)

	env := filepath.Join(f.base, "env")
	os.MkdirAll(filepath.Join(env, "subdir"), 0o755)
	for name, content := range map[string]string{
		"PLAIN":    "value\n",
		"TRAIL":    "spaces and tabs \t \t\nsecond line ignored\n",
		"NUL":      "a\x00b\x00\n",
		"REMOVEME": "",
		"EMPTY":    "\n",
		"FOO":      "overridden",
		".hidden":  "not read\n",
		"A=B":      "odd name\n",
		"PATH":     "/nonexistent\n", // not used for the search
	} {
		os.WriteFile(filepath.Join(env, name), []byte(content), 0o644)
	}
	os.Chmod(env, 0o755)

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"plain", []string{"chpst", "REPORT", "out"}},
		{"user", []string{"chpst", "-u", "nobody", "REPORT", "out"}},
		{"user and groups", []string{"chpst", "-u", "nobody:nogroup:daemon:root", "REPORT", "out"}},
		{"numeric ids", []string{"chpst", "-u", ":1234:5678::9", "REPORT", "out"}},
		{"env user", []string{"chpst", "-U", "daemon:root", "REPORT", "out"}},
		{"envdir option", []string{"chpst", "-e", env, "REPORT", "out"}},
		{"envdir option verbose", []string{"chpst", "-v", "-e", env, "REPORT", "out"}},
		{"nice up", []string{"chpst", "-n", "5", "REPORT", "out"}},
		{"nice plus", []string{"chpst", "-n", "+7", "REPORT", "out"}},
		{"nice down", []string{"chpst", "-n", "-3", "REPORT", "out"}},
		{"nice clamped", []string{"chpst", "-n", "99", "REPORT", "out"}},
		{"nice truncated to int", []string{"chpst", "-n", "4294967301", "REPORT", "out"}},
		{"nice huge negative", []string{"chpst", "-n", "-2147483648", "REPORT", "out"}},
		{"setsid", []string{"chpst", "-P", "REPORT", "out"}},
		{"argv0", []string{"chpst", "-b", "renamed", "REPORT", "out"}},
		{"limits", []string{"chpst", "-d", "300000000", "-o", "77", "-p", "500", "-f", "123456789", "-c", "0", "-r", "4000000", "-t", "1000", "REPORT", "out"}},
		{"memory limit", []string{"chpst", "-m", "500000000", "REPORT", "out"}},
		{"limit above hard", []string{"chpst", "-o", "99999999999", "REPORT", "out"}},
		{"limit wraps negative", []string{"chpst", "-o", "18446744073709551615", "REPORT", "out"}},
		{"limit wraps below -1", []string{"chpst", "-o", "18446744073709551614", "REPORT", "out"}},
		{"lock wait", []string{"chpst", "-l", "lockfile", "REPORT", "out"}},
		{"lock no wait", []string{"chpst", "-L", "lockfile", "REPORT", "out"}},
		{"close stdin", []string{"chpst", "-0", "REPORT", "out"}},
		{"close all", []string{"chpst", "-012", "REPORT", "out"}},
		{"everything", []string{"chpst", "-vP", "-u", "nobody:nogroup", "-U", "daemon", "-e", env, "-n", "2",
			"-L", "lockfile", "-o", "50", "-b", "x", "-1", "REPORT", "out"}},
		{"options stop at the program", []string{"chpst", "-P", "REPORT", "out", "-u", "nobody"}},
		{"double dash", []string{"chpst", "-P", "--", "REPORT", "out"}},
		{"setuidgid", []string{"setuidgid", "nobody", "REPORT", "out"}},
		{"envuidgid", []string{"envuidgid", "daemon", "REPORT", "out"}},
		{"envdir", []string{"envdir", env + "/subdir", "REPORT", "out"}},
		{"pgrphack", []string{"pgrphack", "REPORT", "out"}},
		{"setlock", []string{"setlock", "lockfile", "REPORT", "out"}},
		{"setlock wait", []string{"setlock", "-n", "lockfile", "REPORT", "out"}},
		{"dsetlock", []string{"dsetlock", "-nx", "lockfile", "REPORT", "out"}},
		{"softlimit", []string{"softlimit", "-o", "33", "-c", "=", "-s", "=", "-p", "400", "-t", "99", "REPORT", "out"}},
		{"softlimit memory", []string{"softlimit", "-m", "400000000", "-f", "1000000", "REPORT", "out"}},
		{"softlimit all", []string{"softlimit", "-a", "800000000", "-d", "=", "-l", "65536", "-r", "1000", "REPORT", "out"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			g := f.compare(tc.args[0], tc.args[1:]...)
			if g.code != 0 || !strings.Contains(g.report, "== limits") {
				t.Errorf("exit %d, stderr %q, report %q", g.code, g.stderr, g.report)
			}
			leader := strings.Contains(g.report, "session leader true")
			want := tc.args[0] == "pgrphack"
			for _, a := range tc.args {
				want = want || strings.HasPrefix(a, "-") && strings.Contains(a, "P")
			}
			if leader != want {
				t.Errorf("session leader %v, want %v", leader, want)
			}
		})
	}
}

// TestSideBySideErrors compares messages and exit codes on bad input.
func TestSideBySideErrors(t *testing.T) {
	needRoot(t)
	f := newFixture(t)
	env := filepath.Join(f.base, "env")
	os.MkdirAll(filepath.Join(env, "subdir"), 0o755)
	os.WriteFile(filepath.Join(env, "X"), []byte("1"), 0o644)
	notdir := filepath.Join(f.base, "notdir")
	os.WriteFile(notdir, nil, 0o644)
	held := filepath.Join(f.base, "held")
	private := filepath.Join(f.base, "private")
	os.Mkdir(private, 0o755)
	os.WriteFile(filepath.Join(private, "SECRET"), []byte("1"), 0o600)
	noSearch := filepath.Join(f.base, "nosearch")
	os.Mkdir(noSearch, 0o755)
	os.WriteFile(filepath.Join(noSearch, "X"), []byte("1"), 0o644)
	os.Chmod(noSearch, 0o744)
	noRead := filepath.Join(f.base, "noread")
	os.Mkdir(noRead, 0o755)
	os.WriteFile(filepath.Join(noRead, "X"), []byte("1"), 0o644)
	os.Chmod(noRead, 0o711)

	// A lock held by another process for the lock cases.
	lk, err := os.OpenFile(held, os.O_CREATE|os.O_WRONLY, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	if err := syscall.Flock(int(lk.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"no program", []string{"chpst"}, 100},
		{"only options", []string{"chpst", "-P", "-u", "root"}, 100},
		{"illegal option", []string{"chpst", "-X", "true"}, 100},
		{"illegal in bundle", []string{"chpst", "-vPq", "true"}, 100},
		{"missing argument", []string{"chpst", "-u"}, 100},
		{"version", []string{"chpst", "-V", "true"}, 100},
		{"non-numeric limit", []string{"chpst", "-o", "12x", "true"}, 100},
		{"negative limit", []string{"chpst", "-m", "-1", "true"}, 100},
		{"non-numeric nice", []string{"chpst", "-n", "x", "true"}, 100},
		{"nice double sign", []string{"chpst", "-n", "--3", "true"}, 100},
		{"two locks", []string{"chpst", "-l", "a", "-L", "b", "true"}, 100},
		{"unknown user", []string{"chpst", "-u", "nosuchuser", "true"}, 111},
		{"unknown group", []string{"chpst", "-u", "root:nosuchgroup", "true"}, 111},
		{"empty group", []string{"chpst", "-u", "root:", "true"}, 111},
		{"empty user", []string{"chpst", "-u", "", "true"}, 111},
		{"bad numeric ids", []string{"chpst", "-u", ":12", "true"}, 111},
		{"bad numeric gid", []string{"chpst", "-u", ":12:3x", "true"}, 111},
		{"unknown env user", []string{"chpst", "-U", "nosuchuser", "true"}, 111},
		{"unknown account", []string{"setuidgid", "nosuchuser", "true"}, 111},
		{"account with group", []string{"setuidgid", "root:root", "true"}, 111},
		{"unknown envuidgid", []string{"envuidgid", "nosuchuser", "true"}, 111},
		{"missing envdir", []string{"chpst", "-e", "/nonexistent/env", "true"}, 111},
		{"envdir not a dir", []string{"chpst", "-e", notdir, "true"}, 111},
		{"empty envdir name", []string{"chpst", "-e", "", "true"}, 111},
		{"missing envdir alias", []string{"envdir", "/nonexistent/env", "true"}, 111},
		{"envdir alias subdir", []string{"envdir", env, "true"}, 111},
		{"missing root", []string{"chpst", "-/", "/nonexistent/root", "true"}, 111},
		{"program not found", []string{"chpst", "nonexistent-program"}, 111},
		{"program not found argv0", []string{"chpst", "-b", "other", "nonexistent-program"}, 111},
		{"program path not found", []string{"chpst", "./nonexistent"}, 111},
		{"program is a directory", []string{"chpst", "/"}, 111},
		{"program not executable", []string{"chpst", notdir}, 111},
		{"held lock", []string{"chpst", "-L", held, "true"}, 111},
		{"lock in missing dir", []string{"chpst", "-l", "/nonexistent/lock", "true"}, 111},
		{"setlock held", []string{"setlock", held, "true"}, 111},
		{"setlock held quiet", []string{"setlock", "-x", held, "true"}, 0},
		{"setlock missing dir quiet", []string{"setlock", "-x", "/nonexistent/lock", "true"}, 0},
		{"setlock program missing", []string{"setlock", "lockfile", "nonexistent-program"}, 111},
		{"setlock program missing quiet", []string{"setlock", "-x", "lockfile", "nonexistent-program"}, 0},
		{"setlock usage", []string{"setlock", "lockfile"}, 100},
		{"setlock illegal", []string{"setlock", "-q", "lockfile", "true"}, 100},
		{"dsetlock illegal", []string{"dsetlock", "-q", "lockfile", "true"}, 100},
		{"setuidgid usage", []string{"setuidgid", "root"}, 100},
		{"envuidgid usage", []string{"envuidgid"}, 100},
		{"envdir usage", []string{"envdir", env}, 100},
		{"denvdir usage", []string{"denvdir"}, 100},
		{"pgrphack usage", []string{"pgrphack"}, 100},
		{"softlimit usage", []string{"softlimit", "-o", "5"}, 100},
		{"softlimit illegal", []string{"softlimit", "-z", "5", "true"}, 100},
		{"softlimit non-numeric", []string{"softlimit", "-o", "five", "true"}, 100},
		{"softlimit missing argument", []string{"softlimit", "-o"}, 100},
		{"program fails", []string{"chpst", "sh", "-c", "exit 7"}, 7},
		// Limits are set last: they hit the program, not chpst.
		{"no memory for the program", []string{"chpst", "-m", "0", "/bin/echo", "hi"}, 128 + 11},
		{"softlimit no address space", []string{"softlimit", "-a", "0", "/bin/echo", "hi"}, 128 + 11},
		// Run as nobody by an outer chpst of the same kind (SELF).
		{"nice denied", []string{"chpst", "-u", "nobody", "SELF", "-n", "-5", "true"}, 111},
		{"setgroups denied", []string{"chpst", "-u", "nobody", "SELF", "-u", "nobody", "true"}, 111},
		{"lock denied", []string{"chpst", "-u", "nobody", "SELF", "-l", held, "true"}, 111},
		{"envdir entry denied", []string{"chpst", "-u", "nobody", "SELF", "-e", private, "true"}, 111},
		{"envdir not searchable", []string{"chpst", "-u", "nobody", "SELF", "-e", noSearch, "true"}, 111},
		{"envdir not readable", []string{"chpst", "-u", "nobody", "SELF", "-e", noRead, "true"}, 111},
		{"cwd not readable", []string{"chpst", "-u", "nobody", "sh", "-c", "cd " + noRead + " && exec SELF -e " + env + " true"}, 111},
		{"program not executable by user", []string{"chpst", "-u", "nobody", "SELF", private + "/SECRET"}, 111},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			g := f.compare(tc.args[0], tc.args[1:]...)
			if g.code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", g.code, tc.code, g.stderr)
			}
		})
	}
}

// TestIgnoredSignalsKnownDifference pins a documented difference: a
// signal the caller ignored, other than HUP, INT, TSTP, TTIN and TTOU,
// reaches the program with its default action under gorunit (the Go
// runtime catches it, and exec resets caught signals), ignored under C.
func TestIgnoredSignalsKnownDifference(t *testing.T) {
	ref := svtest.RunitRef(t)
	sigIgn := func(bin string) uint64 {
		out, err := exec.Command("/bin/sh", "-c", `trap '' TERM PIPE; exec "$0" grep SigIgn /proc/self/status`, bin).Output()
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(string(out))
		n, err := strconv.ParseUint(f[len(f)-1], 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	const term, pipe = 1 << (15 - 1), 1 << (13 - 1)
	if c := sigIgn(filepath.Join(ref, "chpst")); c&(term|pipe) != term|pipe {
		t.Errorf("C chpst: SigIgn %x lacks TERM or PIPE", c)
	}
	if g := sigIgn(standalone(t)); g&(term|pipe) != 0 {
		t.Errorf("gorunit chpst: SigIgn %x has TERM or PIPE: update docs/COMPATIBILITY.md", g)
	}
}

var (
	reportOnce sync.Once
	reportBin  string
	reportErr  error
)

// reportProgram builds testdata/report, a static program for chroots.
func reportProgram(t *testing.T) string {
	t.Helper()
	reportOnce.Do(func() {
		root, err := svtest.ModuleRoot()
		if err != nil {
			reportErr = err
			return
		}
		standalone(t) // makes ownDir, removed by TestMain
		reportBin = filepath.Join(ownDir, "report")
		cmd := exec.Command("go", "build", "-trimpath", "-o", reportBin, "./internal/chpst/testdata/report")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			reportErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	if reportErr != nil {
		t.Fatalf("building testdata/report: %v", reportErr)
	}
	return reportBin
}

// TestSideBySideChroot compares -/: the chroot, and user lookups made in
// the new root's /etc.
func TestSideBySideChroot(t *testing.T) {
	needRoot(t)
	f := newFixture(t)
	rep := reportProgram(t)
	mkroot := func(name string, withEtc bool) string {
		r := filepath.Join(f.base, name)
		os.MkdirAll(filepath.Join(r, "bin"), 0o755)
		b, err := os.ReadFile(rep)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(r, "bin", "report"), b, 0o755)
		if withEtc {
			os.MkdirAll(filepath.Join(r, "etc"), 0o755)
			os.WriteFile(filepath.Join(r, "etc", "passwd"), []byte("alice:x:1234:4321:A:/:/bin/sh\n"), 0o644)
			os.WriteFile(filepath.Join(r, "etc", "group"), []byte("staff:x:555:alice\nwheel:x:10:\n"), 0o644)
		}
		os.WriteFile(filepath.Join(r, "marker"), nil, 0o644)
		return r
	}
	root := mkroot("root", true)
	bare := mkroot("bare", false)
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"chroot", []string{"-/", root, "/bin/report"}, 0},
		{"path search inside", []string{"-/", root, "report"}, 0},
		{"user from the new root", []string{"-/", root, "-u", "alice", "/bin/report"}, 0},
		{"groups from the new root", []string{"-/", root, "-u", "alice:staff:wheel", "-U", "alice:wheel", "/bin/report"}, 0},
		{"user only outside", []string{"-/", root, "-u", "daemon", "/bin/report"}, 111},
		{"numeric ids need no files", []string{"-/", bare, "-u", ":7:8:9", "/bin/report"}, 0},
		{"no passwd file", []string{"-/", bare, "-u", "alice", "/bin/report"}, 111},
		{"no group file", []string{"-/", bare, "-U", "alice:staff", "/bin/report"}, 111},
		{"program outside", []string{"-/", root, "/bin/sh", "-c", "true"}, 111},
		{"root not a directory", []string{"-/", filepath.Join(root, "marker"), "/bin/report"}, 111},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			g := f.compare("chpst", tc.args...)
			if g.code != tc.code {
				t.Errorf("exit %d, want %d (stdout %q stderr %q)", g.code, tc.code, g.stdout, g.stderr)
			}
		})
	}
}

// TestLockWaits checks that -l and setlock -n wait for a held lock and go
// on once it is released, for C and gorunit alike. The waiter is seen
// blocked in /proc/locks ("->" lines) before the lock is released, so
// nothing depends on timing.
func TestLockWaits(t *testing.T) {
	ref := svtest.RunitRef(t)
	own := standalone(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		bin  string
		args []string
	}{
		{"C -l", filepath.Join(ref, "chpst"), []string{"-l"}},
		{"gorunit -l", own, []string{"-l"}},
		{"C setlock -n", filepath.Join(ref, "chpst"), []string{"-n"}},
		{"gorunit setlock -n", own, []string{"-n"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lockfile := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			lk, err := os.OpenFile(lockfile, os.O_CREATE|os.O_WRONLY, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			defer lk.Close()
			if err := syscall.Flock(int(lk.Fd()), syscall.LOCK_EX); err != nil {
				t.Fatal(err)
			}
			var fi syscall.Stat_t
			syscall.Fstat(int(lk.Fd()), &fi)
			bin := c.bin
			if strings.Contains(c.name, "setlock") {
				sub := filepath.Join(dir, strings.Fields(c.name)[0])
				os.Mkdir(sub, 0o755)
				bin = filepath.Join(sub, "setlock")
				os.Symlink(c.bin, bin)
			}
			argv := append([]string{bin}, c.args...)
			argv = append(argv, lockfile, "/bin/echo", "got it")
			p := svtest.Start(t, dir, nil, argv...)
			inode := ":" + strconv.FormatUint(fi.Ino, 10) + " "
			svtest.WaitFor(t, 20*time.Second, func() error {
				b, _ := os.ReadFile("/proc/locks")
				for _, l := range strings.Split(string(b), "\n") {
					if strings.Contains(l, "->") && strings.Contains(l, " "+strconv.Itoa(p.Cmd.Process.Pid)+" ") && strings.Contains(l, inode) {
						return nil
					}
				}
				if p.Exited() {
					return nil
				}
				return fmt.Errorf("pid %d not waiting for the lock", p.Cmd.Process.Pid)
			})
			if p.Exited() {
				out, errs := p.Output()
				t.Fatalf("exited without waiting: %q %q", out, errs)
			}
			lk.Close() // releases the lock
			code, err := p.Wait(20 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if out, errs := p.Output(); code != 0 || out != "got it\n" {
				t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
			}
		})
	}
}

// TestClosedStdinKnownDifference pins a documented difference: a standard
// descriptor that is closed when chpst starts reaches the program closed
// under C, open on /dev/null under gorunit (the Go runtime opens it).
func TestClosedStdinKnownDifference(t *testing.T) {
	ref := svtest.RunitRef(t)
	stdin := func(bin string) string {
		out, _ := exec.Command("/bin/sh", "-c", `exec <&-; exec "$0" readlink /proc/self/fd/0`, bin).Output()
		return strings.TrimSpace(string(out))
	}
	if got := stdin(filepath.Join(ref, "chpst")); got != "" {
		t.Errorf("C chpst: fd 0 is %q, want closed", got)
	}
	if got := stdin(standalone(t)); got != "/dev/null" {
		t.Errorf("gorunit chpst: fd 0 is %q, want /dev/null: update docs/COMPATIBILITY.md", got)
	}
}

// TestSideBySidePath compares the program search (djb's pathexec_run).
func TestSideBySidePath(t *testing.T) {
	needRoot(t)
	f := newFixture(t)
	bin := filepath.Join(f.base, "bin")
	os.MkdirAll(filepath.Join(bin, "isdir"), 0o755)
	svtest.WriteScript(t, filepath.Join(bin, "noshebang"), "echo hi\n")
	svtest.WriteScript(t, filepath.Join(bin, "hello"), "#!/bin/sh\necho hello from bin\n")
	os.WriteFile(filepath.Join(bin, "notexec"), []byte("#!/bin/sh\n"), 0o644)
	svtest.WriteScript(t, filepath.Join(f.base, "later", "isdir"), "#!/bin/sh\necho later isdir\n")
	svtest.WriteScript(t, filepath.Join(f.base, "later", "notexec"), "#!/bin/sh\necho later notexec\n")
	base := f.env
	for _, tc := range []struct {
		name string
		path *string // nil: PATH unset
		args []string
	}{
		{"found", ptr(bin + ":/bin"), []string{"hello"}},
		{"unset PATH uses /bin:/usr/bin", nil, []string{"echo", "ok"}},
		{"unset PATH not found", nil, []string{"hello"}},
		{"empty PATH is the cwd", ptr(""), []string{"hello"}},
		{"empty element is the cwd", ptr(":/bin"), []string{"echo", "x"}},
		{"a directory is skipped", ptr(bin + ":" + f.base + "/later"), []string{"isdir"}},
		{"not executable is skipped", ptr(bin + ":" + f.base + "/later"), []string{"notexec"}},
		{"not executable remembered", ptr(bin), []string{"notexec"}},
		{"a directory remembered", ptr(bin), []string{"isdir"}},
		{"exec format error stops", ptr(bin + ":/bin"), []string{"noshebang"}},
		{"envdir PATH is not searched", ptr("/bin"), []string{"-e", f.base + "/pathenv", "hello"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			os.MkdirAll(filepath.Join(f.base, "pathenv"), 0o755)
			os.WriteFile(filepath.Join(f.base, "pathenv", "PATH"), []byte(bin+"\n"), 0o644)
			f.env = nil
			for _, kv := range base {
				if !strings.HasPrefix(kv, "PATH=") {
					f.env = append(f.env, kv)
				}
			}
			if tc.path != nil {
				f.env = append(f.env, "PATH="+*tc.path)
			}
			defer func() { f.env = base }()
			f.compare("chpst", tc.args...)
		})
	}
}
