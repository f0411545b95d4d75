//go:build faulttest

package faulttest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/svtest"
)

// prlimit changes a limit of a running process.
// With uid set it runs as that uid (root without CAP_SYS_RESOURCE may
// not change another uid's limits; the owner may raise its soft limit).
func prlimit(t *testing.T, pid int, limit string, uid ...string) {
	t.Helper()
	argv := []string{"prlimit", "--pid", fmt.Sprint(pid), limit}
	if len(uid) > 0 {
		argv = append([]string{"setpriv", "--reuid=" + uid[0], "--regid=" + uid[0], "--clear-groups", "--"}, argv...)
	}
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("prlimit %s: %v %s", limit, err, out)
	}
}

// Out of file descriptors: runsvdir's limit drops to 8 while it runs. A
// new service cannot start (runsvdir or runsv warns, nothing exits), and
// it starts once the limit is raised again.
func TestOutOfFds(t *testing.T) {
	t.Parallel()
	const name = "ulimit-nofile"
	if _, err := exec.LookPath("prlimit"); err != nil {
		skip(t, name, "no prlimit")
	}
	r := newRig(t)
	a := filepath.Join(r.sv, "a")
	r.script(a+"/run", "#!/bin/sh\nexec sleep 100000\n")
	rsd := r.startRunsvdir()
	svtest.WaitFor(t, 30*time.Second, func() error {
		if pidFile(a) == 0 {
			return fmt.Errorf("a not up")
		}
		return nil
	})
	prlimit(t, rsd.pid(), "--nofile=8:1024")
	b := filepath.Join(r.sv, "b")
	r.script(b+"/run", "#!/bin/sh\nexec sleep 100000\n")
	os.Chtimes(r.sv, time.Now(), time.Now())
	err := svtest.Poll(60*time.Second, func() error {
		if !strings.Contains(rsd.output(), "cannot open more files") {
			return fmt.Errorf("no warning yet")
		}
		return nil
	})
	if err != nil {
		fail(t, name, "no \"process cannot open more files\" message with 8 fds: %s", tail(rsd.output()))
		return
	}
	if rsd.exited() || panicked(rsd.output()) {
		fail(t, name, "runsvdir exited or panicked: %s", tail(rsd.output()))
		return
	}
	prlimit(t, rsd.pid(), "--nofile=1024:1024")
	t0 := time.Now()
	err = svtest.Poll(60*time.Second, func() error {
		if p := pidFile(b); p == 0 || !alive(p) {
			return fmt.Errorf("b not up after raising the limit")
		}
		return nil
	})
	if err != nil {
		fail(t, name, "%v: %s", err, tail(rsd.output()))
		return
	}
	first := ""
	for _, l := range strings.Split(rsd.output(), "\n") {
		if strings.Contains(l, "cannot open more files") {
			first = l
			break
		}
	}
	pass(t, name, "(limit 8: %q, runsvdir kept running; limit raised: the new service up in %v)", first, time.Since(t0).Round(time.Millisecond))
}

// Out of processes. runsvdir runs as an otherwise unused uid with two
// running services; then the process limit (RLIMIT_NPROC, which counts
// every thread of the uid) of runsvdir and of each runsv is lowered while
// they run, in three phases:
//
//	A  limit 1: no clone(2) can succeed, whatever exits meanwhile. Four new
//	   services appear and one running service is killed. runsvdir must
//	   warn `unable to fork for NAME: temporary failure` and retry about
//	   once a second, as C runsvdir does; runsv p0 must warn `unable to
//	   fork, sleeping` and retry, as C runsv does.
//	B  runsvdir's limit one above the uid's task count: one fork succeeds,
//	   and a Go runsv in that one slot cannot make its first thread and
//	   aborts before main (Go cannot prevent that); runsvdir must take it
//	   as a failed start and retry. Nothing is orphaned: it forked nothing.
//	C  limits raised: all six services come up, with one runsv and one
//	   service process each.
//
// Throughout, runsvdir never exits and its thread count never changes
// (it makes every thread it needs before its first fork), and no service
// process is ever seen without its runsv (an orphan: a runsv died under
// it). The runsv side is reported on a line of its own.
func TestOutOfProcs(t *testing.T) {
	t.Parallel()
	const name, runsvName = "ulimit-nproc", "ulimit-nproc-runsv"
	for _, tool := range []string{"prlimit", "setpriv", "chown"} {
		if _, err := exec.LookPath(tool); err != nil {
			skip(t, name, "no %s", tool)
		}
	}
	if os.Geteuid() != 0 {
		skip(t, name, "needs root")
	}
	const uid = 61999
	asUID := []string{"setpriv", fmt.Sprintf("--reuid=%d", uid), fmt.Sprintf("--regid=%d", uid), "--clear-groups", "--"}
	r := newRig(t)
	openUp(t, r.root)
	os.Chmod(r.box, 0o755) // MkdirTemp made it 0700
	defs := filepath.Join(r.root, "defs")
	svc := func(i int) string { return filepath.Join(r.sv, fmt.Sprintf("p%d", i)) }
	// add writes service pI in defs, gives it to uid and moves it into
	// the service directory in one rename.
	add := func(i int) {
		d := filepath.Join(defs, fmt.Sprintf("p%d", i))
		r.script(d+"/run", "#!/bin/sh\nexec sleep 100000\n")
		if out, err := exec.Command("chown", "-R", fmt.Sprintf("%d:%d", uid, uid), d).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
		if err := os.Rename(d, svc(i)); err != nil {
			t.Fatal(err)
		}
	}
	// limit sets the soft process limit of pids, as uid (the owner may
	// move its soft limit up to the hard 1000). A pid may be gone.
	limit := func(soft int, pids ...int) {
		for _, p := range pids {
			argv := append(append([]string(nil), asUID...), "prlimit", "--pid", fmt.Sprint(p), fmt.Sprintf("--nproc=%d:1000", soft))
			exec.Command(argv[0], argv[1:]...).Run()
		}
	}
	supervisors := func() []int { // runsvdir and every runsv
		var ps []int
		for _, p := range procsUnder(r.sv) {
			if a := argv0(p); a == "runsvdir" || a == "runsv" {
				ps = append(ps, p)
			}
		}
		return ps
	}
	add(0)
	add(1)
	if out, err := exec.Command("chown", fmt.Sprintf("%d:%d", uid, uid), r.sv).CombinedOutput(); err != nil {
		skip(t, name, "chown: %v %s", err, out)
	}
	argv := append(append([]string{"prlimit", "--nproc=1000:1000", "--"}, asUID...), filepath.Join(r.box, "runsvdir"), "-P", r.sv)
	rsd := r.start("runsvdir", r.sv, r.env, argv...)
	svtest.WaitFor(t, 60*time.Second, func() error {
		for _, i := range []int{0, 1} {
			if p := pidFile(svc(i)); p == 0 || !alive(p) || runsvOf(svc(i)) == 0 {
				return fmt.Errorf("p%d not up: %s", i, tail(rsd.output()))
			}
		}
		return nil
	})
	threads0 := threadsOf(rsd.pid())
	runsv0 := []int{runsvOf(svc(0)), runsvOf(svc(1))}

	// Orphans: a service process whose parent is neither a runsv nor
	// runsvdir (a child of runsvdir not yet exec'd is runsvdir's).
	stop, orphans := make(chan struct{}), make(chan []string, 1)
	go func() {
		var seen []string
		defer func() { orphans <- seen }()
		for {
			for _, p := range procsUnder(r.sv) {
				if p == rsd.pid() || argv0(p) == "runsv" {
					continue
				}
				if pp := ppidOf(p); pp != rsd.pid() && argv0(pp) != "runsv" && alive(p) {
					seen = append(seen, fmt.Sprintf("pid %d (%s in %s, parent %d)", p, argv0(p), cwdOf(p), pp))
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
	}()

	// A: limit 1.
	limit(1, supervisors()...)
	kill9(t, pidFile(svc(0)))
	tA := time.Now()
	for i := 2; i < 6; i++ {
		add(i)
	}
	forkRE := regexp.MustCompile(`(?m)^runsvdir ` + regexp.QuoteMeta(r.sv) + `: warning: unable to fork for (p[0-9]): temporary failure$`)
	err := svtest.Poll(30*time.Second, func() error {
		if rsd.exited() {
			return nil
		}
		n := map[string]int{}
		for _, m := range forkRE.FindAllStringSubmatch(rsd.output(), -1) {
			n[m[1]]++
		}
		for _, c := range n {
			if c >= 3 && time.Since(tA) > 3*time.Second {
				return nil
			}
		}
		return fmt.Errorf("%d names warned about", len(n))
	})
	outA := rsd.output()
	if rsd.exited() {
		fail(t, name, "runsvdir exited (code %d) with every fork failing: %s", rsd.cmd.ProcessState.ExitCode(), tail(outA))
		return
	}
	if err != nil {
		fail(t, name, "no runsvdir warning `unable to fork for pN: temporary failure`, retried, within 30 s with RLIMIT_NPROC 1: %s", tail(outA))
		return
	}
	warnA := forkRE.FindAllStringSubmatch(outA, -1)
	perName := map[string]int{}
	for _, m := range warnA {
		perName[m[1]]++
	}
	windowA := time.Since(tA)
	runsvWarnRE := regexp.MustCompile(`(?m)^runsv p0: warning: unable to fork, sleeping: temporary failure$`)
	runsvWarned := runsvWarnRE.MatchString(outA)

	// B: one free slot for runsvdir.
	abortsA, _, _ := aborts(outA)
	limit(tasksOf(uid)+1, rsd.pid())
	lenA := len(outA)
	svtest.Poll(15*time.Second, func() error {
		if rsd.exited() {
			return nil
		}
		// A Go runsv aborts, a C runsv starts and cannot fork ./run.
		o := rsd.output()[lenA:]
		if _, _, before := aborts(o); before >= 2 || strings.Contains(o, ": warning: unable to fork, sleeping") {
			return nil
		}
		return fmt.Errorf("no runsv started in the free slot yet")
	})
	outB := rsd.output()[lenA:]
	if rsd.exited() {
		fail(t, name, "runsvdir exited (code %d) with one process slot free: %s", rsd.cmd.ProcessState.ExitCode(), tail(outB))
		return
	}
	abortsB, tracedB, beforeMain := aborts(outB)
	slot := "nothing started in it"
	switch {
	case abortsB > 0:
		slot = fmt.Sprintf("the Go runsv started in it aborted %d times (of %d complete traces, %d before main: no thread for the runtime) "+
			"and runsvdir started it again a second later", abortsB, tracedB, beforeMain)
	case strings.Contains(outB, ": warning: unable to fork, sleeping"):
		slot = "the runsv started in it warned `unable to fork, sleeping`"
	}

	// C: limits raised (again and again: a runsv forked just before
	// runsvdir's limit went up inherits the old one).
	tC := time.Now()
	err = svtest.Poll(60*time.Second, func() error {
		for _, p := range supervisors() {
			if nprocLimit(p) != "1000" {
				limit(1000, p)
			}
		}
		for i := 0; i < 6; i++ {
			if p := pidFile(svc(i)); p == 0 || !alive(p) {
				return fmt.Errorf("p%d not up after raising the limit", i)
			}
		}
		return nil
	})
	upIn := time.Since(tC)
	if err != nil {
		fail(t, name, "%v: %s", err, tail(rsd.output()))
		return
	}
	// One runsv and one service process each, the service a child of
	// its runsv.
	err = svtest.Poll(30*time.Second, func() error {
		for i := 0; i < 6; i++ {
			var runsvs, others []int
			for _, p := range procsUnder(svc(i)) {
				if cwdOf(p) != svc(i) {
					continue
				}
				if argv0(p) == "runsv" {
					runsvs = append(runsvs, p)
				} else {
					others = append(others, p)
				}
			}
			if len(runsvs) != 1 || len(others) != 1 || ppidOf(others[0]) != runsvs[0] {
				return fmt.Errorf("p%d: runsv %v, service processes %v", i, runsvs, others)
			}
		}
		return nil
	})
	if err != nil {
		fail(t, name, "after raising the limit: %v", err)
		return
	}
	close(stop)
	orph := <-orphans
	if rsd.exited() {
		fail(t, name, "runsvdir exited (code %d): %s", rsd.cmd.ProcessState.ExitCode(), tail(rsd.output()))
		return
	}
	if n := threadsOf(rsd.pid()); n != threads0 {
		fail(t, name, "runsvdir had %d threads before the limit and %d after", threads0, n)
		return
	}
	pass(t, name, "(runsvdir: %d threads before, during and after, never exited; limit 1: %q, %d times for p2 in %.1f s, %d for all %d services; "+
		"one slot: %s; raised: all 6 up in %v, one runsv and one service each)",
		threads0, strings.TrimPrefix(warnA[0][0], "runsvdir "+r.sv+": "), perName["p2"], windowA.Seconds(), len(warnA), len(perName),
		slot, upIn.Round(time.Millisecond))

	// The running runsv: p0 had to fork again under limit 1, p1 idled.
	var died []string
	for i, p := range runsv0 {
		if runsvOf(svc(i)) != p {
			died = append(died, fmt.Sprintf("p%d", i))
		}
	}
	if len(died) > 0 || len(orph) > 0 || !runsvWarned {
		knownBug(t, runsvName, "under RLIMIT_NPROC 1 the running runsv of %v died (%d Go runtime aborts, `failed to create new OS thread`) "+
			"instead of warning `unable to fork, sleeping` and retrying as C runsv does (warned: %v); orphans seen: %v. "+
			"runsvdir restarted it once the limit was raised. A Go runsv must make every thread it needs before it forks (internal/runsv)",
			died, abortsA, runsvWarned, orph)
	}
	pass(t, runsvName, "(runsv p0 warned %q and kept running, restarted its service once the limit was raised; no orphan)",
		runsvWarnRE.FindString(outA))
}

// aborts counts the Go runtime's "failed to create new OS thread" aborts
// in out, those whose trace is complete, and those whose trace shows the
// program's main not yet begun (goroutine 1 still in runtime.main: the
// runtime could not start its first threads).
func aborts(out string) (all, traced, beforeMain int) {
	const msg = "runtime: failed to create new OS thread"
	for _, b := range strings.Split(out, msg)[1:] {
		all++
		if strings.Contains(b, "\nruntime.main()") { // goroutine 1's last frame
			traced++
			if !strings.Contains(b, "\nmain.main()") {
				beforeMain++
			}
		}
	}
	return all, traced, beforeMain
}

// threadsOf is the number of threads of pid.
func threadsOf(pid int) int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	return len(ents)
}

// tasksOf counts the tasks (threads, zombies included) whose real uid is
// uid: what RLIMIT_NPROC is checked against.
func tasksOf(uid int) int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		var real, threads int
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Uid:"); ok {
				real, _ = strconv.Atoi(strings.Fields(v)[0])
			}
			if v, ok := strings.CutPrefix(l, "Threads:"); ok {
				threads, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		if real == uid {
			n += max(threads, 1)
		}
	}
	return n
}

// nprocLimit is pid's soft RLIMIT_NPROC as /proc/PID/limits shows it.
func nprocLimit(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Max processes"); ok {
			if f := strings.Fields(v); len(f) > 0 {
				return f[0]
			}
		}
	}
	return ""
}

// ppidOf is pid's parent (0 if unknown).
func ppidOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// cwdOf is pid's working directory.
func cwdOf(pid int) string {
	s, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	return s
}
