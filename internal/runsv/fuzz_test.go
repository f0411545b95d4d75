package runsv

import (
	"slices"
	"strings"
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

// tuneRuntime's environment handling: what runsv adds to its own
// environment when it executes itself again is exactly what its children
// do not get; everything else passes through in order.
func FuzzRuntimeEnv(f *testing.F) {
	f.Add("PATH=/bin\x00HOME=/\x00GOGC=50")
	f.Add("GOMAXPROCS=4\x00X=1\x00X=2")
	f.Add("=\x00GOGC\x00GORUNIT_RUNSV_ADDED")
	f.Add("GODEBUG=x509sha1=1\x00GOGC=off\x00GOMAXPROCS=2")
	f.Fuzz(func(t *testing.T, envs string) {
		env := strings.Split(envs, "\x00")
		var added, names []string
		for _, kv := range runtimeEnv {
			name := kv[:strings.IndexByte(kv, '=')]
			if _, ok := lookup(env, name); !ok {
				added = append(added, kv)
				names = append(names, name)
			}
		}
		if _, ok := lookup(env, addedEnv); ok || len(added) == 0 {
			return // not what a first runsv sees or would re-execute for
		}
		reexec := append(append(slices.Clone(env), added...), addedEnv+"="+strings.Join(names, ","))
		if got := tuneRuntime(nil, reexec); !slices.Equal(got, env) {
			t.Errorf("children get %q, want %q", got, env)
		}
	})
}
