//go:build faulttest

package faulttest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/svtest"
)

// A service that exits at once: runsv restarts it about once per second
// (its only throttle), spends little CPU doing so, and the log stays a
// list of whole lines.
func TestCrashLoop(t *testing.T) {
	t.Parallel()
	const name = "crash-loop"
	r := newRig(t)
	dir := filepath.Join(r.sv, "crash")
	r.script(dir+"/run", "#!/bin/sh\necho \"crash $$\"\necho $$ >>starts\nexit 1\n")
	r.script(dir+"/log/run", "#!/bin/sh\nexec svlogd main\n")
	os.MkdirAll(dir+"/log/main", 0o755)
	r.startRunsvdir()
	starts := func() int {
		b, _ := os.ReadFile(dir + "/starts")
		return strings.Count(string(b), "\n")
	}
	svtest.WaitFor(t, 30*time.Second, func() error {
		if starts() < 1 {
			return fmt.Errorf("not started")
		}
		return nil
	})
	runsv := runsvOf(dir)
	t0, s0, c0 := time.Now(), starts(), cpuTicks(runsv)
	// Watch for at least 5 s (this is a measurement, not a wait for an
	// event), reading the status all the while: runsv replaces it by
	// rename, so a reader never sees a torn record.
	reads, torn := 0, ""
	svtest.Poll(60*time.Second, func() error {
		if o, e, c := r.sv_("status", dir); c != 0 || e != "" || !(strings.HasPrefix(o, "run: ") || strings.HasPrefix(o, "down: ") || strings.HasPrefix(o, "finish: ")) {
			torn = fmt.Sprintf("exit %d, %q, %q", c, o, e)
		}
		reads++
		if time.Since(t0) < 5*time.Second || starts() < s0+3 {
			return fmt.Errorf("measuring")
		}
		return nil
	})
	el := time.Since(t0).Seconds()
	n := starts() - s0
	cpu := float64(cpuTicks(runsv)-c0) / 100 / el * 100 // USER_HZ is 100 on Linux
	rate := float64(n) / el
	r.sv_("-w", "20", "down", dir)
	// The log: every line is "crash PID" of a recorded start.
	b, _ := os.ReadFile(dir + "/starts")
	started := map[string]bool{}
	for _, p := range strings.Fields(string(b)) {
		started[p] = true
	}
	var logged int
	err := svtest.Poll(20*time.Second, func() error {
		cur, _ := os.ReadFile(dir + "/log/main/current")
		logged = 0
		for _, l := range strings.Split(strings.TrimSuffix(string(cur), "\n"), "\n") {
			f := strings.Fields(l)
			if len(f) != 2 || f[0] != "crash" || !started[f[1]] {
				return fmt.Errorf("unreadable log line %q", l)
			}
			logged++
		}
		if logged < len(started) {
			return fmt.Errorf("%d starts, %d logged", len(started), logged)
		}
		return nil
	})
	switch {
	case err != nil:
		fail(t, name, "%v", err)
	case torn != "":
		fail(t, name, "sv status during the loop: %s", torn)
	case float64(n) > el+2:
		fail(t, name, "%d restarts in %.1fs: throttle broken", n, el)
	case cpu > 25:
		fail(t, name, "runsv used %.1f%% CPU while restarting", cpu)
	default:
		pass(t, name, "(%.2f restarts/s over %.1fs, runsv CPU %.2f%%, %d log lines all whole; %d sv status reads meanwhile, none torn)", rate, el, cpu, logged, reads)
	}
}

// A service that ignores TERM: sv -w 3 force-stop kills it.
func TestTermIgnored(t *testing.T) {
	t.Parallel()
	const name = "term-ignored-force-stop"
	r := newRig(t)
	dir := filepath.Join(r.sv, "stubborn")
	r.script(dir+"/run", fmt.Sprintf("#!/bin/sh\nexport %s=ignoreterm\nexec %s\n", helperEnv, r.bin))
	r.startRunsvdir()
	var pid int
	svtest.WaitFor(t, 30*time.Second, func() error {
		if pid = pidFile(dir); pid == 0 || !alive(pid) {
			return fmt.Errorf("not running")
		}
		// The helper must have set its disposition before we TERM it.
		if !sigIgnored(pid, syscall.SIGTERM) {
			return fmt.Errorf("TERM not ignored yet")
		}
		return nil
	})
	t0 := time.Now()
	out, errOut, code := r.sv_("-w", "3", "force-stop", dir)
	took := time.Since(t0)
	if !strings.HasPrefix(out, "kill: run: "+dir+": (pid "+strconv.Itoa(pid)+") ") || code != 1 || panicked(errOut) {
		fail(t, name, "sv force-stop: exit %d, stdout %q, stderr %q", code, out, errOut)
		return
	}
	err := svtest.Poll(20*time.Second, func() error {
		if alive(pid) {
			return fmt.Errorf("pid %d still alive", pid)
		}
		if st, _, _ := r.sv_("status", dir); !strings.HasPrefix(st, "down: ") {
			return fmt.Errorf("status %q", st)
		}
		return nil
	})
	if err != nil {
		fail(t, name, "%v", err)
		return
	}
	pass(t, name, "(sv -w 3 force-stop printed kill:, exit 1, took %v; service killed, down)", took.Round(10*time.Millisecond))
}

// gorunit's runsv re-executes itself through /proc/self/exe to set
// GOMAXPROCS/GOGC; the kernel then names the process "exe", so ps -C
// runsv, pgrep -x runsv, pidof runsv and the init script's
// runsv_children (which matches "(runsv)" in /proc/PID/stat) miss it.
func TestRunsvProcessName(t *testing.T) {
	t.Parallel()
	const name = "runsv-process-name"
	r := newRig(t)
	dir := filepath.Join(r.sv, "a")
	r.script(dir+"/run", "#!/bin/sh\nexec sleep 1000\n")
	r.startRunsvdir()
	var p int
	svtest.WaitFor(t, 30*time.Second, func() error {
		if p = runsvOf(dir); p == 0 || pidFile(dir) == 0 {
			return fmt.Errorf("no runsv")
		}
		return nil
	})
	if c := comm(p); c != "runsv" {
		knownBug(t, name, "runsv's /proc/PID/comm is %q, not \"runsv\" (ps -C runsv, pidof, pgrep -x and initscripts/gorunit runsv_children miss it): "+
			"internal/runsv/goruntime.go tuneRuntime re-executes via unix.Exec(\"/proc/self/exe\", …); fix: prctl(PR_SET_NAME, basename(argv[0])) after the re-exec, or exec the argv[0] path", c)
	}
	pass(t, name, "(comm %q)", comm(p))
}

// The log disk fills up: with N set svlogd deletes the oldest files down
// to N; with nothing left to delete it pauses, and resumes when space
// comes back, with every line it did not delete by its own rule.
func TestLogDiskFull(t *testing.T) {
	t.Parallel()
	const name = "log-disk-full"
	r := newRig(t)
	r.every = "1ms"
	dir := r.addWriter("w", "", "")
	logdir := dir + "/log/main"
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=96k,mode=0755", "tmpfs", logdir).CombinedOutput(); err != nil {
		skip(t, name, "cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() {
		killUnder(t, r.root)
		if out, err := exec.Command("umount", logdir).CombinedOutput(); err != nil {
			t.Logf("umount: %v %s; lazy", err, out)
			exec.Command("umount", "-l", logdir).Run()
		}
	})
	os.WriteFile(logdir+"/config", []byte("s4096\nn100\nN3\n"), 0o644)
	r.startRunsvdir()
	r.waitRunning(dir, 30*time.Second)
	// Phase 1: the disk fills, svlogd deletes the oldest files.
	err := svtest.Poll(120*time.Second, func() error {
		if c := strings.Count(r.rsd.output(), "out of disk space, delete: "); c < 3 {
			return fmt.Errorf("%d deletions so far", c)
		}
		return nil
	})
	if err != nil {
		fail(t, name, "no deletion when full: %v\n%s", err, tail(r.rsd.output()))
		return
	}
	// Phase 2: svlogd may no longer delete (N = n): it pauses.
	os.WriteFile(logdir+"/config", []byte("s4096\nn100\nN100\n"), 0o644)
	r.sv_("hup", dir+"/log")
	err = svtest.Poll(60*time.Second, func() error {
		if !strings.Contains(r.rsd.output(), "svlogd: pausing: unable to write to current: main: ") {
			return fmt.Errorf("no pause")
		}
		return nil
	})
	if err != nil {
		fail(t, name, "%v\n%s", err, tail(r.rsd.output()))
		return
	}
	old := 0
	ents, _ := os.ReadDir(logdir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "@") {
			old++
		}
	}
	// Phase 3: space comes back; svlogd resumes.
	if out, err := exec.Command("mount", "-o", "remount,size=4m", logdir).CombinedOutput(); err != nil {
		fail(t, name, "remount: %v %s", err, out)
		return
	}
	if err := r.growing(dir, 60*time.Second); err != nil {
		fail(t, name, "not resumed: %v", err)
		return
	}
	n, err := r.drainTo(dir, logdir, true)
	if err != nil {
		fail(t, name, "%v", err)
		return
	}
	var sent int
	for _, s := range sentCounts(dir) {
		sent += s
	}
	dels := strings.Count(r.rsd.output(), "out of disk space, delete: ")
	pauses := strings.Count(r.rsd.output(), "svlogd: pausing: ")
	pass(t, name, "(96k tmpfs: %d files deleted by the N rule, then N=n: %d pauses with %d old files; remounted 4m: resumed; %d of %d lines kept, the rest deleted oldest-first, none lost or doubled)",
		dels, pauses, old, n, sent)
}

// nServices is FAULTTEST_SERVICES or 1000.
func nServices() int {
	if n, err := strconv.Atoi(os.Getenv("FAULTTEST_SERVICES")); err == nil && n > 0 {
		return n
	}
	return 1000
}

// 1000 services, each with a log, under one runsvdir.
func TestManyServices(t *testing.T) {
	const name = "1000-services"
	n := nServices()
	r := newRig(t)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("s%04d", i)
		d := filepath.Join(r.sv, names[i])
		os.MkdirAll(d+"/log/main", 0o755)
		os.WriteFile(d+"/run", []byte("#!/bin/sh\nexec sleep 100000\n"), 0o755)
		os.WriteFile(d+"/log/run", []byte("#!/bin/sh\nexec svlogd main\n"), 0o755)
	}
	t0 := time.Now()
	r.startRunsvdir()
	err := svtest.Poll(240*time.Second, func() error {
		for _, s := range names {
			d := filepath.Join(r.sv, s)
			if pidFile(d) == 0 || pidFile(d+"/log") == 0 {
				return fmt.Errorf("%s not up yet", s)
			}
		}
		return nil
	})
	if err != nil {
		fail(t, name, "not all %d up after 240s: %v", n, err)
		return
	}
	up := time.Since(t0)
	// sv status over all of them.
	env := append(r.env, "SVDIR="+r.sv)
	var stTook time.Duration
	var badLines []string
	var out, errOut string
	var code int
	err = svtest.Poll(120*time.Second, func() error {
		t1 := time.Now()
		out, errOut, code = runEnv(r.sv, env, append([]string{filepath.Join(r.box, "sv"), "status"}, names...)...)
		stTook = time.Since(t1)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		badLines = nil
		for _, l := range lines {
			if !strings.HasPrefix(l, "run: ") || !strings.Contains(l, "; run: log: ") {
				badLines = append(badLines, l)
			}
		}
		if code != 0 || len(lines) != n || len(badLines) != 0 || panicked(errOut) {
			return fmt.Errorf("sv status: exit %d, %d lines, %d not running (%.300q), stderr %.200q", code, len(lines), len(badLines), badLines, errOut)
		}
		return nil
	})
	if err != nil {
		fail(t, name, "%v", err)
		return
	}
	// Memory: PSS of every runsv and svlogd (shared text counted once).
	var runsvKB, svlogdKB, nr, nl int
	for _, p := range procsUnder(r.sv) {
		switch argv0(p) {
		case "runsv":
			runsvKB += pss(p)
			nr++
		case "svlogd":
			svlogdKB += pss(p)
			nl++
		}
	}
	rsdKB := pss(r.rsd.pid())
	// HUP: runsvdir TERMs every runsv and exits 111; all of them stop.
	t2 := time.Now()
	r.rsd.cmd.Process.Signal(syscall.SIGHUP)
	code, err = r.rsd.wait(60 * time.Second)
	if err == nil && code != 111 {
		err = fmt.Errorf("runsvdir exit %d after HUP, want 111", code)
	}
	if err == nil {
		err = svtest.Poll(240*time.Second, func() error {
			if p := procsUnder(r.root); len(p) > 0 {
				return fmt.Errorf("%d processes left", len(p))
			}
			return nil
		})
	}
	if err != nil {
		fail(t, name, "HUP: %v", err)
		return
	}
	down := time.Since(t2)
	pass(t, name, "(n=%d: all up in %v; sv status over all in %v; PSS per service: runsv %d kB + svlogd %d kB (%d runsv, %d svlogd), runsvdir %d kB; HUP stopped all in %v)",
		n, up.Round(time.Millisecond), stTook.Round(time.Millisecond), runsvKB/max(n, 1), svlogdKB/max(n, 1), nr, nl, rsdKB, down.Round(time.Millisecond))
}
