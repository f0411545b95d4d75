package svlogd

import (
	"bufio"
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

	"github.com/gorunit/gorunit/internal/svtest"
	"github.com/gorunit/gorunit/internal/tai64n"
)

// writer feeds numbered lines ("<n> " + padding) into a pipe from a
// goroutine, as a busy service would.
type writer struct {
	w    *os.File
	done chan error
}

func writeLines(w *os.File, from, n int) *writer {
	wr := &writer{w: w, done: make(chan error, 1)}
	go func() {
		bw := bufio.NewWriterSize(w, 4096)
		var err error
		for i := from; i < from+n && err == nil; i++ {
			_, err = fmt.Fprintf(bw, "%d %s\n", i, strings.Repeat("p", i%150))
		}
		if err == nil {
			err = bw.Flush()
		}
		wr.done <- err
	}()
	return wr
}

func (wr *writer) wait(t *testing.T) {
	t.Helper()
	select {
	case err := <-wr.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("writer blocked for 60 s")
	}
}

// checkLines reads every log file of dir, oldest first, and checks that
// they hold lines from..from+n-1 in order, each exactly once.
func checkLines(t *testing.T, dir string, from, n int) {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "@*"))
	sort.Strings(names)
	names = append(names, filepath.Join(dir, "current"))
	next := from
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.SplitAfter(string(b), "\n") {
			if l == "" {
				continue
			}
			f := strings.Fields(l)
			k, err := strconv.Atoi(f[0])
			if err != nil || k != next || !strings.HasSuffix(l, "\n") || len(l) != len(f[0])+2+k%150 {
				t.Fatalf("%s: got line %q, want line %d", filepath.Base(name), l, next)
			}
			next++
		}
	}
	if next != from+n {
		t.Fatalf("logged lines %d..%d, want up to %d", from, next-1, from+n-1)
	}
}

// TestNoLossAcrossRotationsAndSignals logs 100000 lines while rotating by
// size and being sent ALRM and HUP all the time; every line must arrive
// once, in order.
func TestNoLossAcrossRotationsAndSignals(t *testing.T) {
	t.Parallel()
	im := gorunit(t)
	sc := scenario{config: map[string]string{"log": "s20000\nn0\n"}}
	l := sc.start(t, im)
	// Signals before svlogd has caught them end it, as they end runit's
	// (their default action): wait until it has opened the directory,
	// which it does after catching them. On a loaded machine starting
	// can take longer than the 2 ms between signals.
	svtest.WaitFor(t, 20*time.Second, func() error {
		_, err := os.Stat(filepath.Join(l.root, "log", "current"))
		return err
	})
	const n = 100000
	wr := writeLines(l.w, 0, n)
	for i := 0; ; i++ {
		select {
		case err := <-wr.done:
			if err != nil {
				t.Fatal(err)
			}
			res := l.finish(sc.dirList())
			if res.Exit != 0 {
				t.Fatalf("exit %d, stderr %s", res.Exit, res.Stderr)
			}
			checkLines(t, filepath.Join(l.root, "log"), 0, n)
			return
		case <-time.After(2 * time.Millisecond):
			if i%2 == 0 {
				l.signal(syscall.SIGALRM)
			} else {
				l.signal(syscall.SIGHUP)
			}
		}
	}
}

// TestNoLossAcrossRestarts stops svlogd with TERM and starts a new one on
// the same pipe while the writer keeps writing, as runsv does when the
// log service is restarted: every line must arrive once, in order.
func TestNoLossAcrossRestarts(t *testing.T) {
	t.Parallel()
	im := gorunit(t)
	sc := scenario{config: map[string]string{"log": "s50000\nn0\n"}}
	l := sc.start(t, im)
	const n = 60000
	wr := writeLines(l.w, 0, n)
	for range 5 {
		// Let some lines through, then restart.
		svtest.WaitFor(t, 20*time.Second, func() error {
			fi, err := os.Stat(filepath.Join(l.root, "log", "current"))
			if err != nil || fi.Size() == 0 {
				return fmt.Errorf("nothing logged yet")
			}
			return nil
		})
		l.signal(syscall.SIGTERM)
		if code, err := l.p.wait(20 * time.Second); err != nil || code != 0 {
			t.Fatalf("exit %d, %v; stderr %s", code, err, l.p.Stderr())
		}
		// Rotate by hand so the next check sees new lines.
		os.Rename(filepath.Join(l.root, "log", "current"), filepath.Join(l.root, "log", tai64n.Now().Label()+".s"))
		l.p = startOn(t, l.root, l.r, im.bin, "log")
	}
	wr.wait(t)
	l.w.Close()
	if code, err := l.p.wait(20 * time.Second); err != nil || code != 0 {
		t.Fatalf("exit %d, %v", code, err)
	}
	checkLines(t, filepath.Join(l.root, "log"), 0, n)
}

// tmpfs mounts a small tmpfs in a temp dir (root only) and unmounts it
// when the test ends.
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file that leaves about free bytes on the file system.
func fill(t *testing.T, path string, free int64) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(path), &st); err != nil {
		t.Fatal(err)
	}
	avail := int64(st.Bavail) * int64(st.Bsize)
	if err := os.WriteFile(path, make([]byte, avail-free), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNoLossOnFullDisk fills the disk under svlogd: it must pause
// ("svlogd: pausing: unable to write to current: ...: out of disk space")
// without consuming input, and log every line once space is back.
func TestNoLossOnFullDisk(t *testing.T) {
	t.Parallel()
	mnt := tmpfs(t, "1m")
	im := gorunit(t)
	if err := os.Mkdir(filepath.Join(mnt, "log"), 0o755); err != nil {
		t.Fatal(err)
	}
	fill(t, filepath.Join(mnt, "filler"), 64<<10)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	p := startOn(t, mnt, r, im.bin, "log")
	const n = 3000 // about 230 KB
	wr := writeLines(w, 0, n)
	svtest.WaitFor(t, 20*time.Second, func() error {
		if !strings.Contains(p.Stderr(), "svlogd: pausing: unable to write to current: log: out of disk space\n") {
			return fmt.Errorf("no pausing message yet: %q", p.Stderr())
		}
		return nil
	})
	os.Remove(filepath.Join(mnt, "filler"))
	wr.wait(t)
	w.Close()
	if code, err := p.wait(20 * time.Second); err != nil || code != 0 {
		t.Fatalf("exit %d, %v", code, err)
	}
	checkLines(t, filepath.Join(mnt, "log"), 0, n)
}

// TestFullDiskDeletesOldest: with N below n, a full disk makes svlogd
// delete the oldest files down to N instead of pausing; what is left is
// a gap-free run of the newest lines.
func TestFullDiskDeletesOldest(t *testing.T) {
	t.Parallel()
	mnt := tmpfs(t, "1m")
	im := gorunit(t)
	if err := os.Mkdir(filepath.Join(mnt, "log"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(mnt, "log", "config"), []byte("s20000\nn100\nN2\n"), 0o644)
	fill(t, filepath.Join(mnt, "filler"), 160<<10)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	p := startOn(t, mnt, r, im.bin, "log")
	const n = 5000 // about 390 KB
	wr := writeLines(w, 0, n)
	wr.wait(t)
	w.Close()
	if code, err := p.wait(20 * time.Second); err != nil || code != 0 {
		t.Fatalf("exit %d, %v", code, err)
	}
	if !strings.Contains(p.Stderr(), "svlogd: warning: out of disk space, delete: log/@") {
		t.Errorf("no deletion reported; stderr:\n%s", p.Stderr())
	}
	if strings.Contains(p.Stderr(), "pausing") {
		t.Errorf("paused; stderr:\n%s", p.Stderr())
	}
	// The oldest files are gone; the rest must be the newest lines, in
	// order, up to the last.
	names, _ := filepath.Glob(filepath.Join(mnt, "log", "@*"))
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("no old files left")
	}
	b, _ := os.ReadFile(names[0])
	first, err := strconv.Atoi(strings.Fields(string(b))[0])
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, filepath.Join(mnt, "log"), first, n-first)
}
