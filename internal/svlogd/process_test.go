package svlogd

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gorunit/gorunit/internal/logdir"
	"github.com/gorunit/gorunit/internal/tai64n"
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
	if !d.Open(tai64n.Now()) {
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

// TestRotatingDoesNotAllocate: rotating by size, with -v's messages and
// the deletion of old files, and sending lines over UDP make no garbage
// either, so svlogd's collector never has to run (gcAfter).
func TestRotatingDoesNotAllocate(t *testing.T) {
	// A socket that takes the datagrams (a closed port makes sends fail,
	// which svlogd logs).
	sink, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no UDP: %v", err)
	}
	defer unix.Close(sink)
	if err := unix.Bind(sink, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Skipf("no UDP: %v", err)
	}
	sa, err := unix.Getsockname(sink)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*unix.SockaddrInet4).Port
	l := newTestLogger(t, options{timestamp: 2, verbose: true}, "s5000\nn2\nu127.0.0.1:"+strconv.Itoa(port)+"\n")
	defer func() {
		if l.udp >= 0 {
			unix.Close(l.udp)
		}
	}()
	chunk := bytes.Repeat([]byte(strings.Repeat("y", 99)+"\n"), 100) // three rotations
	opened := l.opt.Garbage
	if n := testing.AllocsPerRun(20, func() {
		l.process(chunk)
		l.flushAll()
	}); n != 0 {
		t.Errorf("%v allocations per 100 lines", n)
	}
	if l.opt.Garbage != opened {
		t.Errorf("Garbage went from %d to %d while rotating", opened, l.opt.Garbage)
	}
	old, _ := filepath.Glob(filepath.Join(l.dirs[0].Name, "@*"))
	if len(old) != 2 { // n2
		t.Errorf("%d old files, want 2: %q", len(old), old)
	}
}

// TestProcessorGarbageCounted: starting a processor allocates (ForkExec
// copies argv and the environment), and that is counted, so that svlogd
// collects after enough of them.
func TestProcessorGarbageCounted(t *testing.T) {
	l := newTestLogger(t, options{}, "s5000\n!cat\n")
	l.opt.Environ = []string{"PATH=/usr/bin:/bin"}
	opened := l.opt.Garbage
	l.process(bytes.Repeat([]byte(strings.Repeat("y", 99)+"\n"), 60)) // one rotation
	l.flushAll()
	d := l.dirs[0]
	if d.Processor() == 0 {
		t.Fatal("no processor started")
	}
	d.WaitProcessor()
	if l.opt.Garbage <= opened {
		t.Errorf("Garbage %d after a processor, %d before", l.opt.Garbage, opened)
	}
}

// TestMsUntil: poll's timeout, rounded up so that svlogd never wakes
// just before a deadline, and 0 for a deadline not ahead.
func TestMsUntil(t *testing.T) {
	now := tai64n.Stamp{Sec: tai64n.Offset + 100, Nano: 999_999_500}
	for _, tc := range []struct {
		t    tai64n.Stamp
		want int
	}{
		{now, 0},
		{tai64n.Stamp{Sec: now.Sec - 1, Nano: 500}, 0},
		{tai64n.Stamp{Sec: now.Sec + 1, Nano: 500}, 1},
		{tai64n.Stamp{Sec: now.Sec + 1, Nano: 1_000_500}, 2},
		{tai64n.Stamp{Sec: now.Sec + maxWait, Nano: now.Nano}, maxWait * 1000},
	} {
		if got := msUntil(now, tc.t); got != tc.want {
			t.Errorf("msUntil(%v) = %d, want %d", tc.t, got, tc.want)
		}
	}
}
