package logdir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorunit/gorunit/internal/tai64n"
)

// clockDir is an open Dir with config t60 whose clock the test sets.
func clockDir(t *testing.T, now *tai64n.Stamp) *Dir {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte("t60\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opt := &Options{
		LineMax: 1000,
		BufSize: 4096,
		Stderr:  &Stderr{W: &strings.Builder{}},
		Now:     func() tai64n.Stamp { return *now },
		Sleep:   func(int) { t.Fatal("svlogd paused") },
	}
	d := New(dir, opt)
	if !d.Open(*now) {
		t.Fatal("open failed")
	}
	t.Cleanup(d.Close)
	return d
}

func rotated(t *testing.T, d *Dir) int {
	t.Helper()
	old, err := filepath.Glob(filepath.Join(d.Name, "@*.s"))
	if err != nil {
		t.Fatal(err)
	}
	return len(old)
}

// TestAgeAfterClockJumps: age rotation (t) after the wall clock jumps.
// Forward, the deadline is past: one rotation, then every t again, as in
// svlogd.c. Back, C svlogd's deadline stays where it was (a year ahead
// after a year's jump) and it rotates by age no more until then; gorunit
// pulls the deadline back to now + t, so it rotates t after the jump, once.
func TestAgeAfterClockJumps(t *testing.T) {
	const year = 365 * 86400
	t0 := tai64n.FromUnix(1_800_000_000, 250_000_000)
	at := func(sec int64) tai64n.Stamp { return tai64n.FromUnix(t0.Unix()+sec, 250_000_000) }
	for _, tc := range []struct {
		name string
		jump int64 // seconds, at t0+10, with the deadline at t0+60
		// CheckAge at t0+10+jump+step, and the rotations made by then
		steps []int64
		want  []int
		// the deadline after the last step, from t0
		deadline int64
	}{
		{"no jump", 0, []int64{20, 49, 51, 90, 112}, []int{0, 0, 1, 1, 2}, 122 + 60},
		// One rotation at the jump, the next t after it.
		{"forward a year", year, []int64{0, 1, 59, 71}, []int{1, 1, 1, 2}, year + 81 + 60},
		// None at the jump, one t after it (C svlogd: none for a year).
		{"back a year", -year, []int64{0, 1, 59, 61, 122}, []int{0, 0, 0, 1, 2}, -year + 132 + 60},
		// The deadline is less than t ahead: kept, as in C.
		{"back a second", -1, []int64{0, 48, 50, 61}, []int{0, 0, 0, 1}, 70 + 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := t0
			d := clockDir(t, &now)
			now = at(10)
			if _, ok := d.CheckAge(now); !ok {
				t.Fatal("CheckAge: no deadline with t60")
			}
			for i, step := range tc.steps {
				d.PutLine(nil, nil, []byte("line"), true)
				now = at(10 + tc.jump + step)
				next, _ := d.CheckAge(now)
				if !now.Before(next) {
					t.Errorf("step %d: next deadline %d is not after now %d", i, next.Unix(), now.Unix())
				}
				if got := rotated(t, d); got != tc.want[i] {
					t.Errorf("step %d (now t0%+d): %d rotations, want %d", i, now.Unix()-t0.Unix(), got, tc.want[i])
				}
			}
			if got, _ := d.Deadline(); got.Unix()-t0.Unix() != tc.deadline {
				t.Errorf("deadline t0%+d, want t0%+d", got.Unix()-t0.Unix(), tc.deadline)
			}
		})
	}
}

// TestAgeDeadlineKeptWhenNear: a deadline less than t ahead (the normal
// case) is left alone, and so is one when now + t wraps (a huge t: C
// svlogd's arithmetic, see AgeDeadline).
func TestAgeDeadlineKeptWhenNear(t *testing.T) {
	now := tai64n.FromUnix(1_800_000_000, 0)
	d := clockDir(t, &now)
	want, _ := d.Deadline()
	now = tai64n.FromUnix(1_800_000_030, 0)
	if got, _ := d.CheckAge(now); got != want {
		t.Errorf("deadline moved from %d to %d", want.Unix(), got.Unix())
	}
	d.Config.Age = ^uint64(0) - 10
	d.deadline = tai64n.Stamp{Sec: ^uint64(0), Nano: 0}
	if got, _ := d.CheckAge(now); got != d.deadline || got.Sec != ^uint64(0) {
		t.Errorf("a deadline was pulled back to a wrapped now + t: %v", got)
	}
}
