package sv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
	"golang.org/x/sys/unix"
)

// Live scenarios drive real services under a real runsv with a sequence
// of sv commands. Each step's output (pids and seconds masked) is checked
// against testdata/golden/live-SCENARIO-N.*, for every pairing of sv and
// runsv: gorunit's with gorunit's always, and with RUNIT_REF also gorunit
// sv under C runsv, C sv under gorunit runsv, and C sv under C runsv.
type liveScenario struct {
	name     string
	setup    func(w *world)
	services []string // dirs under svdir to run a runsv on
	steps    []liveStep
	ready    func(t *testing.T, w *world) // before each step, after settling
}

type liveStep struct {
	before func(t *testing.T, w *world)
	inv    invocation
	after  func(t *testing.T, w *world)
}

const sleeper = "#!/bin/sh\nexec sleep 1000\n"

func service(name, run string) func(w *world) {
	return func(w *world) { w.file("svdir/"+name+"/run", run, 0o755) }
}

func step(a ...string) liveStep { return liveStep{inv: args(a...)} }

// waitDown waits until svdir/NAME is down.
func waitDown(name string) func(t *testing.T, w *world) {
	return func(t *testing.T, w *world) {
		svtest.WaitFor(t, 20*time.Second, func() error {
			st, err := supervise.ReadStatus(w.path("svdir/" + name + "/supervise"))
			if err == nil && (st.PID != 0 || st.State != supervise.Down || st.Want != supervise.WantDown) {
				err = fmt.Errorf("not down: %+v", st)
			}
			return err
		})
	}
}

// trapped waits until a running svdir/NAME has written its pid to
// ./trapped, after setting TERM to be ignored: on a loaded machine the
// shell can take more than a second to get there.
func trapped(name string) func(t *testing.T, w *world) {
	return func(t *testing.T, w *world) {
		svtest.WaitFor(t, 20*time.Second, func() error {
			st, err := supervise.ReadStatus(w.path("svdir/" + name + "/supervise"))
			if err != nil || st.PID == 0 {
				return err
			}
			b, _ := os.ReadFile(w.path("svdir/" + name + "/trapped"))
			if strings.TrimSpace(string(b)) != strconv.Itoa(st.PID) {
				return fmt.Errorf("pid %d has not set its TERM trap yet", st.PID)
			}
			return nil
		})
	}
}

// waitWantUp waits until svdir/NAME wants up.
func waitWantUp(name string) func(t *testing.T, w *world) {
	return func(t *testing.T, w *world) {
		svtest.WaitFor(t, 20*time.Second, func() error {
			st, err := supervise.ReadStatus(w.path("svdir/" + name + "/supervise"))
			if err == nil && st.Want != supervise.WantUp {
				err = fmt.Errorf("does not want up: %+v", st)
			}
			return err
		})
	}
}

// settle waits until runsv has read every command sent so far, every
// service's status is more than a second old, and (for up to 3 s, since a
// service that ignores TERM never gets there) each service is steadily
// up or down as it wants. C sv returns early at times (it checks right
// after writing and can see the status from before the command), and the
// next step would race with runsv's restart throttle or a restart under
// way.
func settle(t *testing.T, w *world, services []string) {
	t.Helper()
	start := time.Now()
	for _, name := range services {
		for _, d := range []string{"svdir/" + name, "svdir/" + name + "/log"} {
			sup := w.path(d + "/supervise")
			if supervise.ProbeOK(sup) != nil {
				continue
			}
			svtest.WaitFor(t, 20*time.Second, func() error {
				if n := pendingControl(sup); n > 0 {
					return fmt.Errorf("%s: %d control bytes not read", d, n)
				}
				st, err := supervise.ReadStatus(sup)
				if err != nil {
					return err
				}
				steady := st.Want == supervise.WantUp && st.State == supervise.Run && st.PID != 0 && !st.Term ||
					st.Want == supervise.WantDown && st.State == supervise.Down && st.PID == 0
				if !steady && time.Since(start) < 3*time.Second {
					return fmt.Errorf("%s: not steady: %+v", d, st)
				}
				if age := time.Since(svtest.Time(st.Stamp)); age < 1100*time.Millisecond {
					return fmt.Errorf("%s: status only %v old", d, age)
				}
				return nil
			})
		}
	}
}

// pendingControl is how many bytes wait in sup/control for runsv.
func pendingControl(sup string) int {
	fd, err := unix.Open(filepath.Join(sup, "control"), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	n, _ := unix.IoctlGetInt(fd, unix.TIOCINQ)
	return n
}

// runsvGone waits until nothing holds svdir/NAME/supervise/ok open.
func runsvGone(name string) func(t *testing.T, w *world) {
	return func(t *testing.T, w *world) {
		svtest.WaitFor(t, 20*time.Second, func() error {
			if supervise.ProbeOK(w.path("svdir/"+name+"/supervise")) == nil {
				return errors.New("runsv still running")
			}
			return nil
		})
	}
}

var liveScenarios = []liveScenario{
	{
		name: "basic",
		// The service ignores HUP: "sv -v hup" prints the status at once,
		// and a sleeper killed by the HUP could be seen down (or run with a
		// new pid) by either sv, depending on scheduling alone.
		setup:    service("x", "#!/bin/sh\ntrap '' HUP\nexec sleep 1000\n"),
		services: []string{"x"},
		steps: []liveStep{
			step("status", "x"),
			step("-v", "down", "x"),
			step("status", "x"),
			step("-v", "up", "x"),
			step("-v", "once", "x"),
			step("-v", "pause", "x"),
			step("-v", "cont", "x"),
			{inv: args("up", "x"), after: waitWantUp("x")},
			step("-v", "hup", "x"),
			step("restart", "x"),
			step("-v", "term", "x"),
			step("-v", "kill", "x"),
			step("try-restart", "x"),
			step("stop", "x"),
			step("start", "x"),
			step("check", "x"),
			{inv: args("-v", "exit", "x"), after: runsvGone("x")},
			step("status", "x"),
			step("exit", "x"),
			step("-v", "up", "x"),
		},
	},
	{
		name: "log",
		setup: both(service("x", sleeper), service("x/log", "#!/bin/sh\nexec cat >/dev/null\n"),
			service("y", sleeper), func(w *world) { w.file("svdir/y/down", "", 0o644) }),
		services: []string{"x", "y"},
		steps: []liveStep{
			step("status", "x", "y"),
			step("-v", "down", "x/log"),
			step("status", "x"),
			step("-v", "up", "x/log"),
			step("-v", "once", "y"),
			step("status", "y"),
			step("-w", "15", "shutdown", "x"),
			step("-w", "15", "shutdown", "y"),
		},
	},
	{
		name: "check",
		setup: both(service("x", sleeper), func(w *world) {
			w.file("svdir/x/check", "#!/bin/sh\necho to-closed-stdout 2>/dev/null\ntest -e ../ready\n", 0o755)
		}),
		services: []string{"x"},
		steps: []liveStep{
			step("-w", "1", "check", "x"),
			step("-w", "1", "up", "x"),
			{before: func(t *testing.T, w *world) { w.file("svdir/ready", "", 0o644) }, inv: args("check", "x")},
			step("-w", "15", "restart", "x"),
			step("-v", "down", "x"),
			step("check", "x"),
		},
	},
	{
		name:     "force",
		setup:    service("x", "#!/bin/sh\ntrap '' TERM\necho $$ >trapped\nexec sleep 1000\n"),
		services: []string{"x"},
		ready:    trapped("x"),
		steps: []liveStep{
			step("-w", "1", "down", "x"),
			step("status", "x"),
			step("-w", "1", "force-stop", "x"),
			step("-v", "down", "x"),
			step("-v", "up", "x"),
			step("-w", "1", "force-restart", "x"),
			step("-w", "1", "force-shutdown", "x"),
		},
	},
	{
		name:     "lsb",
		setup:    both(service("x", sleeper), service("x/log", "#!/bin/sh\nexec cat >/dev/null\n")),
		services: []string{"x"},
		steps: []liveStep{
			{inv: lsb("x", "status")},
			{inv: lsb("x", "stop")},
			{inv: lsb("x", "status")},
			{inv: lsb("x", "start")},
			{inv: lsb("x", "restart")},
			{inv: lsb("x", "reload")},
			{inv: lsb("x", "force-reload")},
			{inv: lsb("x", "down"), after: waitDown("x")},
			{inv: lsb("x", "status")},
			{inv: lsb("x", "-v", "down", "x/log")},
			{inv: lsb("x", "status")},
		},
	},
}

func TestLive(t *testing.T) {
	box := svtest.Box(t)
	gorunit := pairing{sv: filepath.Join(box, "sv"), runsv: filepath.Join(box, "runsv")}
	pairings := map[string]pairing{"gorunit": gorunit}
	if ref := os.Getenv("RUNIT_REF"); ref != "" {
		pairings["sv-on-C-runsv"] = pairing{sv: gorunit.sv, runsv: filepath.Join(ref, "runsv")}
		pairings["C-sv-on-runsv"] = pairing{sv: filepath.Join(ref, "sv"), runsv: gorunit.runsv}
		pairings["C"] = pairing{sv: filepath.Join(ref, "sv"), runsv: filepath.Join(ref, "runsv")}
	}
	for _, sc := range liveScenarios {
		for pname, p := range pairings {
			t.Run(sc.name+"/"+pname, func(t *testing.T) {
				t.Parallel()
				if *update && pname != "gorunit" {
					t.Skip("-update writes gorunit's results only")
				}
				runScenario(t, sc, p, pname == "gorunit" && *update)
			})
		}
	}
}

type pairing struct{ sv, runsv string }

func runScenario(t *testing.T, sc liveScenario, p pairing, write bool) {
	w := newWorld(t)
	sc.setup(w)
	for _, name := range sc.services {
		startRunsv(t, w, p.runsv, name)
	}
	for i, st := range sc.steps {
		settle(t, w, sc.services)
		if sc.ready != nil {
			sc.ready(t, w)
		}
		if st.before != nil {
			st.before(t, w)
		}
		// Waits that should succeed get room on a loaded machine; -w in
		// a step still says how long one that should time out waits.
		inv := st.inv
		inv.env = append([]string{"SVWAIT=30"}, inv.env...)
		got := w.run(p.sv, inv).masked(true)
		gname := fmt.Sprintf("live-%s-%02d", sc.name, i+1)
		if write {
			golden(t, gname, inv, got)
		} else {
			wantGolden(t, gname, got)
		}
		if st.after != nil {
			st.after(t, w)
		}
	}
}

// wantGolden compares r with the golden result files of name.
func wantGolden(t *testing.T, name string, r result) {
	t.Helper()
	read := func(ext string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "golden", name+"."+ext))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return string(b)
	}
	code, _ := strconv.Atoi(trimNL(read("exit")))
	want := result{Stdout: read("stdout"), Stderr: read("stderr"), Exit: code, Control: read("control")}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func trimNL(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\n' {
		return s[:len(s)-1]
	}
	return s
}

// startRunsv starts runsv on svdir/NAME, waits until the service (and its
// log) is up, or has a status when it is normally down, and on cleanup
// makes it exit: "x" then "k", so a service that ignores TERM goes too.
func startRunsv(t *testing.T, w *world, runsv, name string) {
	t.Helper()
	dir := "svdir/" + name
	proc := svtest.Start(t, w.root, svtest.PathWith(filepath.Dir(runsv)), runsv, dir)
	t.Cleanup(func() {
		for _, d := range []string{dir + "/log", dir} {
			supervise.SendControl(w.path(d+"/supervise"), "xk")
		}
		if _, err := proc.Wait(10 * time.Second); err != nil {
			t.Errorf("runsv %s: %v", name, err)
		}
	})
	dirs := []string{dir}
	if _, err := os.Stat(w.path(dir + "/log")); err == nil {
		dirs = append(dirs, dir+"/log")
	}
	for _, d := range dirs {
		_, down := os.Stat(w.path(d + "/down"))
		svtest.WaitFor(t, 20*time.Second, func() error {
			st, err := supervise.ReadStatus(w.path(d + "/supervise"))
			if err != nil {
				return err
			}
			if down != nil && (st.PID == 0 || st.State != supervise.Run) {
				return fmt.Errorf("%s not up yet: %+v", d, st)
			}
			return nil
		})
	}
}

// TestRestartRightAfterStart pins that sv checks only once runsv has taken
// the command: restarting a service started in the same second must
// report the new process. (runit's sv checks at once and, seeing the old
// run not yet TERMed and stamped in its start second, can print "ok:"
// with the old pid.)
func TestRestartRightAfterStart(t *testing.T) {
	box := svtest.Box(t)
	runsvs := map[string]string{"runsv": filepath.Join(box, "runsv")}
	if ref := os.Getenv("RUNIT_REF"); ref != "" {
		runsvs["C-runsv"] = filepath.Join(ref, "runsv")
	}
	for name, runsv := range runsvs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			service("x", sleeper)(w)
			startRunsv(t, w, runsv, "x")
			for range 3 {
				before, err := supervise.ReadStatus(w.path("svdir/x/supervise"))
				if err != nil {
					t.Fatal(err)
				}
				r := w.run(filepath.Join(box, "sv"), args("-w", "15", "restart", "x"))
				after, err := supervise.ReadStatus(w.path("svdir/x/supervise"))
				if err != nil {
					t.Fatal(err)
				}
				want := fmt.Sprintf("ok: run: x: (pid %d) ", after.PID)
				if r.Exit != 0 || !strings.HasPrefix(r.Stdout, want) || after.PID == before.PID {
					t.Errorf("restart of pid %d: exit %d, %q; status now pid %d", before.PID, r.Exit, r.Stdout, after.PID)
				}
			}
		})
	}
}
