package runsv

import (
	"bytes"
	"strconv"
	"time"

	"github.com/gorunit/gorunit/internal/cname"
	"golang.org/x/sys/unix"
)

// A runsv killed with SIGKILL leaves its children running: the service
// (now a child of init) and its log, still reading the old pipe. runit
// 2.1.2's runsv starts a second copy next to them when it is started
// again (by runsvdir, or by hand). gorunit's runsv, once it holds the
// lock (so no other runsv owns the directory), stops such leftovers
// first: the service with TERM and CONT, as sv down would, then KILL after
// a bound; the log is given time to read the old pipe to its end, so no
// line the old service wrote is lost, and only then asked to stop.
//
// A pid read from supervise/pid is taken for a leftover only when that
// process started within orphanSlack of the pid file being written (runsv
// writes it right after the fork): after a reboot, or once pids have
// wrapped, the same number belongs to an unrelated process, which started
// long after the file was written.
const (
	orphanSlack    = 2 * time.Second
	orphanTermWait = 7 * time.Second // sv's default wait
	orphanLogWait  = 5 * time.Second // for the log to drain the old pipe
	orphanKillWait = 3 * time.Second
)

// stopOrphans stops what an earlier runsv of this directory left running.
// It must run after the locks are taken and before the first status write
// replaces the pid files.
func (r *runsv) stopOrphans() {
	svc := leftover("supervise/pid")
	var log int
	if r.haslog {
		log = leftover("log/supervise/pid")
	}
	if svc > 0 {
		r.warnx("stopping pid ", strconv.Itoa(svc), " left running by an earlier runsv")
		unix.Kill(svc, unix.SIGTERM)
		unix.Kill(svc, unix.SIGCONT)
		if !waitGone(svc, orphanTermWait) {
			unix.Kill(svc, unix.SIGKILL)
			waitGone(svc, orphanKillWait)
		}
	}
	if log > 0 {
		// With the service gone, nothing writes to the old pipe any more:
		// the log reads it to the end and exits by itself.
		if waitGone(log, orphanLogWait) {
			return
		}
		r.warnx("stopping log pid ", strconv.Itoa(log), " left running by an earlier runsv")
		unix.Kill(log, unix.SIGTERM)
		unix.Kill(log, unix.SIGCONT)
		if !waitGone(log, orphanKillWait) {
			unix.Kill(log, unix.SIGKILL)
			waitGone(log, orphanKillWait)
		}
	}
}

// leftover returns the pid in pidfile if that process is alive and
// started when the file was written, else 0.
func leftover(pidfile string) int {
	b, err := cname.ReadFile(cname.CWD, cname.Make(pidfile))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || pid <= 1 || pid == unix.Getpid() {
		return 0
	}
	var st unix.Stat_t
	if unix.Stat(pidfile, &st) != nil {
		return 0
	}
	written := time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec))
	started, ok := procStart(pid)
	if !ok {
		return 0
	}
	if d := started.Sub(written); d > orphanSlack || d < -orphanSlack {
		return 0
	}
	return pid
}

// waitGone polls until pid has exited (or is a zombie) or d has passed,
// and reports whether it is gone.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if _, ok := procStart(pid); !ok {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		sleep(20 * time.Millisecond) // nanosleep: a Go timer would start the netpoller
	}
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's start time: 100 on
// every architecture Linux runs gorunit on.
const clockTicks = 100

// procStart is when pid started, from /proc; ok is false when there is no
// such process or it is a zombie.
func procStart(pid int) (time.Time, bool) {
	b, err := cname.ReadFile(cname.CWD, cname.Make("/proc/"+strconv.Itoa(pid)+"/stat"))
	if err != nil {
		return time.Time{}, false
	}
	// The command name (field 2) may hold spaces and parentheses: the
	// fields after it start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return time.Time{}, false
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state), so field 22 (starttime) is f[19].
	if len(f) < 20 || f[0][0] == 'Z' || f[0][0] == 'X' {
		return time.Time{}, false
	}
	ticks, err := strconv.ParseUint(string(f[19]), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	boot, ok := bootTime()
	if !ok {
		return time.Time{}, false
	}
	return boot.Add(time.Duration(ticks) * time.Second / clockTicks), true
}

// bootTime is btime from /proc/stat.
func bootTime() (time.Time, bool) {
	b, err := cname.ReadFile(cname.CWD, cname.Make("/proc/stat"))
	if err != nil {
		return time.Time{}, false
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			s, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
			return time.Unix(s, 0), err == nil
		}
	}
	return time.Time{}, false
}
