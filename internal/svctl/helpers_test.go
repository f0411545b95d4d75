package svctl

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	svtest.Cleanup()
	os.Exit(code)
}

// Generous: C runsvdir notices a new link only within ~5 s, and the test
// machines are shared.
const (
	deadline = 30 * time.Second
	waitArg  = "30"
)

// fixture is a Devuan-like /etc in a temp dir: sv/ (service directories),
// svlnk/ (the link directory), init.d/ with rc?.d/ beside it, stub
// update-rc.d and invoke-rc.d that act on those and record their calls,
// and a state dir where fake init scripts keep "running" markers.
type fixture struct {
	t                    *testing.T
	root, sv, lnk, initd string
	state, calls         string
	env                  map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	root := t.TempDir()
	f := &fixture{
		t: t, root: root,
		sv: filepath.Join(root, "etc", "sv"), lnk: filepath.Join(root, "etc", "svlnk"),
		initd: filepath.Join(root, "etc", "init.d"), state: filepath.Join(root, "state"),
		calls: filepath.Join(root, "calls"),
	}
	for _, d := range []string{f.sv, f.lnk, f.initd, f.state} {
		mkdir(t, d)
	}
	for _, lv := range rcAll {
		mkdir(t, filepath.Join(root, "etc", "rc"+lv+".d"))
	}
	etc := filepath.Join(root, "etc")
	// update-rc.d as sysv-rc does it for these cases: disable turns S
	// links of 2-5 into K links, enable turns them back, defaults makes
	// them.
	svtest.WriteScript(t, filepath.Join(root, "bin", "update-rc.d"), `#!/bin/sh
echo "update-rc.d $*" >> `+f.calls+`
cd `+etc+` || exit 1
case $2 in
disable) for l in rc[2345].d/S??$1; do [ -e "$l" ] || [ -L "$l" ] || continue; mv "$l" "${l%%/*}/K01$1"; done ;;
enable) for l in rc[2345].d/K??$1; do [ -e "$l" ] || [ -L "$l" ] || continue; mv "$l" "${l%%/*}/S01$1"; done ;;
defaults) for lv in 2 3 4 5; do ln -s ../init.d/$1 rc$lv.d/S01$1; done ;;
*) echo "update-rc.d: bad action $2" >&2; exit 1 ;;
esac
echo "update-rc.d: $2 $1: done"
`)
	svtest.WriteScript(t, filepath.Join(root, "bin", "invoke-rc.d"), `#!/bin/sh
echo "invoke-rc.d $*" >> `+f.calls+`
exec `+f.initd+`/"$1" "$2"
`)
	f.env = map[string]string{
		"SVDIR":      f.lnk,
		EnvSvRoot:    f.sv,
		EnvInitDir:   f.initd,
		EnvUpdateRcD: filepath.Join(root, "bin", "update-rc.d"),
		EnvInvokeRcD: filepath.Join(root, "bin", "invoke-rc.d"),
		"PATH":       os.Getenv("PATH"),
	}
	return f
}

func mkdir(t testing.TB, d string) {
	t.Helper()
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
}

// addTwin makes a sysvinit script init.d/NAME that records its calls and
// keeps a "running" marker; enabled gives it S links in 2-5.
func (f *fixture) addTwin(name string, enabled, running bool) {
	marker := filepath.Join(f.state, name+".running")
	svtest.WriteScript(f.t, filepath.Join(f.initd, name), `#!/bin/sh
### BEGIN INIT INFO
# Provides: `+name+`
### END INIT INFO
case $1 in
status) [ -e `+marker+` ] ;;
start) echo "`+name+` start" >> `+f.calls+`; touch `+marker+`; echo "Starting `+name+`" ;;
stop) echo "`+name+` stop" >> `+f.calls+`; rm -f `+marker+`; echo "Stopping `+name+`" ;;
*) echo "Usage: $0 {start|stop|status}" >&2; exit 2 ;;
esac
`)
	for _, lv := range []string{"2", "3", "4", "5"} {
		kind := "K01"
		if enabled {
			kind = "S01"
		}
		if err := os.Symlink("../init.d/"+name, filepath.Join(f.root, "etc", "rc"+lv+".d", kind+name)); err != nil {
			f.t.Fatal(err)
		}
	}
	if running {
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) twinRunning(name string) bool {
	_, err := os.Stat(filepath.Join(f.state, name+".running"))
	return err == nil
}

// startLinks lists the S links of script in rc2-5.
func (f *fixture) startLinks(script string) []string {
	c := &command{initDir: f.initd}
	return c.links(script, "S", []string{"2", "3", "4", "5"})
}

// callLog is what the stubs recorded, one call a line.
func (f *fixture) callLog() []string {
	b, err := os.ReadFile(f.calls)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// Run scripts, from the helper registry in spirit: each names a behaviour.
const (
	runSleep = "#!/bin/sh\nexec 2>&1\necho started\nexec sleep 1000\n"
	// runIgnoreTerm execs a sleep that ignores TERM (ignored signals stay
	// ignored across exec), so runsv cannot stop it: only k does.
	runIgnoreTerm = "#!/bin/sh\ntrap '' TERM\nexec sleep 1000\n"
	runExit1      = "#!/bin/sh\necho failing\nexit 1\n"
	logSvlogd     = "#!/bin/sh\nexec svlogd -tt ./main\n"
)

// addService writes sv/NAME with run and, when logRun is set, log/run and
// log/main/.
func (f *fixture) addService(name, run, logRun string) string {
	dir := filepath.Join(f.sv, name)
	svtest.WriteScript(f.t, filepath.Join(dir, "run"), run)
	if logRun != "" {
		svtest.WriteScript(f.t, filepath.Join(dir, "log", "run"), logRun)
		mkdir(f.t, filepath.Join(dir, "log", "main"))
	}
	return dir
}

// link puts NAME into the link directory, as an operator would.
func (f *fixture) link(name string) {
	if err := os.Symlink(filepath.Join(f.sv, name), filepath.Join(f.lnk, name)); err != nil {
		f.t.Fatal(err)
	}
}

// supervisorBin is where runsvdir, runsv and svlogd come from: gorunit's
// own box, or Debian's C runit with SVCTL_SUPERVISOR=ref (and $RUNIT_REF),
// which the commands must drive the same way.
func supervisorBin(t *testing.T) string {
	if os.Getenv("SVCTL_SUPERVISOR") == "ref" {
		return svtest.RunitRef(t)
	}
	return svtest.Box(t)
}

// startRunsvdir runs runsvdir on the link directory. Before it is stopped,
// every runsv is (runsvdir exits on TERM and leaves them running, holding
// its output pipe).
func (f *fixture) startRunsvdir() *svtest.Proc {
	bin := supervisorBin(f.t)
	p := svtest.Start(f.t, f.root, svtest.PathWith(bin), filepath.Join(bin, "runsvdir"), f.lnk)
	f.t.Cleanup(f.stopAllRunsv) // runs before p's
	return p
}

// stopAllRunsv removes every link, so runsvdir starts nothing again, and
// makes every runsv of the fixture exit: x, then k for services that
// ignore TERM.
func (f *fixture) stopAllRunsv() {
	links, _ := os.ReadDir(f.lnk)
	for _, e := range links {
		os.Remove(filepath.Join(f.lnk, e.Name()))
	}
	ents, _ := os.ReadDir(f.sv)
	var left []side
	for _, e := range ents {
		s := side{"service", filepath.Join(f.sv, e.Name())}
		if s.alive() == nil {
			s.send("x")
			s.send("k")
			left = append(left, s)
		}
	}
	for _, s := range left {
		if err := svtest.Poll(deadline, func() error {
			if s.alive() == nil {
				s.send("k")
				return fmt.Errorf("runsv for %s still running", s.dir)
			}
			return nil
		}); err != nil {
			f.t.Errorf("cleanup: %v", err)
		}
	}
}

// result is one command's outcome.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%sstderr:\n%s", r.code, r.stdout, r.stderr)
}

func (f *fixture) cliEnv(args []string) (cli.Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	env := cli.Env{
		Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return f.env[k] },
		Environ: func() []string {
			var e []string
			for k, v := range f.env {
				e = append(e, k+"="+v)
			}
			sort.Strings(e)
			return e
		},
	}
	return env, &out, &errb
}

// run calls the command in-process, as `gorunit VERB ARGS`.
func (f *fixture) run(verb string, args ...string) result {
	return f.runWith(nil, verb, args...)
}

// runWith is run with a hook called at each step, which may return true
// to deliver an interrupt (as SIGINT would) at that point.
func (f *fixture) runWith(interruptAt func(step string) bool, verb string, args ...string) result {
	f.t.Helper()
	env, out, errb := f.cliEnv(append([]string{verb}, args...))
	c, code := parse(verb, env)
	if c != nil {
		intr := make(chan os.Signal, 1)
		c.intr = intr
		if interruptAt != nil {
			c.hook = func(step string) {
				if interruptAt(step) {
					select {
					case intr <- syscall.SIGINT:
					default:
					}
				}
			}
		}
		code = c.run()
	}
	return result{out.String(), errb.String(), code}
}

// status reads one side's status, failing the test when runsv is not up.
func status(t testing.TB, dir string) supervise.Status {
	t.Helper()
	st, err := supervise.ReadStatus(filepath.Join(dir, "supervise"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// waitExec waits until the service's process has exec'd comm (for run
// scripts that set things up before they exec).
func waitExec(t testing.TB, dir, comm string) {
	t.Helper()
	svtest.WaitFor(t, deadline, func() error {
		st := waitRunning(t, dir)
		p, err := readProc(procRoot, st.PID)
		if err != nil {
			return err
		}
		if p.comm != comm {
			return fmt.Errorf("pid %d is %s, not yet %s", st.PID, p.comm, comm)
		}
		return nil
	})
}

// waitRunning waits until runsv runs dir's service with a pid.
func waitRunning(t testing.TB, dir string) supervise.Status {
	t.Helper()
	var st supervise.Status
	svtest.WaitFor(t, deadline, func() error {
		s := side{"service", dir}
		if err := s.alive(); err != nil {
			return err
		}
		var err error
		if st, err = s.status(); err != nil {
			return err
		}
		if st.State != supervise.Run || st.PID == 0 {
			return fmt.Errorf("%s: %s", dir, describe(st, time.Now()))
		}
		return nil
	})
	return st
}

func isLink(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.Mode()&os.ModeSymlink != 0
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// wantCode fails the test when r did not exit with code.
func wantCode(t testing.TB, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
}

func wantOut(t testing.TB, r result, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("output lacks %q:\n%s", s, r)
		}
	}
}
