package runsv

import (
	"io"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/tai64n"
	"golang.org/x/sys/unix"
)

// The restart throttle is runsv.c's: when a child of the service ends
// less than a second after ./run was started, runsv sleeps one second.
// The run start is the key, so a slow ./finish adds no delay. The files
// runsv would write do not exist here (the cwd is the package dir); only
// the sleeps are looked at.
func TestThrottleKeyedToRunStart(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 123_000)
	for _, tc := range []struct {
		name    string
		state   supervise.State
		islog   bool
		elapsed time.Duration // from the run start to the exit
		sleeps  int
	}{
		{"run exits at once", supervise.Run, false, 10 * time.Millisecond, 1},
		{"run exits after 999ms", supervise.Run, false, 999 * time.Millisecond, 1},
		{"run exits after 1s", supervise.Run, false, time.Second, 0},
		{"run exits after 5s", supervise.Run, false, 5 * time.Second, 0},
		{"finish ends 0.5s after run start", supervise.Finish, false, 500 * time.Millisecond, 1},
		{"slow finish ends 3s after run start", supervise.Finish, false, 3 * time.Second, 0},
		{"log exits at once", supervise.Run, true, 0, 1},
		{"log exits after 2s", supervise.Run, true, 2 * time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var slept []time.Duration
			now := t0.Add(tc.elapsed)
			r := &runsv{
				env:   cli.Env{Stderr: io.Discard},
				now:   func() time.Time { return now },
				sleep: func(d time.Duration) { slept = append(slept, d) },
			}
			s := newService(tc.islog)
			s.state, s.pid, s.start = tc.state, 4242, tai64n.FromUnix(t0.Unix(), t0.Nanosecond())
			r.childExited(&s, 0)
			if len(slept) != tc.sleeps {
				t.Fatalf("slept %v, want %d sleeps", slept, tc.sleeps)
			}
			for _, d := range slept {
				if d != time.Second {
					t.Errorf("slept %v, want 1s", d)
				}
			}
			if s.state != supervise.Down || s.pid != 0 || s.start != tai64n.FromUnix(now.Unix(), now.Nanosecond()) {
				t.Errorf("after exit: state %v pid %d start %v", s.state, s.pid, s.start)
			}
		})
	}
}

func TestChildExitedGoesToFinishWhenReadable(t *testing.T) {
	dir := t.TempDir()
	wd, err := unix.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// childExited opens ./finish relative to the cwd, as runsv does.
	if err := unix.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer unix.Chdir(wd)
	if err := unix.Mkdir("supervise", 0o700); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open("finish", unix.O_CREAT|unix.O_WRONLY, 0o644) // readable, not executable
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	var slept int
	r := &runsv{
		env:   cli.Env{Stderr: io.Discard},
		now:   time.Now,
		sleep: func(time.Duration) { slept++ },
	}
	s := newService(false)
	s.state, s.pid, s.start = supervise.Run, 4242, r.stamp()
	start := s.start
	r.childExited(&s, 3<<8)
	if s.state != supervise.Finish || s.wstat != 3<<8 || slept != 0 || s.start != start {
		t.Errorf("after run exit with ./finish: state %v wstat %#x slept %d, start changed %v",
			s.state, s.wstat, slept, s.start != start)
	}
	st, err := supervise.ReadStatus("supervise")
	if err != nil || st.State != supervise.Finish || st.PID != 0 || st.Stamp != start {
		t.Errorf("status %+v, %v", st, err)
	}
	// The log never runs ./finish.
	l := newService(true)
	l.state, l.pid = supervise.Run, 4343
	r.childExited(&l, 0)
	if l.state != supervise.Down {
		t.Errorf("log state after exit = %v, want down", l.state)
	}
}
