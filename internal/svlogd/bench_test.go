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
// with -tt in the same run and reports lines/s, CPU (user+sys) per line
// and the peak RSS of the svlogd process. The writer sends 64 KiB writes,
// like a busy service; config is the default (rotation at 1 MB, n10).
//
//	RUNIT_REF=$PWD/build/runit-ref/bin go test -run '^$' -bench Svlogd -benchtime 2000000x ./internal/svlogd
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
				var rss, anon int
				for i := 0; n > 0; i++ {
					k := min(n, 655)
					if _, err := w.Write(chunk[:k*100]); err != nil {
						b.Fatal(err)
					}
					n -= k
					if i%256 == 255 {
						r, a := procRSS(cmd.Process.Pid)
						rss, anon = max(rss, r), max(anon, a)
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
				// Peak VmRSS and RssAnon sampled while logging (rusage's
				// maxrss counts the forked test binary before exec).
				b.ReportMetric(float64(rss), "rss-KiB")
				b.ReportMetric(float64(anon), "anon-KiB")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// procRSS reads VmRSS and RssAnon (KiB) of pid.
func procRSS(pid int) (rss, anon int) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "RssAnon:":
			anon = v
		}
	}
	return rss, anon
}
