//go:build faulttest

package faulttest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
)

// rig is one scenario's world: a temp root, a service directory for
// runsvdir, the box on PATH, and a cleanup that SIGKILLs every process the
// scenario left behind. Everything the suite starts (runsvdir, runsv,
// services, svlogd) runs with its cwd under root, so the cleanup finds
// them by their /proc/PID/cwd and kills them by PID, never by name.
type rig struct {
	t    *testing.T
	root string // temp root
	sv   string // runsvdir's directory
	box  string // the multi-call binary's directory
	env  []string
	bin  string // this test binary (the helper services)
	rsd  *proc
	// every is the writer's pause between lines (default 5ms).
	every string
}

// proc is a child of the test whose stdout and stderr go to a file (real
// fds: a pipe would keep exec.Cmd.Wait waiting for every orphan holding
// it). It is SIGKILLed at cleanup; the rest goes with killUnder.
type proc struct {
	cmd  *exec.Cmd
	out  string
	done chan struct{}
}

func (r *rig) start(name, dir string, env []string, argv ...string) *proc {
	r.t.Helper()
	return r.startStdin(name, dir, env, nil, argv...)
}

// startStdin is start with stdin from f (nil: /dev/null).
func (r *rig) startStdin(name, dir string, env []string, in *os.File, argv ...string) *proc {
	r.t.Helper()
	out := filepath.Join(r.root, name+".out")
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, f, f
	if in != nil {
		cmd.Stdin = in
	}
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start %v: %v", argv, err)
	}
	p := &proc{cmd: cmd, out: out, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	r.t.Cleanup(func() { cmd.Process.Kill(); <-p.done })
	return p
}

// output is what the process (and its children sharing the file) wrote.
func (p *proc) output() string {
	b, _ := os.ReadFile(p.out)
	return string(b)
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) wait(d time.Duration) (int, error) {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode(), nil
	case <-time.After(d):
		return 0, fmt.Errorf("pid %d still running after %v", p.pid(), d)
	}
}

func newRig(t *testing.T) *rig {
	t.Helper()
	reportFailure(t)
	box := svtest.Box(t)
	if os.Getenv("FAULTTEST_IMPL") == "runit" {
		// The same scenarios against Debian's C runit, for comparison.
		box = svtest.RunitRef(t)
	}
	root := t.TempDir()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, root: root, sv: filepath.Join(root, "service"), box: box,
		env: svtest.PathWith(box), bin: bin}
	if err := os.Mkdir(r.sv, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killUnder(t, root) })
	return r
}

// procsUnder returns the live (non-zombie) processes whose cwd is under dir.
func procsUnder(dir string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd")
		if err != nil || (cwd != dir && !strings.HasPrefix(cwd, dir+"/")) {
			continue
		}
		if alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killUnder SIGKILLs every process the scenario started (cwd under root)
// until none is left.
func killUnder(t *testing.T, root string) {
	for i := 0; i < 200; i++ {
		pids := procsUnder(root)
		if len(pids) == 0 {
			return
		}
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("processes still alive under %s: %v", root, procsUnder(root))
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}

// script writes an executable file.
func (r *rig) script(path, body string) {
	r.t.Helper()
	svtest.WriteScript(r.t, path, body)
}

// addWriter creates service NAME: a writer printing numbered lines, with a
// log service running svlogd into log/main with the given config. logRun
// replaces the log/run script when non-empty.
func (r *rig) addWriter(name, config, logRun string) string {
	r.t.Helper()
	dir := filepath.Join(r.sv, name)
	for _, d := range []string{dir + "/sent", dir + "/log/main"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			r.t.Fatal(err)
		}
	}
	every := r.every
	if every == "" {
		every = "5ms"
	}
	r.script(dir+"/run", fmt.Sprintf("#!/bin/sh\nexport %s=writer\nexec %s %s/sent %s\n", helperEnv, r.bin, dir, every))
	if logRun == "" {
		logRun = "#!/bin/sh\nexec svlogd main\n"
	}
	r.script(dir+"/log/run", logRun)
	if err := os.WriteFile(dir+"/log/main/config", []byte(config), 0o644); err != nil {
		r.t.Fatal(err)
	}
	return dir
}

// startRunsvdir starts runsvdir on r.sv with the box first on PATH.
func (r *rig) startRunsvdir() *proc {
	r.t.Helper()
	r.rsd = r.start("runsvdir", r.sv, r.env, filepath.Join(r.box, "runsvdir"), "-P", r.sv)
	return r.rsd
}

// pid reads the pid file of the service (or its log), 0 if none.
func pidFile(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "supervise/pid"))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// upPid is the pid supervise/status gives for a running service, 0 if the
// status does not say run. runsv writes pid, stat, then status, so a pid
// file alone may be ahead of what sv status would print.
func upPid(dir string) int {
	st, err := supervise.ReadStatus(filepath.Join(dir, "supervise"))
	if err != nil || st.State != supervise.Run {
		return 0
	}
	return st.PID
}

// waitRunning waits until the service and its log are running by their
// status files and returns their pids.
func (r *rig) waitRunning(dir string, d time.Duration) (svc, log int) {
	r.t.Helper()
	svtest.WaitFor(r.t, d, func() error {
		svc, log = upPid(dir), upPid(dir+"/log")
		if svc == 0 || !alive(svc) || log == 0 || !alive(log) {
			return fmt.Errorf("%s: service pid %d, log pid %d not both running", dir, svc, log)
		}
		return nil
	})
	return
}

// writers returns the live writer processes of a service (from sent/).
func writers(dir string) []int {
	ents, _ := os.ReadDir(dir + "/sent")
	var live []int
	for _, e := range ents {
		pid, _ := strconv.Atoi(e.Name())
		if pid > 0 && alive(pid) {
			live = append(live, pid)
		}
	}
	return live
}

// sentCounts is what every writer incarnation reports it wrote.
func sentCounts(dir string) map[int]int {
	ents, _ := os.ReadDir(dir + "/sent")
	m := map[int]int{}
	for _, e := range ents {
		pid, _ := strconv.Atoi(e.Name())
		b, _ := os.ReadFile(filepath.Join(dir, "sent", e.Name()))
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		m[pid] = n
	}
	return m
}

// logLines parses every "PID N" line of current and the rotated files of
// logdir, oldest first.
type tally struct {
	seen  map[int]map[int]int // pid -> n -> times
	lines int
	bad   int // lines that are not "PID N"
	files int
}

func readLog(logdir string) tally {
	ents, _ := os.ReadDir(logdir)
	var names []string
	for _, e := range ents {
		if n := e.Name(); strings.HasPrefix(n, "@") || n == "current" {
			names = append(names, n)
		}
	}
	sort.Strings(names) // @… sort before current, oldest first
	tl := tally{seen: map[int]map[int]int{}, files: len(names)}
	for _, n := range names {
		b, _ := os.ReadFile(filepath.Join(logdir, n))
		for _, l := range strings.Split(string(b), "\n") {
			if l == "" {
				continue
			}
			tl.lines++
			f := strings.Fields(l)
			if len(f) != 2 {
				tl.bad++
				continue
			}
			pid, e1 := strconv.Atoi(f[0])
			k, e2 := strconv.Atoi(f[1])
			if e1 != nil || e2 != nil {
				tl.bad++
				continue
			}
			if tl.seen[pid] == nil {
				tl.seen[pid] = map[int]int{}
			}
			tl.seen[pid][k]++
		}
	}
	return tl
}

// checkLog compares the log with what the writers sent: every incarnation
// has its lines from lo (1 unless deletion is allowed) up to at least what
// it sent, each exactly once, with no gap. It returns the number of lines.
func checkLog(dir, logdir string, prefixMayGo bool) (int, error) {
	tl := readLog(logdir)
	if tl.bad > 0 {
		return tl.lines, fmt.Errorf("%d malformed lines in %s", tl.bad, logdir)
	}
	for pid, sent := range sentCounts(dir) {
		got := tl.seen[pid]
		if sent == 0 {
			continue
		}
		if len(got) == 0 {
			if prefixMayGo {
				continue
			}
			return tl.lines, fmt.Errorf("writer %d sent %d lines, none logged", pid, sent)
		}
		lo, hi := 1<<62, 0
		for k, c := range got {
			if c != 1 {
				return tl.lines, fmt.Errorf("writer %d line %d logged %d times", pid, k, c)
			}
			lo, hi = min(lo, k), max(hi, k)
		}
		if !prefixMayGo && lo != 1 {
			return tl.lines, fmt.Errorf("writer %d: lines 1..%d missing", pid, lo-1)
		}
		if hi < sent {
			return tl.lines, fmt.Errorf("writer %d sent %d lines, last logged is %d", pid, sent, hi)
		}
		if len(got) != hi-lo+1 {
			return tl.lines, fmt.Errorf("writer %d: %d of lines %d..%d logged (gap)", pid, len(got), lo, hi)
		}
	}
	return tl.lines, nil
}

// run runs a command from the box (or any path) and returns its output.
func (r *rig) run(dir string, argv ...string) (stdout, stderr string, code int) {
	return runEnv(dir, r.env, argv...)
}

func runEnv(dir string, env []string, argv ...string) (stdout, stderr string, code int) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && cmd.ProcessState == nil {
		code = -2
		e.WriteString(err.Error())
	}
	return o.String(), e.String(), code
}

// sv runs the box's sv.
func (r *rig) sv_(args ...string) (string, string, int) {
	return r.run(r.sv, append([]string{filepath.Join(r.box, "sv")}, args...)...)
}

// growing waits until the service's log has more lines than before.
func (r *rig) growing(dir string, d time.Duration) error {
	before := readLog(dir + "/log/main").lines
	return svtest.Poll(d, func() error {
		if n := readLog(dir + "/log/main").lines; n <= before+20 {
			return fmt.Errorf("log of %s not growing: %d lines, was %d", dir, n, before)
		}
		return nil
	})
}

// cpuTicks is utime+stime of pid in clock ticks.
func cpuTicks(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+2:]))
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return u + s
}

// pss is the proportional set size of pid in kB (smaps_rollup).
func pss(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Pss:") {
			n, _ := strconv.Atoi(strings.Fields(l)[1])
			return n
		}
	}
	return 0
}

// comm is the command name of pid.
func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

// argv0 is the basename of pid's argv[0] (comm can be "exe" when a tool
// was started through /proc/self/exe).
func argv0(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return filepath.Base(string(b))
}

// panicked reports Go panic traces in a tool's stderr.
func panicked(s string) bool {
	return strings.Contains(s, "panic:") || strings.Contains(s, "goroutine ")
}

// kill9 SIGKILLs pid, refusing anything that is not a single process
// (kill(0) or kill(-1) would hit the test itself).
func kill9(t *testing.T, pid int) {
	t.Helper()
	if pid <= 1 {
		t.Fatalf("refusing to kill pid %d", pid)
	}
	syscall.Kill(pid, syscall.SIGKILL)
}

// runsvOf finds the runsv process supervising dir (cwd == dir).
func runsvOf(dir string) int {
	for _, p := range procsUnder(dir) {
		if argv0(p) == "runsv" {
			if cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", p)); cwd == dir {
				return p
			}
		}
	}
	return 0
}

// tail is the end of a long output, for failure messages.
func tail(s string) string {
	if len(s) > 1500 {
		return "…" + s[len(s)-1500:]
	}
	return s
}

// sigIgnored reports whether pid ignores sig (SigIgn in /proc/PID/status).
func sigIgnored(pid int, sig syscall.Signal) bool {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "SigIgn:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && mask&(1<<(uint(sig)-1)) != 0
		}
	}
	return false
}
