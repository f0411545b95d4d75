package runsv_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
)

// Benchmarks side by side with Debian's C runsv ($RUNIT_REF), measured in
// the same run; figures and commands are in docs/BENCHMARKS.md.
//
//	go test -run '^$' -bench . -benchtime 1x ./internal/runsv/

// fleet is n runsv (of one binary) on n service dirs running sleep.
type fleet struct {
	dirs  []string
	procs []*proc
}

func startFleet(b *testing.B, bin string, n int) *fleet {
	b.Helper()
	f := &fleet{}
	root := b.TempDir()
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("s%d", i))
		svtest.WriteScript(b, filepath.Join(dir, "run"), "#!/bin/sh\nexec sleep 100000\n")
		f.dirs = append(f.dirs, dir)
		f.procs = append(f.procs, startBenchProc(b, root, bin, dir))
	}
	for _, dir := range f.dirs {
		svtest.WaitFor(b, time.Minute, func() error {
			st, err := supervise.ReadStatus(filepath.Join(dir, "supervise"))
			if err != nil {
				return err
			}
			if st.State != supervise.Run || st.PID == 0 {
				return fmt.Errorf("%s not running", dir)
			}
			return nil
		})
	}
	return f
}

// startBenchProc is startProc for benchmarks: own process group, killed
// with its services when the benchmark ends.
func startBenchProc(b *testing.B, dir string, argv ...string) *proc {
	b.Helper()
	out, err := os.CreateTemp(b.TempDir(), "output")
	if err != nil {
		b.Fatal(err)
	}
	p := &proc{out: out, done: make(chan struct{})}
	attr := &os.ProcAttr{Dir: dir, Files: []*os.File{nil, out, out}, Sys: &syscall.SysProcAttr{Setpgid: true}}
	pr, err := os.StartProcess(argv[0], argv, attr)
	if err != nil {
		b.Fatal(err)
	}
	go func() { pr.Wait(); close(p.done) }()
	pid := pr.Pid
	p.pid = pid
	b.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
		}
		syscall.Kill(-pid, syscall.SIGKILL)
		<-p.done
		out.Close()
	})
	return p
}

// pss is the proportional set size of pid in kB (smaps_rollup).
func pss(pid int) (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, fmt.Errorf("no Pss in smaps_rollup of %d", pid)
}

// switches is the number of context switches of all threads of pid: each
// time a thread went to sleep and was woken up counts (voluntary), and
// each time it was preempted (nonvoluntary).
func switches(pid int) (int, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no tasks for %d: %v", pid, err)
	}
	n := 0
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			return 0, err
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "voluntary_ctxt_switches:"); ok {
				x, _ := strconv.Atoi(strings.TrimSpace(v))
				n += x
			} else if v, ok := strings.CutPrefix(l, "nonvoluntary_ctxt_switches:"); ok {
				x, _ := strconv.Atoi(strings.TrimSpace(v))
				n += x
			}
		}
	}
	return n, nil
}

// taskCount is the number of threads of pid.
func taskCount(pid int) (int, error) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	return len(ents), err
}

func (f *fleet) sum(b *testing.B, m func(int) (int, error)) int {
	total := 0
	for _, p := range f.procs {
		v, err := m(p.pid)
		if err != nil {
			b.Fatal(err)
		}
		total += v
	}
	return total
}

// idleDuration is how long BenchmarkIdle100 watches for wake-ups.
func idleDuration() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("RUNSV_BENCH_IDLE")); err == nil {
		return d
	}
	return 30 * time.Second
}

// BenchmarkIdle100 starts 100 gorunit runsv and 100 C runsv, each with a
// service running, then reports Pss per runsv (and gorunit's again at the
// end), threads per gorunit runsv, and the context switches of all runsv
// threads over 30 s of idleness (RUNSV_BENCH_IDLE).
func BenchmarkIdle100(b *testing.B) {
	ref := svtest.RunitRef(b)
	const n = 100
	for range b.N {
		c := startFleet(b, filepath.Join(ref, "runsv"), n)
		g := startFleet(b, filepath.Join(svtest.Box(b), "runsv"), n)
		// Let start-up settle (the Go runtime's sysmon backs off).
		time.Sleep(2 * time.Second)
		cPss, gPss := c.sum(b, pss), g.sum(b, pss)
		gThreads := g.sum(b, taskCount)
		c0, g0 := c.sum(b, switches), g.sum(b, switches)
		time.Sleep(idleDuration())
		c1, g1 := c.sum(b, switches), g.sum(b, switches)
		gPss1 := g.sum(b, pss)
		b.ReportMetric(float64(gPss)/n, "Pss-kB/runsv")
		b.ReportMetric(float64(cPss)/n, "C-Pss-kB/runsv")
		b.ReportMetric(float64(gPss)/float64(cPss), "Pss-ratio")
		b.ReportMetric(float64(gPss1)/n, "Pss-kB/runsv-at-end")
		b.ReportMetric(float64(gThreads)/n, "threads/runsv")
		b.ReportMetric(float64(g1-g0), "wakeups/100runsv")
		b.ReportMetric(float64(c1-c0), "C-wakeups/100runsv")
	}
}

// BenchmarkRestartAfterKill9 kills ./run (which has run over a second, so
// no throttle applies) with SIGKILL and measures until the new ./run has
// started: the new ./run writes a byte to the FIFO "ready", which the
// benchmark reads. C and gorunit alternate; medians are reported.
func BenchmarkRestartAfterKill9(b *testing.B) {
	ref := svtest.RunitRef(b)
	const rounds = 25
	type svc struct {
		dir  string
		lat  []time.Duration
		name string
	}
	var svcs []*svc
	for _, bin := range []string{filepath.Join(ref, "runsv"), filepath.Join(svtest.Box(b), "runsv")} {
		root := b.TempDir()
		dir := filepath.Join(root, "svc")
		svtest.WriteScript(b, filepath.Join(dir, "run"), "#!/bin/sh\necho >ready\nexec sleep 100000\n")
		if err := syscall.Mkfifo(filepath.Join(dir, "ready"), 0o600); err != nil {
			b.Fatal(err)
		}
		startBenchProc(b, root, bin, dir)
		svcs = append(svcs, &svc{dir: dir, name: bin})
	}
	// ready waits for a byte from the current ./run on the FIFO "ready"
	// and returns when it came and the new pid (from status, once runsv
	// has written it). A killed ./run may still hold the FIFO open for a
	// moment, so end of file just means: open it again.
	ready := func(s *svc, old int) (int, time.Time) {
		var at time.Time
		for at.IsZero() {
			f, err := os.OpenFile(filepath.Join(s.dir, "ready"), os.O_RDONLY, 0)
			if err != nil {
				b.Fatal(err)
			}
			var buf [1]byte
			if n, _ := f.Read(buf[:]); n == 1 {
				at = time.Now()
			}
			f.Close()
		}
		var pid int
		svtest.WaitFor(b, time.Minute, func() error {
			st, err := supervise.ReadStatus(filepath.Join(s.dir, "supervise"))
			if err != nil {
				return err
			}
			if st.PID == 0 || st.PID == old || st.State != supervise.Run {
				return fmt.Errorf("no new run yet")
			}
			pid = st.PID
			return nil
		})
		return pid, at
	}
	for range b.N {
		pids := make([]int, len(svcs))
		for i, s := range svcs {
			pids[i], _ = ready(s, 0)
		}
		for range rounds {
			// The throttle would add a second to a run younger than one.
			time.Sleep(1100 * time.Millisecond)
			for i, s := range svcs {
				t0 := time.Now()
				if err := syscall.Kill(pids[i], syscall.SIGKILL); err != nil {
					b.Fatal(err)
				}
				pid, at := ready(s, pids[i])
				s.lat = append(s.lat, at.Sub(t0))
				pids[i] = pid
			}
		}
	}
	median := func(d []time.Duration) float64 {
		d = slices.Clone(d)
		slices.Sort(d)
		return float64(d[len(d)/2].Microseconds()) / 1000
	}
	c, g := median(svcs[0].lat), median(svcs[1].lat)
	b.ReportMetric(g, "ms-median")
	b.ReportMetric(c, "C-ms-median")
	b.ReportMetric(g/c, "ratio")
}
