package runsv

import (
	"testing"

	"github.com/gorunit/gorunit/internal/supervise"
)

// The stat line runsv writes without allocating is supervise.StatLine.
func FuzzStatLine(f *testing.F) {
	f.Add(byte(1), true, true, byte('d'))
	f.Add(byte(0), false, false, byte('u'))
	f.Add(byte(2), false, true, byte('x'))
	f.Fuzz(func(t *testing.T, state byte, paused, term bool, want byte) {
		st := supervise.State(state % 3)
		w := []supervise.Want{supervise.WantUp, supervise.WantDown, supervise.WantExit}[int(want)%3]
		r := &runsv{}
		s := &service{state: st, paused: paused, term: term, want: w}
		if got, want := string(r.statLine(s)), supervise.StatLine(st, paused, term, w); got != want {
			t.Errorf("statLine = %q, supervise.StatLine = %q", got, want)
		}
	})
}
