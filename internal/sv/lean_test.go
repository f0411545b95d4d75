package sv

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorunit/gorunit/internal/cli"
	"golang.org/x/sys/unix"
)

// TestCloserClosesOnlyItsOwn gives the closer every other descriptor of a
// row, out of order, and wants exactly those closed: with close_range for
// runs and, once that has failed, one by one. A descriptor counts as
// closed when fstat fails or finds another file (another test may have
// got the number since).
func TestCloserClosesOnlyItsOwn(t *testing.T) {
	for _, noRange := range []bool{false, true} {
		t.Run(fmt.Sprint("noRange=", noRange), func(t *testing.T) {
			dir := t.TempDir()
			var fds []int
			ino := map[int]uint64{}
			for i := range 9 {
				p := filepath.Join(dir, fmt.Sprint(i))
				if err := os.WriteFile(p, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
				if err != nil {
					t.Fatal(err)
				}
				var st unix.Stat_t
				unix.Fstat(fd, &st)
				fds = append(fds, fd)
				ino[fd] = st.Ino
			}
			mine := map[int]bool{}
			c := closer{noRange: noRange}
			for _, i := range []int{4, 0, 1, 3, 8, 7} {
				c.close(fds[i])
				mine[fds[i]] = true
			}
			c.flush()
			if c.n != 0 {
				t.Errorf("%d left in the batch", c.n)
			}
			for _, fd := range fds {
				var st unix.Stat_t
				open := unix.Fstat(fd, &st) == nil && st.Ino == ino[fd]
				if open == mine[fd] {
					t.Errorf("fd %d: open %v, given to the closer %v", fd, open, mine[fd])
				}
				if open {
					unix.Close(fd)
				}
			}
		})
	}
}

// TestStatusWithFewDescriptors runs sv status over more services than it
// has descriptors for holding (ulimit -n 12 leaves 7 after the standard
// three, the original directory and $SVDIR): a full batch of held ones
// must be closed and the open retried, and the output be C sv's.
func TestStatusWithFewDescriptors(t *testing.T) {
	t.Parallel()
	impls := map[string]string{"gorunit": gorunitSV(t)}
	if os.Getenv("RUNIT_REF") != "" {
		impls["C"] = runitSV(t)
	}
	w := newWorld(t)
	names := []string{"status"}
	var want strings.Builder
	for i := range 20 {
		name := fmt.Sprintf("s%02d", i)
		names = append(names, name)
		svc(name, running(uint32(100+i)))(w)
		want.WriteString(fmt.Sprintf("run: %s: (pid %d) Ns", name, 100+i))
		if i%2 == 0 {
			svc(name+"/log", running(uint32(200+i)))(w)
			want.WriteString(fmt.Sprintf("; run: log: (pid %d) Ns", 200+i))
		}
		want.WriteString("\n")
	}
	for name, bin := range impls {
		wrapper := w.path("lowfd-" + name)
		w.file("lowfd-"+name, "#!/bin/sh\nulimit -n 12\nexec "+bin+" \"$@\"\n", 0o755)
		got := w.run(wrapper, args(names...)).masked(false)
		if got.Stdout != want.String() || got.Stderr != "" || got.Exit != 0 {
			t.Errorf("%s sv under ulimit -n 12: exit %d, stderr %q, stdout:\n%s\nwant:\n%s",
				name, got.Exit, got.Stderr, got.Stdout, want.String())
		}
	}
}

// TestStatusAllocatesNothingPerService runs sv status over 1 and over 100
// services (half with a log) in-process and wants no more heap allocations
// for 100 than for 1: paths go into sv's own buffer, output into one
// preallocated buffer, and nothing else is allocated per service. (Main
// runs on a thread of its own, and the runtime sometimes allocates for a
// new one: a few allocations of slack, far below one per service.)
func TestStatusAllocatesNothingPerService(t *testing.T) {
	w := newWorld(t)
	args := []string{"sv", "status"}
	for i := range 100 {
		name := fmt.Sprintf("s%03d", i)
		svc(name, running(uint32(100+i)))(w)
		if i%2 == 0 {
			svc(name+"/log", running(uint32(200+i)))(w)
		}
		args = append(args, name)
	}
	allocs := func(n int) float64 {
		var out bytes.Buffer
		env := cli.Env{Args: args[:2+n], Stdout: &out, Stderr: &out,
			Environ: func() []string { return []string{"SVDIR=" + w.path("svdir")} }}
		return testing.AllocsPerRun(20, func() {
			out.Reset()
			if code := Main(env); code != 0 {
				t.Fatalf("exit %d: %s", code, out.String())
			}
		})
	}
	if one, hundred := allocs(1), allocs(100); hundred > one+5 {
		t.Errorf("%v allocations for 1 service, %v for 100", one, hundred)
	}
}
