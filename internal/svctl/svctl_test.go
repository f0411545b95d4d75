package svctl

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
)

func TestExitCodes(t *testing.T) {
	// Pinned: scripts branch on them.
	if ExitOK != 0 || ExitFail != 1 || ExitUsage != 100 {
		t.Errorf("exit codes %d %d %d, want 0 1 100", ExitOK, ExitFail, ExitUsage)
	}
}

func TestUsage(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"enable without name", []string{"enable"}},
		{"enable two names", []string{"enable", "a", "b"}},
		{"unknown option", []string{"disable", "-x", "a"}},
		{"zero wait", []string{"reset", "-w", "0", "a"}},
		{"bad wait", []string{"reset", "-w", "soon", "a"}},
		{"-k is not enable's", []string{"enable", "-k", "a"}},
		{"summary takes no name", []string{"summary", "a"}},
		{"dot name", []string{"enable", ".a"}},
		{"slash in name", []string{"disable", "a/b"}},
		{"help", []string{"reset", "--help"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.run(tc.args[0], tc.args[1:]...)
			wantCode(t, r, ExitUsage)
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if !strings.Contains(r.stderr, "usage: gorunit "+tc.args[0]+" ") && !strings.Contains(r.stderr, "bad service name") {
				t.Errorf("stderr lacks usage:\n%s", r.stderr)
			}
		})
	}
}

// snapshot lists every path under root with its type and, for links, the
// target: what -n must leave exactly as it was.
func snapshot(t *testing.T, root string) []string {
	var out []string
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		s := rel + " " + fi.Mode().Type().String()
		if fi.Mode()&os.ModeSymlink != 0 {
			l, _ := os.Readlink(p)
			s += " -> " + l
		}
		out = append(out, s)
		return nil
	})
	return out
}

func TestEnableRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(f *fixture)
		want  string
	}{
		{"missing service", func(f *fixture) {}, "no service directory"},
		{"run not executable", func(f *fixture) {
			f.addService("sshd", runSleep, "")
			os.Chmod(filepath.Join(f.sv, "sshd", "run"), 0o644)
		}, "run is not an executable file"},
		{"no run", func(f *fixture) {
			mkdir(t, filepath.Join(f.sv, "sshd"))
		}, "unable to stat " + "RUN" + ": file does not exist"},
		{"log without run", func(f *fixture) {
			f.addService("sshd", runSleep, "")
			mkdir(t, filepath.Join(f.sv, "sshd", "log"))
		}, "log/run: file does not exist"},
		{"linked twice", func(f *fixture) {
			f.addService("sshd", runSleep, "")
			os.Symlink(filepath.Join(f.sv, "sshd"), filepath.Join(f.lnk, "ssh-too"))
		}, "already linked in " + "LNK" + " as ssh-too"},
		{"a directory in the link directory", func(f *fixture) {
			f.addService("sshd", runSleep, "")
			mkdir(t, filepath.Join(f.lnk, "sshd"))
		}, "is not a symlink: refusing to touch it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.addTwin("ssh", true, true)
			tc.setup(f)
			before := snapshot(t, f.root)
			for _, args := range [][]string{{"sshd"}, {"-n", "sshd"}} {
				r := f.run("enable", args...)
				wantCode(t, r, ExitFail)
				want := strings.NewReplacer("RUN", filepath.Join(f.sv, "sshd", "run"), "LNK", f.lnk).Replace(tc.want)
				if !strings.HasPrefix(r.stderr, "gorunit enable: fatal: sshd: ") || !strings.Contains(r.stderr, want) {
					t.Errorf("stderr %q, want it to say %q", r.stderr, want)
				}
			}
			// Refused before anything was touched: the twin too.
			if diff := cmp.Diff(before, snapshot(t, f.root)); diff != "" {
				t.Errorf("files changed (-before +after):\n%s", diff)
			}
			if calls := f.callLog(); len(calls) != 0 {
				t.Errorf("calls %q, want none", calls)
			}
		})
	}
}

// The howto's sshd migration: the sysvinit twin (ssh, enabled and running)
// is disabled and stopped before runit's sshd is linked and waited for;
// disable -S gives it back.
func TestEnableMovesDaemonFromSysvinitAndBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addTwin("ssh", true, true)
	dir := f.addService("sshd", runSleep, logSvlogd)
	f.startRunsvdir()

	r := f.run("enable", "-w", waitArg, "sshd")
	wantCode(t, r, ExitOK)
	wantOut(t, r,
		"sshd: sysvinit script "+f.initd+"/ssh is enabled: rc2.d/S01ssh rc3.d/S01ssh rc4.d/S01ssh rc5.d/S01ssh\n",
		"sshd: running: "+f.env[EnvUpdateRcD]+" ssh disable\n",
		"sshd:   | update-rc.d: disable ssh: done\n",
		"sshd: sysvinit script "+f.initd+"/ssh says the daemon is running\n",
		"sshd: ssh is stopped\n",
		"sshd: linked "+f.lnk+"/sshd -> "+dir+"\n",
		"sshd: runsv is running\n", "sshd: log is running (pid ", "sshd: service is running (pid ",
		"sshd: enabled: run (pid ")
	if diff := cmp.Diff([]string{"invoke-rc.d ssh stop", "ssh stop", "update-rc.d ssh disable"}, f.callLog()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if l := f.startLinks("ssh"); len(l) != 0 || f.twinRunning("ssh") {
		t.Errorf("twin still enabled %v or running %v", l, f.twinRunning("ssh"))
	}
	// The log was running before the service was (runsv starts it first),
	// and both run now.
	st := waitRunning(t, dir)
	waitRunning(t, filepath.Join(dir, "log"))
	if !strings.Contains(r.stdout, "log is running") || strings.Index(r.stdout, "log is running") > strings.Index(r.stdout, "service is running") {
		t.Errorf("log not reported before service:\n%s", r.stdout)
	}

	// Running it again changes nothing.
	os.Remove(f.calls)
	r = f.run("enable", "-w", waitArg, "sshd")
	wantCode(t, r, ExitOK)
	wantOut(t, r, "sshd: already linked: ", "sshd: sysvinit script "+f.initd+"/ssh is neither enabled nor running")
	if calls := f.callLog(); len(calls) != 0 {
		t.Errorf("calls %q, want none", calls)
	}
	if got := status(t, dir); got.PID != st.PID {
		t.Errorf("service restarted: pid %d, was %d", got.PID, st.PID)
	}

	// A service downed by hand (sv down) is brought up, log first.
	for _, d := range []string{dir, filepath.Join(dir, "log")} {
		if err := (side{"", d}).send("d"); err != nil {
			t.Fatal(err)
		}
	}
	svtest.WaitFor(t, deadline, func() error {
		for _, d := range []string{dir, filepath.Join(dir, "log")} {
			if st := status(t, d); !isDown(st) || st.Want != supervise.WantDown {
				return fmt.Errorf("%s not down yet: %+v", d, st)
			}
		}
		return nil
	})
	r = f.run("enable", "-w", waitArg, "sshd")
	wantCode(t, r, ExitOK)
	wantOut(t, r, "sshd: log was wanted down: sent up\nsshd: service was wanted down: sent up\n", "sshd: service is running (pid ")
	st = waitRunning(t, dir)

	// ssh's status reads /run/sshd.pid, which runit's sshd writes too: once
	// runit runs sshd, "running" is not the twin's, and enable must not
	// stop it. Start links are still the twin's.
	os.WriteFile(filepath.Join(f.state, "ssh.running"), nil, 0o644)
	os.Symlink("../init.d/ssh", filepath.Join(f.root, "etc", "rc2.d", "S01ssh"))
	r = f.run("enable", "-w", waitArg, "sshd")
	wantCode(t, r, ExitOK)
	if diff := cmp.Diff([]string{"update-rc.d ssh disable"}, f.callLog()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	os.Remove(filepath.Join(f.state, "ssh.running"))

	// disable -S: service down, then log, link gone, runsv gone, twin back.
	os.Remove(f.calls)
	r = f.run("disable", "-S", "-w", waitArg, "sshd")
	wantCode(t, r, ExitOK)
	wantOut(t, r, "sshd: service is down\nsshd: log is down\nsshd: removed the link "+f.lnk+"/sshd\nsshd: runsv has exited\n",
		"sshd: disabled; sysvinit script "+f.initd+"/ssh enabled and started\n")
	if diff := cmp.Diff([]string{"update-rc.d ssh enable", "invoke-rc.d ssh start", "ssh start"}, f.callLog()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if exists(filepath.Join(f.lnk, "sshd")) {
		t.Error("link still there")
	}
	if err := (side{"", dir}).alive(); !notRunning(err) {
		t.Errorf("runsv still running: %v", err)
	}
	if len(f.startLinks("ssh")) != 4 || !f.twinRunning("ssh") {
		t.Errorf("twin not given back: links %v running %v", f.startLinks("ssh"), f.twinRunning("ssh"))
	}
}

// A service that cannot come up (run exits at once; runsv restarts it
// every second) must not leave the daemon running nowhere: enable rolls
// back, starting and enabling the twin again.
func TestEnableRollsBackWhenServiceFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addTwin("ntpsec", true, true)
	dir := f.addService("ntpd", runExit1, "")
	// "up for a second with the same pid" tells a failing run from a
	// running one, but a loaded machine can take a second to run even a
	// failing shell script; a failing ./check makes it certain.
	svtest.WriteScript(t, filepath.Join(dir, "check"), "#!/bin/sh\nexit 1\n")
	f.startRunsvdir()

	r := f.run("enable", "-w", "10", "ntpd")
	wantCode(t, r, ExitFail)
	wantOut(t, r, "gorunit enable: fatal: ntpd: ", "timed out", "ntpd: rolling back\n", "ntpd: removed the link "+f.lnk+"/ntpd\n")
	if exists(filepath.Join(f.lnk, "ntpd")) {
		t.Error("link left behind")
	}
	// Links back before the start: invoke-rc.d refuses to start a script
	// with a K link in the current runlevel (exit 0, nothing started).
	want := []string{"invoke-rc.d ntpsec stop", "ntpsec stop", "update-rc.d ntpsec disable", "update-rc.d ntpsec enable", "invoke-rc.d ntpsec start", "ntpsec start"}
	if diff := cmp.Diff(want, f.callLog()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if len(f.startLinks("ntpsec")) != 4 || !f.twinRunning("ntpsec") {
		t.Errorf("twin not restored: links %v running %v", f.startLinks("ntpsec"), f.twinRunning("ntpsec"))
	}
}

// Without runsvdir, nothing ever starts runsv: enable says so and undoes
// the link (-w bounds the wait).
func TestEnableWithoutRunsvdir(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addService("foo", runSleep, "")
	r := f.run("enable", "-w", "1", "foo")
	wantCode(t, r, ExitFail)
	wantOut(t, r, "runsv did not start: timed out after 1s", "no runsvdir seems to run on "+f.lnk)
	if exists(filepath.Join(f.lnk, "foo")) {
		t.Error("link left behind")
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addTwin("ssh", true, true)
	f.addService("sshd", runSleep, logSvlogd)
	f.addService("foo", runSleep, logSvlogd)
	f.link("foo")
	f.startRunsvdir()
	foo := waitRunning(t, filepath.Join(f.sv, "foo"))
	waitRunning(t, filepath.Join(f.sv, "foo", "log"))
	svtest.WaitFor(t, deadline, func() error { // svlogd has set up its directory
		_, err := os.Stat(filepath.Join(f.sv, "foo", "log", "main", "current"))
		return err
	})
	before := snapshot(t, f.root)

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"enable", "-n", "sshd"}, []string{
			"sshd: would run: " + f.env[EnvUpdateRcD] + " ssh disable\n",
			"sshd: would run: " + f.env[EnvInvokeRcD] + " ssh stop\n",
			"sshd: would link " + f.lnk + "/sshd -> " + f.sv + "/sshd\n",
			"sshd: would wait up to 20s for runsv, then the log, then the service to run\n"}},
		{[]string{"disable", "-n", "-S", "foo"}, []string{
			"foo: would stop the service (now run (pid ",
			"foo: would stop the log (now run (pid ",
			"foo: would remove the link " + f.lnk + "/foo\n",
			"foo: would tell runsv to exit and wait up to 20s\n",
			"foo: would run: " + f.env[EnvUpdateRcD] + " foo enable\n",
			"foo: would run: " + f.env[EnvInvokeRcD] + " foo start\n"}},
		{[]string{"reset", "-n", "foo"}, []string{
			"foo: would stop the service",
			"foo: would remove " + f.sv + "/foo/supervise/lock\n",
			"foo: would remove " + f.sv + "/foo/supervise/{control,ok,pid,stat,status}\n",
			"foo: would remove " + f.sv + "/foo/log/supervise\n",
			"foo: would remove " + f.sv + "/foo/log/main/lock\n",
			"foo: would link " + f.lnk + "/foo -> " + f.sv + "/foo\n"}},
	} {
		if tc.args[0] == "disable" {
			f.addTwin("foo", false, false) // -S needs a script to give back to
			before = snapshot(t, f.root)
		}
		r := f.run(tc.args[0], tc.args[1:]...)
		wantCode(t, r, ExitOK)
		wantOut(t, r, tc.want...)
		if strings.Contains(r.stdout, "\nfoo: removed") || strings.Contains(r.stdout, ": linked") {
			t.Errorf("%v did something:\n%s", tc.args, r)
		}
	}
	// update-rc.d and invoke-rc.d were never run; status is read-only.
	if calls := f.callLog(); len(calls) != 0 {
		t.Errorf("calls %q, want none", calls)
	}
	if diff := cmp.Diff(before, snapshot(t, f.root)); diff != "" {
		t.Errorf("files changed (-before +after):\n%s", diff)
	}
	if got := status(t, filepath.Join(f.sv, "foo")); got.PID != foo.PID || got.Want != supervise.WantUp {
		t.Errorf("service touched: %+v, was %+v", got, foo)
	}
}

// A service that ignores TERM keeps runsv alive: disable gives up within
// -w, leaves the link, and wants the service up again as it was; -k kills
// it and completes.
func TestDisableStubbornService(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := f.addService("stub", runIgnoreTerm, "")
	f.link("stub")
	f.startRunsvdir()
	waitExec(t, dir, "sleep") // TERM is ignored from here on
	st := waitRunning(t, dir)

	r := f.run("disable", "-w", "1", "stub")
	wantCode(t, r, ExitFail)
	wantOut(t, r, "gorunit disable: fatal: stub: service did not stop: timed out after 1s: run (pid ",
		"want down, got TERM (it may ignore TERM: -k sends KILL); the link is still in place\n",
		"stub: service: sent up again, as it was\n")
	if !isLink(filepath.Join(f.lnk, "stub")) {
		t.Error("link removed")
	}
	svtest.WaitFor(t, deadline, func() error { // runsv reads the u in its own time
		if got := status(t, dir); got.PID != st.PID || got.Want != supervise.WantUp {
			return fmt.Errorf("status %+v, want pid %d want up", got, st.PID)
		}
		return nil
	})

	// reset gives up the same way, before anything is removed.
	r = f.run("reset", "-w", "1", "stub")
	wantCode(t, r, ExitFail)
	wantOut(t, r, "gorunit reset: fatal: stub: service did not stop: timed out after 1s", "; nothing removed\n")
	if !isLink(filepath.Join(f.lnk, "stub")) || !exists(filepath.Join(dir, "supervise", "lock")) {
		t.Error("reset removed something")
	}
	if err := (side{"", dir}).alive(); err != nil {
		t.Errorf("runsv gone: %v", err)
	}

	r = f.run("disable", "-k", "-w", "10", "stub")
	wantCode(t, r, ExitOK)
	wantOut(t, r, "stub: service did not stop within 10s: sending KILL\n", "stub: service is down\n",
		"stub: runsv has exited\n", "stub: disabled\n")
	if exists(filepath.Join(f.lnk, "stub")) {
		t.Error("link still there")
	}
}

func TestDisableMissingAndDangling(t *testing.T) {
	f := newFixture(t)
	r := f.run("disable", "nosuch")
	wantCode(t, r, ExitFail)
	wantOut(t, r, "gorunit disable: fatal: nosuch: no such service: no link "+f.lnk+"/nosuch and no directory "+f.sv+"/nosuch\n")

	f.addService("idle", runSleep, "")
	r = f.run("disable", "idle")
	wantCode(t, r, ExitOK)
	wantOut(t, r, "idle: not enabled (no link "+f.lnk+"/idle) and no runsv running: nothing to do\n")

	os.Symlink(filepath.Join(f.sv, "gone"), filepath.Join(f.lnk, "gone"))
	r = f.run("disable", "gone")
	wantCode(t, r, ExitOK)
	wantOut(t, r, "is dangling", "gone: removed the link "+f.lnk+"/gone\n")
	if exists(filepath.Join(f.lnk, "gone")) {
		t.Error("dangling link still there")
	}

	r = f.run("disable", "-S", "idle")
	wantCode(t, r, ExitFail)
	wantOut(t, r, "gorunit disable: fatal: idle: -S: no sysvinit script for idle in "+f.initd)
}

// An interrupt while disable waits for the service to stop: the service is
// wanted up again and the link stays.
func TestDisableInterruptedWhileStopping(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := f.addService("stub", runIgnoreTerm, logSvlogd)
	f.link("stub")
	f.startRunsvdir()
	waitExec(t, dir, "sleep")
	waitRunning(t, filepath.Join(dir, "log"))

	r := f.runWith(func(step string) bool { return step == "down service" }, "disable", "-w", waitArg, "stub")
	wantCode(t, r, ExitFail)
	wantOut(t, r, "gorunit disable: fatal: stub: interrupted; the link is still in place\n")
	if !isLink(filepath.Join(f.lnk, "stub")) {
		t.Error("link removed")
	}
	svtest.WaitFor(t, deadline, func() error {
		if got := status(t, dir); got.Want != supervise.WantUp {
			return fmt.Errorf("service want %c, want u", got.Want)
		}
		return nil
	})
	if got := status(t, filepath.Join(dir, "log")); got.Want != supervise.WantUp || got.PID == 0 {
		t.Errorf("log touched: %+v", got)
	}
}

func TestResetSmashesStateAndRestarts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := f.addService("foo", runSleep, "#!/bin/sh\nexec svlogd -tt ./main /DOES-NOT-EXIST/x ../other # comment\n")
	mkdir(t, filepath.Join(dir, "other"))
	// supervise as a relative symlink to a directory elsewhere, holding a
	// file that is not runit's: the link and that file stay.
	target := filepath.Join(f.root, "run", "foo.supervise")
	mkdir(t, target)
	os.WriteFile(filepath.Join(target, "notes"), []byte("mine\n"), 0o644)
	rel, _ := filepath.Rel(dir, target)
	if err := os.Symlink(rel, filepath.Join(dir, "supervise")); err != nil {
		t.Fatal(err)
	}
	f.link("foo")
	f.startRunsvdir()
	old := waitRunning(t, dir)
	oldLog := waitRunning(t, filepath.Join(dir, "log"))
	svtest.WaitFor(t, deadline, func() error { // svlogd has both dirs locked
		for _, d := range []string{"main", "../other"} {
			if _, err := os.Stat(filepath.Join(dir, "log", d, "lock")); err != nil {
				return err
			}
		}
		return nil
	})

	var stateGone []string // what was left of runit's state when relinking
	r := f.runWith(func(step string) bool {
		if step == "link" {
			for _, p := range []string{"supervise/lock", "supervise/status", "supervise/control", "supervise/ok",
				"log/supervise", "log/main/lock", "other/lock"} {
				if exists(filepath.Join(dir, p)) {
					stateGone = append(stateGone, p)
				}
			}
		}
		return false
	}, "reset", "-w", waitArg, "foo")
	wantCode(t, r, ExitOK)
	if len(stateGone) != 0 {
		t.Errorf("state left when relinking: %v", stateGone)
	}
	wantOut(t, r, "foo: service is down\nfoo: log is down\nfoo: removed the link "+f.lnk+"/foo\nfoo: runsv has exited\n",
		"foo: "+dir+"/supervise is a symlink: keeping it, clearing "+filepath.Join(dir, rel)+"\n",
		"foo: removed "+dir+"/log/supervise\n",
		"foo: removed "+dir+"/log/main/lock\n",
		"foo: removed "+dir+"/other/lock\n",
		"foo: linked "+f.lnk+"/foo -> "+dir+"\n",
		"foo: reset: run (pid ",
		"   PPID     PID COMMAND\n", " \\_ runsv foo\n", "     \\_ svlogd -tt ./main /DOES-NOT-EXIST/x ../other\n", "     \\_ sleep 1000\n")
	if !isLink(filepath.Join(dir, "supervise")) {
		t.Error("supervise is no longer a symlink")
	}
	if b, err := os.ReadFile(filepath.Join(target, "notes")); err != nil || string(b) != "mine\n" {
		t.Errorf("a file that is not runit's went: %q %v", b, err)
	}
	st := waitRunning(t, dir)
	lst := waitRunning(t, filepath.Join(dir, "log"))
	if st.PID == old.PID || lst.PID == oldLog.PID {
		t.Errorf("not restarted: service %d -> %d, log %d -> %d", old.PID, st.PID, oldLog.PID, lst.PID)
	}
}

// Once reset removed the link, an interrupt puts it back, and no state is
// removed.
func TestResetInterruptedRestoresLink(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := f.addService("foo", runSleep, logSvlogd)
	f.link("foo")
	f.startRunsvdir()
	waitRunning(t, dir)

	removed := false
	r := f.runWith(func(step string) bool {
		if step == "remove state" {
			removed = true
		}
		return step == "exit runsv"
	}, "reset", "-w", waitArg, "foo")
	wantCode(t, r, ExitFail)
	wantOut(t, r, "foo: removed the link "+f.lnk+"/foo\n", "foo: linked "+f.lnk+"/foo -> "+dir+"\n",
		"gorunit reset: fatal: foo: interrupted; link restored, nothing removed\n")
	if removed {
		t.Error("state removal started after the interrupt")
	}
	if !isLink(filepath.Join(f.lnk, "foo")) {
		t.Fatal("link not restored")
	}
	// And the service comes back: by the x runsv may have been told to
	// exit, runsvdir then starts a fresh one for the restored link.
	waitRunning(t, dir)
	waitRunning(t, filepath.Join(dir, "log"))
}

func TestResetRefuses(t *testing.T) {
	f := newFixture(t)
	f.addService("foo", runSleep, "")
	r := f.run("reset", "foo")
	wantCode(t, r, ExitFail)
	wantOut(t, r, "gorunit reset: fatal: foo: not enabled: no link "+f.lnk+"/foo (gorunit enable foo links it)\n")
	r = f.run("reset", "nosuch")
	wantCode(t, r, ExitFail)
}

// The real binary catches SIGINT: disable, stopped while it waits for a
// service that ignores TERM, wants it up again and leaves the link.
func TestBinaryInterrupt(t *testing.T) {
	t.Parallel()
	box := svtest.Box(t)
	f := newFixture(t)
	dir := f.addService("stub", runIgnoreTerm, "")
	f.link("stub")
	f.startRunsvdir()
	waitExec(t, dir, "sleep")

	env := svtest.PathWith(box)
	for k, v := range f.env {
		if k != "PATH" {
			env = append(env, k+"="+v)
		}
	}
	p := svtest.Start(t, f.root, env, filepath.Join(box, "gorunit"), "disable", "-w", waitArg, "stub")
	svtest.WaitFor(t, deadline, func() error {
		if st := status(t, dir); st.Want != supervise.WantDown {
			return fmt.Errorf("not sent down yet: %+v", st)
		}
		return nil
	})
	if err := p.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, err := p.Wait(deadline)
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr := p.Output()
	r := result{stdout, stderr, code}
	wantCode(t, r, ExitFail)
	wantOut(t, r, "gorunit disable: fatal: stub: interrupted; the link is still in place\n", "stub: service: sent up again, as it was\n")
	if !isLink(filepath.Join(f.lnk, "stub")) {
		t.Error("link removed")
	}
	svtest.WaitFor(t, deadline, func() error {
		if st := status(t, dir); st.Want != supervise.WantUp {
			return fmt.Errorf("want %c, want u", st.Want)
		}
		return nil
	})
}

func TestSummary(t *testing.T) {
	t.Parallel()
	box := svtest.Box(t)
	f := newFixture(t)
	f.addService("web", runSleep, logSvlogd)
	idle := f.addService("idle", runSleep, "")
	os.WriteFile(filepath.Join(idle, "down"), nil, 0o644)
	f.addService("norunsv", runSleep, "")
	for _, n := range []string{"web", "idle", "norunsv"} {
		f.link(n)
	}
	os.Symlink(filepath.Join(f.sv, "gone"), filepath.Join(f.lnk, "gone"))
	os.Symlink(filepath.Join(f.sv, "web"), filepath.Join(f.lnk, ".web-disabled")) // skipped, as runsvdir does
	os.WriteFile(filepath.Join(f.lnk, "README"), nil, 0o644)                      // not a directory: skipped
	env := svtest.PathWith(box)
	for _, n := range []string{"web", "idle"} {
		svtest.Start(t, f.lnk, env, filepath.Join(box, "runsv"), n)
	}
	web := waitRunning(t, filepath.Join(f.sv, "web"))
	webLog := waitRunning(t, filepath.Join(f.sv, "web", "log"))
	svtest.WaitFor(t, deadline, func() error { return side{"", idle}.alive() })

	r := f.run("summary")
	wantCode(t, r, ExitOK)
	mask := regexp.MustCompile(`\b\d+s\b`)
	got := mask.ReplaceAllString(r.stdout, "Ns")
	got = strings.ReplaceAll(got, itoa(web.PID), "PID")
	got = strings.ReplaceAll(got, itoa(webLog.PID), "LPID")
	got = regexp.MustCompile(` +`).ReplaceAllString(got, " ")
	want := "NAME STATE PID TIME LOG LOGPID LOGTIME NOTES\n" +
		"gone - - - - - - unable to stat " + f.lnk + "/gone: file does not exist\n" +
		"idle down - Ns - - - normally down\n" +
		"norunsv - - - - - - runsv not running\n" +
		"web run PID Ns run LPID Ns\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("table (-want +got):\n%s\n%s", diff, r.stdout)
	}

	// Side by side with C sv, when there is one: the same states and pids.
	if ref := os.Getenv("RUNIT_REF"); ref != "" {
		cmd := exec.Command(filepath.Join(ref, "sv"), "status", "web", "idle", "norunsv")
		cmd.Env = append(os.Environ(), "SVDIR="+f.lnk)
		out, _ := cmd.Output()
		mask := regexp.MustCompile(`\d+s\b`)
		want := "run: web: (pid " + itoa(web.PID) + ") Ns; run: log: (pid " + itoa(webLog.PID) + ") Ns\n" +
			"down: idle: Ns\n" +
			"warning: norunsv: unable to open supervise/ok: file does not exist\n" // never ran: summary says "runsv not running"
		if diff := cmp.Diff(want, mask.ReplaceAllString(string(out), "Ns")); diff != "" {
			t.Errorf("C sv status disagrees (-want +got):\n%s", diff)
		}
	}

	r = f.run("summary", "--json")
	wantCode(t, r, ExitOK)
	var rep Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	for i := range rep.Services {
		rep.Services[i].Seconds = 0
		if l := rep.Services[i].Log; l != nil {
			l.Seconds = 0
		}
	}
	wantRep := Report{SvDir: f.lnk, Services: []Entry{
		{Name: "gone", Dir: f.lnk + "/gone", Side: Side{Error: "unable to stat " + f.lnk + "/gone: file does not exist"}},
		{Name: "idle", Dir: idle, Side: Side{Runsv: true, State: "down", Want: "down", NormallyDown: true}},
		{Name: "norunsv", Dir: filepath.Join(f.sv, "norunsv")},
		{Name: "web", Dir: filepath.Join(f.sv, "web"), Side: Side{Runsv: true, State: "run", PID: web.PID, Want: "up"},
			Log: &Side{Runsv: true, State: "run", PID: webLog.PID, Want: "up"}},
	}}
	if diff := cmp.Diff(wantRep, rep); diff != "" {
		t.Errorf("json (-want +got):\n%s", diff)
	}

	r = f.run("summary", "--svdir", filepath.Join(f.root, "nosuch"))
	wantCode(t, r, ExitFail)
	wantOut(t, r, "gorunit summary: fatal: unable to read "+f.root+"/nosuch: file does not exist\n")
}

func itoa(n int) string { return strconv.Itoa(n) }

// An interrupt while enable waits rolls everything back, the twin too.
func TestEnableInterruptedRollsBack(t *testing.T) {
	f := newFixture(t)
	f.addTwin("ssh", true, true)
	f.addService("sshd", runSleep, "")
	r := f.runWith(func(step string) bool { return step == "wait up" }, "enable", "-w", waitArg, "sshd")
	wantCode(t, r, ExitFail)
	wantOut(t, r, "gorunit enable: fatal: sshd: interrupted\n", "sshd: rolling back\n", "sshd: removed the link "+f.lnk+"/sshd\n")
	want := []string{"invoke-rc.d ssh stop", "ssh stop", "update-rc.d ssh disable", "update-rc.d ssh enable", "invoke-rc.d ssh start", "ssh start"}
	if diff := cmp.Diff(want, f.callLog()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if exists(filepath.Join(f.lnk, "sshd")) || len(f.startLinks("ssh")) != 4 || !f.twinRunning("ssh") {
		t.Errorf("not rolled back: link %v, twin links %v, running %v", exists(filepath.Join(f.lnk, "sshd")), f.startLinks("ssh"), f.twinRunning("ssh"))
	}
}

// A ./check makes enable wait for readiness as `sv start` does; one that
// never passes fails the enable, which then rolls back.
func TestEnableWaitsForCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ready := f.addService("ready", runSleep, "")
	svtest.WriteScript(t, filepath.Join(ready, "check"), "#!/bin/sh\n[ -e "+filepath.Join(f.root, "go")+" ]\n")
	never := f.addService("never", runSleep, "")
	svtest.WriteScript(t, filepath.Join(never, "check"), "#!/bin/sh\nexit 1\n")
	f.startRunsvdir()

	r := f.run("enable", "-w", "5", "never")
	wantCode(t, r, ExitFail)
	wantOut(t, r, "gorunit enable: fatal: never: service is not running: timed out after 5s: ", ", ./check failed: ")
	if exists(filepath.Join(f.lnk, "never")) {
		t.Error("link left behind")
	}

	os.WriteFile(filepath.Join(f.root, "go"), nil, 0o644)
	r = f.run("enable", "-w", waitArg, "ready")
	wantCode(t, r, ExitOK)
	wantOut(t, r, "ready: service is running (pid ")
}

// /etc/init.d/NAME -> sv is runit's own LSB mode, not a twin to disable.
func TestInitScriptThatIsSvIsNoTwin(t *testing.T) {
	f := newFixture(t)
	f.addService("foo", runSleep, "")
	svtest.WriteScript(t, filepath.Join(f.root, "usr", "bin", "sv"), "#!/bin/sh\nexit 0\n")
	os.Symlink(filepath.Join(f.root, "usr", "bin", "sv"), filepath.Join(f.initd, "foo"))
	os.Symlink("../init.d/foo", filepath.Join(f.root, "etc", "rc2.d", "S01foo"))
	r := f.run("enable", "-n", "foo")
	wantCode(t, r, ExitOK)
	wantOut(t, r, "foo: "+f.initd+"/foo runs sv (runit's LSB mode): not a sysvinit twin\n")
	if strings.Contains(r.stdout, "update-rc.d") || strings.Contains(r.stdout, "invoke-rc.d") {
		t.Errorf("treated as a twin:\n%s", r)
	}
}

// A supervise directory holding files that are not runit's keeps them.
func TestResetKeepsForeignFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := f.addService("foo", runSleep, "")
	f.link("foo")
	f.startRunsvdir()
	waitRunning(t, dir)
	os.WriteFile(filepath.Join(dir, "supervise", "notes"), nil, 0o644)
	r := f.run("reset", "-w", waitArg, "foo")
	wantCode(t, r, ExitOK)
	wantOut(t, r, "gorunit reset: warning: foo: kept "+dir+"/supervise: directory not empty (not runit's: notes)\n")
	if !exists(filepath.Join(dir, "supervise", "notes")) {
		t.Error("foreign file removed")
	}
	waitRunning(t, dir)
}
