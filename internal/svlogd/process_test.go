package svlogd

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/logdir"
)

// newTestLogger is a logger over one directory in a temp dir, without
// stdin or signals, for driving process directly.
func newTestLogger(t testing.TB, o options, config string) *logger {
	dir := t.TempDir()
	if config != "" {
		os.WriteFile(dir+"/config", []byte(config), 0o644)
	}
	if o.linemax == 0 {
		o.linemax = 1000
	}
	l := newLogger(o, io.Discard)
	d := logdir.New(dir, &l.opt)
	if !d.Open(time.Now()) {
		t.Fatal("open failed")
	}
	t.Cleanup(d.Close)
	l.dirs = []*logdir.Dir{d}
	return l
}

// TestLoggingDoesNotAllocate pins zero allocations per line for stamping
// and batching writes (rotation excluded: it allocates names).
func TestLoggingDoesNotAllocate(t *testing.T) {
	for _, ts := range []int{0, 1, 2, 3} {
		l := newTestLogger(t, options{timestamp: ts}, "s0\n")
		chunk := bytes.Repeat([]byte(strings.Repeat("y", 99)+"\n"), 100)
		if n := testing.AllocsPerRun(50, func() {
			l.process(chunk)
			l.flushAll()
		}); n != 0 {
			t.Errorf("-t x%d: %v allocations per 100 lines", ts, n)
		}
	}
}

func BenchmarkProcess(b *testing.B) {
	l := newTestLogger(b, options{timestamp: 2}, "s0\n")
	chunk := bytes.Repeat([]byte(strings.Repeat("y", 99)+"\n"), 655)
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		l.process(chunk)
		l.flushAll()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*655), "ns/line")
}
