package sv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
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
			if err == nil && (st.PID != 0 || st.State != supervise.Down) {
				err = fmt.Errorf("not down: %+v", st)
			}
			return err
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

// settle waits until every service's status is more than a second old,
// so that no runsv is in its restart throttle and no status was written
// in the second an sv starts: C sv would race with runsv then (it checks
// right after writing and can see the status from before the command).
func settle(t *testing.T, w *world, services []string) {
	t.Helper()
	for _, name := range services {
		for _, d := range []string{"svdir/" + name, "svdir/" + name + "/log"} {
			sup := w.path(d + "/supervise")
			if supervise.ProbeOK(sup) != nil {
				continue
			}
			svtest.WaitFor(t, 20*time.Second, func() error {
				st, err := supervise.ReadStatus(sup)
				if err != nil {
					return err
				}
				if age := time.Since(st.Stamp.Time()); age < 1100*time.Millisecond {
					return fmt.Errorf("%s: status only %v old", d, age)
				}
				return nil
			})
		}
	}
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
		name:     "basic",
		setup:    service("x", sleeper),
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
			step("-w", "5", "shutdown", "x"),
			step("-w", "5", "shutdown", "y"),
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
			step("-w", "1", "restart", "x"),
			step("-v", "down", "x"),
			step("check", "x"),
		},
	},
	{
		name:     "force",
		setup:    service("x", "#!/bin/sh\ntrap '' TERM\nexec sleep 1000\n"),
		services: []string{"x"},
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
		if st.before != nil {
			st.before(t, w)
		}
		got := w.run(p.sv, st.inv).masked(true)
		gname := fmt.Sprintf("live-%s-%02d", sc.name, i+1)
		if write {
			golden(t, gname, st.inv, got)
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
