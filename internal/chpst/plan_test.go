package chpst

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gorunit/gorunit/internal/cli"
)

func parse(args ...string) (Plan, string, int, bool) {
	var errb strings.Builder
	p, code, ok := Parse(cli.Env{Args: args, Stderr: &errb})
	return p, errb.String(), code, ok
}

func limits(set map[int]int64) [numLimits]int64 {
	var l [numLimits]int64
	for i := range l {
		l[i] = limUnset
	}
	for i, v := range set {
		l[i] = v
	}
	return l
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want Plan
	}{
		{"program only", []string{"chpst", "prog", "-u", "x"},
			Plan{Prog: "chpst", Limits: limits(nil), File: "prog", Argv: []string{"prog", "-u", "x"}}},
		{"every option", []string{"/usr/bin/chpst", "-vP012", "-u", "u:g", "-U", "e", "-b", "zero", "-e", "dir",
			"-/", "root", "-n", "-5", "-L", "lk", "-m", "10", "-d", "1", "-o", "2", "-p", "3", "-f", "4", "-c", "5",
			"-r", "6", "-t", "7", "prog", "arg"},
			Plan{Prog: "chpst", Verbose: true, Setsid: true, Close: [3]bool{true, true, true},
				SetUser: ptr("u:g"), SetUserExt: true, EnvUser: ptr("e"), EnvUserExt: true,
				EnvDir: ptr("dir"), Root: ptr("root"), Nice: -5, Lock: ptr("lk"),
				Limits: limits(map[int]int64{limData: 1, limStack: 10, limMemlock: 10, limAS: 10,
					limNofile: 2, limNproc: 3, limFsize: 4, limCore: 5, limRSS: 6, limCPU: 7}),
				File: "prog", Argv: []string{"zero", "arg"}}},
		{"lock waits", []string{"chpst", "-l", "lk", "prog"},
			Plan{Prog: "chpst", Lock: ptr("lk"), LockWait: true, Limits: limits(nil), File: "prog", Argv: []string{"prog"}}},
		{"empty strings count", []string{"chpst", "-e", "", "-b", "", "prog"},
			Plan{Prog: "chpst", EnvDir: ptr(""), Limits: limits(nil), File: "prog", Argv: []string{""}}},
		{"nice plus", []string{"chpst", "-n", "+3", "prog"},
			Plan{Prog: "chpst", Nice: 3, Limits: limits(nil), File: "prog", Argv: []string{"prog"}}},
		{"empty number is zero", []string{"chpst", "-o", "", "prog"},
			Plan{Prog: "chpst", Limits: limits(map[int]int64{limNofile: 0}), File: "prog", Argv: []string{"prog"}}},
		{"huge number wraps", []string{"chpst", "-o", "18446744073709551615", "prog"},
			Plan{Prog: "chpst", Limits: limits(map[int]int64{limNofile: -1}), File: "prog", Argv: []string{"prog"}}},
		{"dchpst", []string{"dchpst", "prog"},
			Plan{Prog: "chpst", Limits: limits(nil), File: "prog", Argv: []string{"prog"}}},
		{"setuidgid", []string{"setuidgid", "-u", "prog"},
			Plan{Prog: "setuidgid", SetUser: ptr("-u"), Limits: limits(nil), File: "prog", Argv: []string{"prog"}}},
		{"envuidgid", []string{"/bin/denvuidgid", "acct", "prog", "a"},
			Plan{Prog: "envuidgid", EnvUser: ptr("acct"), Limits: limits(nil), File: "prog", Argv: []string{"prog", "a"}}},
		{"envdir", []string{"envdir", "d", "prog"},
			Plan{Prog: "envdir", EnvDir: ptr("d"), EnvDirStrict: true, Limits: limits(nil), File: "prog", Argv: []string{"prog"}}},
		{"pgrphack", []string{"pgrphack", "prog"},
			Plan{Prog: "pgrphack", Setsid: true, Limits: limits(nil), File: "prog", Argv: []string{"prog"}}},
		{"setlock default does not wait", []string{"setlock", "f", "prog"},
			Plan{Prog: "setlock", Lock: ptr("f"), Limits: limits(nil), File: "prog", Argv: []string{"prog"}}},
		{"setlock -n waits", []string{"setlock", "-nx", "f", "prog"},
			Plan{Prog: "setlock", Lock: ptr("f"), LockWait: true, LockQuiet: true, Limits: limits(nil), File: "prog", Argv: []string{"prog"}}},
		{"setlock last wins", []string{"setlock", "-nNxX", "f", "prog"},
			Plan{Prog: "setlock", Lock: ptr("f"), Limits: limits(nil), File: "prog", Argv: []string{"prog"}}},
		{"softlimit", []string{"softlimit", "-m", "9", "-s", "=", "-o", "4", "-a", "8", "prog"},
			Plan{Prog: "softlimit", Limits: limits(map[int]int64{limData: 9, limStack: -1, limMemlock: 9, limAS: 8, limNofile: 4}),
				File: "prog", Argv: []string{"prog"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg, _, ok := parse(tc.args...)
			if !ok {
				t.Fatalf("not ok: %q", msg)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseUsage(t *testing.T) {
	main := "usage: chpst" + usageMain + "\n\n"
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"no program", []string{"chpst"}, main},
		{"illegal", []string{"chpst", "-X", "p"}, "chpst: illegal option -- X\n" + main},
		{"missing argument", []string{"/x/chpst", "-n"}, "chpst: option requires an argument -- n\n" + main},
		{"bad number", []string{"chpst", "-m", "1k", "p"}, main},
		{"bad nice", []string{"chpst", "-n", "+-1", "p"}, main},
		{"two locks", []string{"chpst", "-L", "a", "-l", "b", "p"}, main},
		{"version", []string{"chpst", "-V"}, cli.ID() + "\n" + main},
		{"setuidgid", []string{"setuidgid", "u"}, "usage: setuidgid account child\n\n"},
		{"envuidgid", []string{"envuidgid"}, "usage: envuidgid account child\n\n"},
		{"envdir", []string{"denvdir", "d"}, "usage: envdir dir child\n\n"},
		{"pgrphack", []string{"pgrphack"}, "usage: pgrphack child\n\n"},
		{"setlock", []string{"setlock", "-n", "f"}, "usage: setlock [ -nNxX ] file program [ arg ... ]\n\n"},
		{"setlock illegal", []string{"dsetlock", "-y"}, "dsetlock: illegal option -- y\nusage: setlock [ -nNxX ] file program [ arg ... ]\n\n"},
		{"softlimit", []string{"softlimit"}, "usage: softlimit" + usageSoftlimit + "\n\n"},
		// getlarg calls chpst's usage(), under softlimit's name.
		{"softlimit bad number", []string{"softlimit", "-o", "x", "p"}, "usage: softlimit" + usageMain + "\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, msg, code, ok := parse(tc.args...)
			if ok || code != ExitUsage {
				t.Fatalf("ok %v, exit %d", ok, code)
			}
			if diff := cmp.Diff(tc.msg, msg); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergeEnv(t *testing.T) {
	environ := []string{"A=1", "B=2", "C=3", "D=4", "B=dup", "NOEQ"}
	got := mergeEnv(environ, []envVar{
		{"B", "new", true}, // first B removed, D moves into its place
		{"X", "", false},   // not there: nothing
		{"A", "", false},   // removed: the last moves in
		{"E", "5", true},
		{"A=B", "odd", true}, // a name with "=": replaces A
	})
	// Step by step: [A B C D Bdup NOEQ] -B-> [A NOEQ C D Bdup B=new]
	// -A-> [B=new NOEQ C D Bdup] +E -> [.. E=5]; -A (none) + A=B=odd.
	want := []string{"B=new", "NOEQ", "C=3", "D=4", "B=dup", "E=5", "A=B=odd"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if v, ok := lookupEnv([]string{"PATHX=1", "PATH=/a", "PATH=/b"}, "PATH"); !ok || v != "/a" {
		t.Errorf("lookupEnv = %q, %v", v, ok)
	}
	if _, ok := lookupEnv([]string{"PATHX=1"}, "PATH"); ok {
		t.Error("lookupEnv found PATH in PATHX")
	}
}

func TestProgname(t *testing.T) {
	for in, want := range map[string]string{
		"chpst": "chpst", "/usr/bin/dsetlock": "setlock", "ddd": "dd", "d": "", "/x/": "", "softlimit": "softlimit",
	} {
		if got := Progname(in); got != want {
			t.Errorf("Progname(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("chpst\x00-vP\x00-u\x00root:root\x00-m\x0099\x00prog")
	f.Add("softlimit\x00-m\x00=\x00prog")
	f.Add("setlock\x00-nx\x00f\x00prog")
	f.Fuzz(func(t *testing.T, args string) {
		argv := strings.Split(args, "\x00")
		var errb strings.Builder
		p, code, ok := Parse(cli.Env{Args: argv, Stderr: &errb})
		if ok {
			if len(p.Argv) == 0 {
				t.Fatalf("ok without a program: %+v", p)
			}
			return
		}
		if code != ExitUsage || !strings.Contains(errb.String(), "usage: ") {
			t.Fatalf("exit %d, message %q", code, errb.String())
		}
	})
}
