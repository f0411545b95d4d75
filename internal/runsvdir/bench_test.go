package runsvdir

// Benchmarks side by side with Debian's C runsvdir, in the same run. Both
// runsvdirs start the same runsv (Debian's C runsv, or the fake runsv of
// helper_test.go), so the figures compare runsvdir alone. Run:
//
//	RUNIT_REF=$PWD/build/runit-ref/bin go test -run '^$' -bench 'Pickup|Remove' -benchtime=20x ./internal/runsvdir/
//	RUNIT_REF=$PWD/build/runit-ref/bin go test -run '^$' -bench 'Startup' -benchtime=6x ./internal/runsvdir/
//	RUNIT_REF=$PWD/build/runit-ref/bin go test -run '^$' -bench 'Idle' -benchtime=1x -count=2 ./internal/runsvdir/
//
// (BenchmarkIdleCPU ignores b.N.)

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/svtest"
	"golang.org/x/sys/unix"
)

// impls are the runsvdirs compared: name and binary.
func impls(b *testing.B) [][2]string {
	ref := svtest.RunitRef(b)
	box := svtest.Box(b)
	return [][2]string{{"C", filepath.Join(ref, "runsvdir")}, {"gorunit", filepath.Join(box, "runsvdir")}}
}

// fifo is a named pipe the benchmark holds open for reading and writing,
// so writers never block and the reader never sees EOF. Lines arrive on
// c with the time they were read.
type fifo struct {
	path string
	c    chan stamped
}

type stamped struct {
	line string
	at   time.Time
}

func newFIFO(b *testing.B, dir string) *fifo {
	p := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(p, 0o600); err != nil {
		b.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	ff := &fifo{path: p, c: make(chan stamped, 4096)}
	go func() {
		r := bufio.NewReader(f)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			ff.c <- stamped{strings.TrimSpace(l), time.Now()}
		}
	}()
	return ff
}

// next waits for the next line.
func (f *fifo) next(b *testing.B) stamped {
	select {
	case s := <-f.c:
		return s
	case <-time.After(60 * time.Second):
		b.Fatal("nothing on the fifo for 60 s")
		return stamped{}
	}
}

// await reads lines until one equals want.
func (f *fifo) await(b *testing.B, want string) time.Time {
	for {
		if s := f.next(b); s.line == want {
			return s.at
		}
	}
}

// idleGap lets runsvdir go idle between trials: C runsvdir polls every
// second for a while after a change and every 5 seconds once idle, which
// is the state a new service usually meets. The jitter spreads trials
// over C's poll phase.
func idleGap(i int) time.Duration {
	return 2*time.Second + time.Duration(i*337%1000)*time.Millisecond
}

func reportDurations(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(ds[len(ds)/2]), "median-ms")
	b.ReportMetric(ms(ds[len(ds)-1]), "max-ms")
	b.ReportMetric(0, "ns/op")
}

// stopAll HUPs runsvdir and waits until every process carrying marker
// in its environment has gone.
func stopAll(b *testing.B, d *daemonProc, marker string) {
	d.p.Signal(unix.SIGHUP)
	d.wait(30 * time.Second)
	svtest.WaitFor(b, 120*time.Second, func() error {
		if n := countMarked(marker); n > 0 {
			return fmt.Errorf("%d processes left", n)
		}
		return nil
	})
}

// countMarked counts live processes whose environment holds marker.
func countMarked(marker string) int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || !strings.Contains(string(env), marker) {
			continue
		}
		if pid, _ := strconv.Atoi(e.Name()); alive(pid) {
			n++
		}
	}
	return n
}

// BenchmarkPickup: from ln -s of a service into dir to its ./run
// executing, with Debian's runsv, and gorunit's runsvdir with gorunit's
// runsv. b.N trials.
func BenchmarkPickup(b *testing.B) {
	ref := svtest.RunitRef(b)
	box := svtest.Box(b)
	for _, im := range [][3]string{
		{"C", filepath.Join(ref, "runsvdir"), ref},
		{"gorunit", filepath.Join(box, "runsvdir"), ref},
		{"gorunit-runsv", filepath.Join(box, "runsvdir"), box},
	} {
		b.Run(im[0], func(b *testing.B) {
			dir := b.TempDir()
			svdir, defs := filepath.Join(dir, "service"), filepath.Join(dir, "sv")
			os.Mkdir(svdir, 0o755)
			ff := newFIFO(b, dir)
			for i := range b.N {
				svtest.WriteScript(b, filepath.Join(defs, fmt.Sprint("s", i), "run"),
					fmt.Sprintf("#!/bin/sh\necho ran%d >%s\nexec sleep 3600\n", i, ff.path))
			}
			marker := "RUNSVDIR_BENCH=" + filepath.Base(dir)
			env := append(svtest.PathWith(im[2]), marker)
			d := startDaemon(b, dir, env, im[1], svdir)
			defer stopAll(b, d, marker)
			var ds []time.Duration
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				time.Sleep(idleGap(i))
				b.StartTimer()
				t0 := time.Now()
				if err := os.Symlink(filepath.Join(defs, fmt.Sprint("s", i)), filepath.Join(svdir, fmt.Sprint("s", i))); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, ff.await(b, fmt.Sprint("ran", i)).Sub(t0))
			}
			b.StopTimer()
			reportDurations(b, ds)
		})
	}
}

// BenchmarkRemove: from rm of a service's link to its runsv receiving
// TERM (the fake runsv reports it). b.N trials.
func BenchmarkRemove(b *testing.B) {
	exe, _ := os.Executable()
	for _, im := range impls(b) {
		b.Run(im[0], func(b *testing.B) {
			dir := b.TempDir()
			svdir, defs, bin := filepath.Join(dir, "service"), filepath.Join(dir, "sv"), filepath.Join(dir, "bin")
			for _, d := range []string{svdir, defs, bin} {
				os.Mkdir(d, 0o755)
			}
			os.Symlink(exe, filepath.Join(bin, "runsv"))
			ff := newFIFO(b, dir)
			marker := "RUNSVDIR_BENCH=" + filepath.Base(dir)
			env := append(svtest.PathWith(bin), marker, helperEnv+"=1", "FAKE_FIFO="+ff.path)
			d := startDaemon(b, dir, env, im[1], svdir)
			defer stopAll(b, d, marker)
			var ds []time.Duration
			b.ResetTimer()
			for i := range b.N {
				name := fmt.Sprint("s", i)
				os.Mkdir(filepath.Join(defs, name), 0o755)
				link := filepath.Join(svdir, name)
				if err := os.Symlink(filepath.Join(defs, name), link); err != nil {
					b.Fatal(err)
				}
				for !strings.HasPrefix(ff.next(b).line, "start "+name+" ") {
				}
				b.StopTimer()
				time.Sleep(idleGap(i))
				b.StartTimer()
				t0 := time.Now()
				os.Remove(link)
				for {
					s := ff.next(b)
					if strings.HasPrefix(s.line, "term "+name+" ") {
						ds = append(ds, s.at.Sub(t0))
						break
					}
				}
			}
			b.StopTimer()
			reportDurations(b, ds)
		})
	}
}

// BenchmarkStartup1000: runsvdir started on 1000 services, each with a
// log service (Debian's svlogd) and runsvdir's log argument, until every
// ./run has executed, with Debian's runsv. Each of the b.N rounds runs
// both runsvdirs one after the other, alternating which goes first, so
// that the load of a shared machine drifts over both alike; the medians
// are reported.
func BenchmarkStartup1000(b *testing.B) {
	ref := svtest.RunitRef(b)
	dir := b.TempDir()
	svdir := filepath.Join(dir, "service")
	ff := newFIFO(b, dir)
	for i := range MaxServices {
		s := filepath.Join(svdir, fmt.Sprintf("s%04d", i))
		svtest.WriteScript(b, filepath.Join(s, "run"), "#!/bin/sh\necho ran >"+ff.path+"\nexec sleep 3600\n")
		svtest.WriteScript(b, filepath.Join(s, "log", "run"), "#!/bin/sh\nexec svlogd ./main\n")
		os.Mkdir(filepath.Join(s, "log", "main"), 0o755)
	}
	ims := impls(b)
	times := map[string][]time.Duration{}
	rss := map[string]int{}
	for round := range b.N {
		for k := range ims {
			im := ims[(k+round)%len(ims)]
			marker := fmt.Sprintf("RUNSVDIR_BENCH=%s-%s-%d", filepath.Base(dir), im[0], round)
			env := append(svtest.PathWith(ref), marker)
			t0 := time.Now()
			d := startDaemon(b, dir, env, im[1], svdir, "log: "+strings.Repeat(".", 400))
			var last time.Time
			for range MaxServices {
				last = ff.await(b, "ran")
			}
			times[im[0]] = append(times[im[0]], last.Sub(t0))
			b.Logf("round %d %s: %v", round, im[0], last.Sub(t0))
			rss[im[0]] = vmRSS(d.p.Pid)
			stopAll(b, d, marker)
		}
	}
	for _, im := range ims {
		ds := times[im[0]]
		slices.Sort(ds)
		b.ReportMetric(float64(ds[len(ds)/2])/1e6, "median-ms-"+im[0])
		b.ReportMetric(float64(rss[im[0]]), "rss-kB-"+im[0])
	}
	b.ReportMetric(0, "ns/op")
}

// BenchmarkIdleCPU: runsvdir's own CPU time (schedstat, all threads)
// with 20 services running and nothing changing, both runsvdirs side by
// side over the same 130 s (longer than gorunit's 60-s fallback check and
// Go's 2-minute forced GC). Reported per second of wall time.
func BenchmarkIdleCPU(b *testing.B) {
	ref := svtest.RunitRef(b)
	type run struct {
		name string
		d    *daemonProc
		c0   int64
	}
	var runs []*run
	for _, im := range impls(b) {
		dir := b.TempDir()
		svdir := filepath.Join(dir, "service")
		ff := newFIFO(b, dir)
		for i := range 20 {
			svtest.WriteScript(b, filepath.Join(svdir, fmt.Sprint("s", i), "run"),
				"#!/bin/sh\necho ran >"+ff.path+"\nexec sleep 3600\n")
		}
		marker := "RUNSVDIR_BENCH=" + filepath.Base(dir)
		d := startDaemon(b, dir, append(svtest.PathWith(ref), marker), im[1], svdir)
		defer stopAll(b, d, marker)
		for range 20 {
			ff.await(b, "ran")
		}
		runs = append(runs, &run{name: im[0], d: d})
	}
	time.Sleep(3 * time.Second) // let start-up scans settle (C rescans 1 s after starting)
	for _, r := range runs {
		r.c0 = cpuNs(r.d.p.Pid)
	}
	const window = 130 * time.Second
	time.Sleep(window)
	for _, r := range runs {
		b.ReportMetric(float64(cpuNs(r.d.p.Pid)-r.c0)/window.Seconds()/1e3, "cpu-us/s-"+r.name)
		b.ReportMetric(float64(vmRSS(r.d.p.Pid)), "rss-kB-"+r.name)
	}
	b.ReportMetric(0, "ns/op")
}

// cpuNs is the time pid has spent on a CPU, all threads (schedstat).
func cpuNs(pid int) int64 {
	var total int64
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, e := range ents {
		bs, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, e.Name()))
		if err != nil {
			continue
		}
		f := strings.Fields(string(bs))
		if len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			total += n
		}
	}
	return total
}

// vmRSS is pid's resident set in kB.
func vmRSS(pid int) int {
	bs, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(bs), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}
