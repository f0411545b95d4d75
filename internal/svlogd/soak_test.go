package svlogd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSoak logs slowly for a long time through C svlogd and gorunit's
// side by side and samples the RSS of each: a writer sends 100 lines of
// 100 bytes every 50 ms (2000 lines/s, a rotation every 4 s with the
// default config), and /proc/PID/status is read 16 times. It runs only
// when GORUNIT_SVLOGD_SOAK gives the duration (docs/BENCHMARKS.md):
//
//	GORUNIT_SVLOGD_SOAK=8m RUNIT_REF=$PWD/build/runit-ref/bin go test -run Soak -v -parallel 6 -timeout 20m ./internal/svlogd
//
// gorunit's RSS must stay flat (after the first minute it may grow by a
// thread's worth at most: the runtime sometimes starts a fourth) and,
// without a processor, under 2,000,000 bytes. A processor makes garbage
// (ForkExec copies the environment), and svlogd collects it.
func TestSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("GORUNIT_SVLOGD_SOAK"))
	if err != nil || d <= 0 {
		t.Skip("set GORUNIT_SVLOGD_SOAK (e.g. 8m) to run")
	}
	ims := []impl{gorunit(t)}
	if ref := os.Getenv("RUNIT_REF"); ref != "" {
		ims = append([]impl{{"C", filepath.Join(ref, "svlogd")}}, ims...)
	}
	chunk := []byte(strings.Repeat(strings.Repeat("x", 82)+" 0123456789abcdef\n", 100))
	for _, im := range ims {
		for _, tc := range []struct {
			name   string
			args   []string
			config string
		}{
			{"default", []string{"-tt"}, ""},
			{"verbose", []string{"-ttv"}, ""},
			{"processor", []string{"-tt"}, "s100000\n!cat\n"},
		} {
			t.Run(im.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				sc := scenario{args: tc.args}
				if tc.config != "" {
					sc.config = map[string]string{"log": tc.config}
				}
				l := sc.start(t, im)
				pid := l.p.cmd.Process.Pid
				every := d / 16
				var samples []procStatus
				start := time.Now()
				next := start.Add(every)
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for now := range tick.C {
					if _, err := l.w.Write(chunk); err != nil {
						t.Fatal(err)
					}
					if now.Before(next) {
						continue
					}
					st := readStatus(pid)
					samples = append(samples, st)
					t.Logf("%4.0fs VmRSS %d KiB, RssAnon %d, RssFile %d, threads %d",
						now.Sub(start).Seconds(), st.rss, st.anon, st.file, st.threads)
					if now.Sub(start) >= d {
						break
					}
					next = next.Add(every)
				}
				l.w.Close()
				if code, err := l.p.wait(20 * time.Second); err != nil || code != 0 {
					t.Fatalf("exit %d, %v; stderr: %s", code, err, l.p.Stderr())
				}
				if im.name == "C" {
					return
				}
				settled := samples[min(len(samples)-1, int(time.Minute/every))]
				last := samples[len(samples)-1]
				if last.rss > settled.rss+24 {
					t.Errorf("VmRSS grew from %d KiB after a minute to %d KiB", settled.rss, last.rss)
				}
				peak := procStatus{}
				for _, s := range samples {
					peak = peak.max(s)
				}
				if tc.config == "" && peak.rss*1024 >= 2_000_000 {
					t.Errorf("VmRSS reached %d KiB, 2 MB is %d KiB", peak.rss, 2_000_000/1024)
				}
			})
		}
	}
}
