package runsvdir

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/svtest"
	"golang.org/x/sys/unix"
)

// runsvdir makes every thread it needs before it starts its first runsv
// (goruntime.go): its thread count must not change afterwards, whatever
// happens, or a process limit reached later could abort it. This test
// starts it with its log argument on three services, then for a few
// seconds adds and removes services, kills runsv processes, sends ALRM
// and floods the log pipe, while two goroutines of the test keep both CPUs
// busy so that runsvdir's system calls are slow and sysmon hands its P
// to other threads. It also checks what the re-execution must keep: the
// name (start-stop-daemon --name runsvdir) and the environment of runsv.
func TestThreadsFixed(t *testing.T) {
	r := newRig(t)
	r.extra = append(r.extra, "FAKE_STDERR="+strings.Repeat("x", 300)+"\n")
	for i := range 3 {
		r.link(r.def(fmt.Sprint("s", i)), fmt.Sprint("s", i))
	}
	d := r.start(r.svdir, "log: "+strings.Repeat(".", 100))
	for i := range 3 {
		r.waitEvent("start", fmt.Sprint("s", i), 1)
	}
	pid := d.p.Pid
	before := threads(pid)
	if before < 1+spareThreads(1) {
		t.Errorf("runsvdir has %d threads, want at least %d (GOMAXPROCS=1)", before, 1+spareThreads(1))
	}
	if c := comm(pid); c != "runsvdir" {
		t.Errorf("runsvdir's comm is %q, want runsvdir", c)
	}
	env := environOf(pid)
	if !has(env, "GOMAXPROCS=1") {
		t.Errorf("runsvdir did not execute itself with GOMAXPROCS=1: %q", env)
	}
	start := r.find("start", "s0")[0]
	for _, kv := range environOf(start.pid) {
		if strings.HasPrefix(kv, "GOMAXPROCS=") || strings.HasPrefix(kv, addedEnv+"=") {
			t.Errorf("runsv got runsvdir's %s", kv)
		}
	}

	var spin atomic.Bool
	spin.Store(true)
	for range 2 {
		go func() {
			for spin.Load() {
			}
		}()
	}
	defer spin.Store(false)
	most := before
	deadline := time.Now().Add(4 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		name := fmt.Sprint("c", i%5)
		link := filepath.Join(r.svdir, name)
		if _, err := os.Lstat(link); err == nil {
			os.Remove(link)
		} else {
			r.link(r.def(name), name)
		}
		if evs := r.find("start", fmt.Sprint("s", i%3)); len(evs) > 0 && alive(evs[len(evs)-1].pid) {
			unix.Kill(evs[len(evs)-1].pid, unix.SIGKILL)
		}
		d.p.Signal(unix.SIGALRM)
		most = max(most, threads(pid))
		time.Sleep(20 * time.Millisecond)
	}
	spin.Store(false)
	// Everything settled: each service has a runsv again.
	for i := range 3 {
		name := fmt.Sprint("s", i)
		svtest.WaitFor(t, 20*time.Second, func() error {
			evs := r.find("start", name)
			if len(evs) < 2 || !alive(evs[len(evs)-1].pid) {
				return fmt.Errorf("%s: no live runsv after the churn", name)
			}
			return nil
		})
	}
	if after := threads(pid); most != before || after != before {
		t.Errorf("runsvdir had %d threads, then up to %d, %d at the end", before, most, after)
	}
	if d.exited() {
		t.Fatalf("runsvdir exited: %s", d.stderr())
	}
}

func threads(pid int) int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	return len(ents)
}

func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

func environOf(pid int) []string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
