package svlogd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSvlogd pipes b.N 100-byte lines through C svlogd and gorunit's
// (the standalone cmd/svlogd) with -tt in the same run and reports
// lines/s, CPU (user+sys) per line, and the peak VmRSS, RssAnon, RssFile
// and threads of the svlogd process sampled while it logs. The writer
// sends 64 KiB writes, like a busy service; config "default" is none
// (rotation at 1 MB with fsync, n10), "s0" never rotates.
//
//	RUNIT_REF=$PWD/build/runit-ref/bin go test -run '^$' -bench Svlogd -benchtime 3000000x -count 3 ./internal/svlogd
func BenchmarkSvlogd(b *testing.B) {
	ref := os.Getenv("RUNIT_REF")
	ims := []impl{}
	if ref != "" {
		ims = append(ims, impl{"C", filepath.Join(ref, "svlogd")})
	}
	ims = append(ims, impl{"gorunit", filepath.Join(boxFor(b), "svlogd")})
	line := strings.Repeat("x", 82) + " 0123456789abcdef\n"
	if len(line) != 100 {
		b.Fatalf("line is %d bytes", len(line))
	}
	chunk := bytes.Repeat([]byte(line), 655) // 65500 bytes
	for _, im := range ims {
		for _, cfg := range []struct{ name, config string }{{"default", ""}, {"s0", "s0\n"}} {
			b.Run(im.name+"/"+cfg.name, func(b *testing.B) {
				dir := b.TempDir()
				if cfg.config != "" {
					os.WriteFile(filepath.Join(dir, "config"), []byte(cfg.config), 0o644)
				}
				r, w, err := os.Pipe()
				if err != nil {
					b.Fatal(err)
				}
				cmd := exec.Command(im.bin, "-tt", dir)
				cmd.Stdin = r
				cmd.Stderr = os.Stderr
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				r.Close()
				b.ResetTimer()
				start := time.Now()
				n := b.N
				var peak procStatus
				for i := 0; n > 0; i++ {
					k := min(n, 655)
					if _, err := w.Write(chunk[:k*100]); err != nil {
						b.Fatal(err)
					}
					n -= k
					if i%256 == 255 {
						peak = peak.max(readStatus(cmd.Process.Pid))
					}
				}
				w.Close()
				if err := cmd.Wait(); err != nil {
					b.Fatal(err)
				}
				el := time.Since(start)
				b.StopTimer()
				ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
				cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
				b.ReportMetric(float64(b.N)/el.Seconds(), "lines/s")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/line")
				// Peaks sampled while logging (rusage's maxrss counts the
				// forked test binary before exec).
				b.ReportMetric(float64(peak.rss), "rss-KiB")
				b.ReportMetric(float64(peak.anon), "anon-KiB")
				b.ReportMetric(float64(peak.file), "file-KiB")
				b.ReportMetric(float64(peak.threads), "threads")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

type procStatus struct{ rss, anon, file, threads int }

func (p procStatus) max(q procStatus) procStatus {
	return procStatus{max(p.rss, q.rss), max(p.anon, q.anon), max(p.file, q.file), max(p.threads, q.threads)}
}

// readStatus reads VmRSS, RssAnon, RssFile (KiB) and Threads of pid.
func readStatus(pid int) procStatus {
	var st procStatus
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return st
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			st.rss = v
		case "RssAnon:":
			st.anon = v
		case "RssFile:":
			st.file = v
		case "Threads:":
			st.threads = v
		}
	}
	return st
}
