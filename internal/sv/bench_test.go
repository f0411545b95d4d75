package sv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
)

// svImpls are the sv binaries to compare: gorunit's, and C runit's when
// RUNIT_REF is set.
func svImpls(b *testing.B) map[string]string {
	impls := map[string]string{"gorunit": filepath.Join(svtest.Box(b), "sv")}
	if ref := os.Getenv("RUNIT_REF"); ref != "" {
		impls["C"] = filepath.Join(ref, "sv")
	}
	return impls
}

// BenchmarkRestart measures how soon "sv -w 7 restart x" returns after
// runsv has started ./run again (the run's stamp in supervise/status),
// reported as ms-after-up (mean; also median and max). Between iterations the service is left running
// for a second, so that runsv's restart throttle never delays it.
//
//	go test -run '^$' -bench Restart -benchtime 10x ./internal/sv
func BenchmarkRestart(b *testing.B) {
	box := svtest.Box(b)
	runsvs := map[string]string{"runsv": filepath.Join(box, "runsv")}
	if ref := os.Getenv("RUNIT_REF"); ref != "" {
		runsvs["C-runsv"] = filepath.Join(ref, "runsv")
	}
	for rname, runsv := range runsvs {
		for name, sv := range svImpls(b) {
			b.Run(name+"-sv/"+rname, func(b *testing.B) {
				dir := b.TempDir()
				svc := filepath.Join(dir, "x")
				svtest.WriteScript(b, filepath.Join(svc, "run"), sleeper)
				p := svtest.Start(b, dir, svtest.PathWith(filepath.Dir(runsv)), runsv, "x")
				sup := filepath.Join(svc, "supervise")
				b.Cleanup(func() {
					supervise.SendControl(sup, "x")
					p.Wait(10 * time.Second)
				})
				var after []time.Duration
				for b.Loop() {
					b.StopTimer()
					svtest.WaitFor(b, 20*time.Second, func() error {
						st, err := supervise.ReadStatus(sup)
						if err != nil {
							return err
						}
						if st.PID == 0 || time.Since(svtest.Time(st.Stamp)) < 1100*time.Millisecond {
							return fmt.Errorf("not up for a second: %+v", st)
						}
						return nil
					})
					cmd := exec.Command(sv, "-w", "7", "restart", "x")
					cmd.Env = []string{"SVDIR=" + dir}
					b.StartTimer()
					out, err := cmd.Output()
					done := time.Now()
					b.StopTimer()
					if err != nil {
						b.Fatalf("%v: %s", err, out)
					}
					st, err := supervise.ReadStatus(sup)
					if err != nil {
						b.Fatal(err)
					}
					after = append(after, done.Sub(svtest.Time(st.Stamp)))
					b.StartTimer()
				}
				slices.Sort(after)
				var sum time.Duration
				for _, d := range after {
					sum += d
				}
				ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
				b.ReportMetric(ms(sum)/float64(len(after)), "ms-after-up")
				b.ReportMetric(ms(after[len(after)/2]), "median-ms-after-up")
				b.ReportMetric(ms(after[len(after)-1]), "max-ms-after-up")
			})
		}
	}
}

// BenchmarkStatus runs "sv status" over 1, 100 and 1000 services (fake
// ones: a supervise/ with a held-open ok FIFO and a status record; half
// have a log) and reports the CPU time (user+system, from wait4's rusage)
// of the sv process. With RUNIT_REF set, each iteration runs gorunit's sv
// and C sv one after the other, so both see the same machine, checks that
// they print the same, and reports the ratio of their CPU times. Each
// iteration also runs an empty Go program (func main(){}, built like the
// box), the floor under any Go sv: empty-go/C is the share of C sv's CPU
// that a Go process spends before it does anything. With SV_BASELINE
// naming another sv binary (say, cmd/sv built from an older commit), it
// runs in the same alternation too, for before/after figures from one run.
//
//	go test -run '^$' -bench Status -benchtime 500x ./internal/sv
func BenchmarkStatus(b *testing.B) {
	dir := b.TempDir()
	w := &world{root: dir}
	var names []string
	for i := range 1000 {
		name := fmt.Sprintf("s%03d", i)
		names = append(names, name)
		fakeBench(b, w, "svdir/"+name, running(uint32(1000+i)).bytes())
		if i%2 == 0 {
			fakeBench(b, w, "svdir/"+name+"/log", running(uint32(2000+i)).bytes())
		}
	}
	b.Cleanup(func() {
		for _, c := range w.controls {
			closeFD(c.fd)
		}
	})
	impls := svImpls(b)
	impls["empty-go"] = emptyGo(b)
	if base := os.Getenv("SV_BASELINE"); base != "" {
		impls["baseline"] = base
	}
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			cpu := map[string]time.Duration{}
			var want []byte
			for b.Loop() {
				for _, name := range []string{"gorunit", "C", "empty-go", "baseline"} {
					sv, ok := impls[name]
					if !ok {
						continue
					}
					cmd := exec.Command(sv, append([]string{"status"}, names[:n]...)...)
					cmd.Env = []string{"SVDIR=" + filepath.Join(dir, "svdir")}
					if name == "empty-go" {
						if err := cmd.Run(); err != nil {
							b.Fatal(err)
						}
						cpu[name] += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
						continue
					}
					out, err := cmd.Output()
					if err != nil || len(out) == 0 {
						b.Fatalf("%s: %v: %s", name, err, out)
					}
					got := secsRE.ReplaceAll(out, []byte("Ns$1"))
					if want == nil {
						want = got
					} else if string(got) != string(want) {
						b.Fatalf("%s printed\n%s\nnot\n%s", name, got, want)
					}
					cpu[name] += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				}
			}
			for name, d := range cpu {
				b.ReportMetric(float64(d.Microseconds())/1000/float64(b.N), name+"-cpu-ms/op")
			}
			if cpu["C"] > 0 {
				b.ReportMetric(float64(cpu["gorunit"])/float64(cpu["C"]), "gorunit/C")
				b.ReportMetric(float64(cpu["empty-go"])/float64(cpu["C"]), "empty-go/C")
				if cpu["baseline"] > 0 {
					b.ReportMetric(float64(cpu["baseline"])/float64(cpu["C"]), "baseline/C")
				}
			}
		})
	}
}

// fakeBench is world.fake for a benchmark.
func fakeBench(b *testing.B, w *world, rel string, status []byte) {
	b.Helper()
	sup := filepath.Join(w.root, rel, "supervise")
	if err := os.MkdirAll(sup, 0o755); err != nil {
		b.Fatal(err)
	}
	for _, f := range []string{"ok", "control"} {
		if err := mkfifo(filepath.Join(sup, f)); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(sup, "status"), status, 0o644); err != nil {
		b.Fatal(err)
	}
	fd, err := unixOpenRead(filepath.Join(sup, "ok"))
	if err != nil {
		b.Fatal(err)
	}
	w.controls = append(w.controls, heldFIFO{"", fd})
}

// emptyGo builds func main(){} the way svtest.Box builds the tools
// (static, -trimpath) and returns its path.
func emptyGo(b *testing.B) string {
	dir := b.TempDir()
	for name, text := range map[string]string{
		"go.mod":  "module empty\n\ngo 1.26\n",
		"main.go": "package main\n\nfunc main() {}\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "empty")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building an empty Go program: %v\n%s", err, out)
	}
	return bin
}
