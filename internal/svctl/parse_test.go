package svctl

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// parsed is what parse decides, for comparing.
type parsed struct {
	Name                     string
	DryRun, Kill, Sysv, JSON bool
	Wait                     time.Duration
	LinkDir, SvRoot, InitDir string
}

func TestParse(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name string
		args []string
		want parsed
	}{
		{"defaults from the environment", []string{"enable", "sshd"},
			parsed{Name: "sshd", Wait: DefaultWait}},
		{"bundled flags and attached value", []string{"disable", "-nkSw5", "sshd"},
			parsed{Name: "sshd", DryRun: true, Kill: true, Sysv: true, Wait: 5 * time.Second}},
		{"separate value and long forms", []string{"reset", "-w", "7", "--kill", "--svdir=/x/lnk", "--sv-root", "/x/sv", "sshd"},
			parsed{Name: "sshd", Kill: true, Wait: 7 * time.Second, LinkDir: "/x/lnk", SvRoot: "/x/sv"}},
		{"-- ends options", []string{"enable", "-n", "--", "sshd"},
			parsed{Name: "sshd", DryRun: true, Wait: DefaultWait}},
		{"summary", []string{"summary", "--json", "--svdir", "/l"},
			parsed{JSON: true, Wait: DefaultWait, LinkDir: "/l"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, _, errb := f.cliEnv(tc.args)
			c, code := parse(tc.args[0], env)
			if c == nil {
				t.Fatalf("exit %d: %s", code, errb)
			}
			want := tc.want
			if want.LinkDir == "" {
				want.LinkDir = f.lnk
			}
			if want.SvRoot == "" {
				want.SvRoot = f.sv
			}
			want.InitDir = f.initd
			got := parsed{Name: c.name, DryRun: c.dryRun, Kill: c.kill, Sysv: c.sysv, JSON: c.json,
				Wait: c.wait, LinkDir: c.linkDir, SvRoot: c.svRoot, InitDir: c.initDir}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"enable", "-x", "a"}, "gorunit enable: illegal option -- x\n"},
		{[]string{"enable", "-w"}, "gorunit enable: option requires an argument -- w\n"},
		{[]string{"enable", "--frob", "a"}, "gorunit enable: unknown option --frob\n"},
		{[]string{"enable", "--dry-run=yes", "a"}, "gorunit enable: option --dry-run takes no value\n"},
		{[]string{"reset", "-w0", "a"}, "gorunit reset: -w wants a number of seconds, at least 1: 0\n"},
		{[]string{"summary", "-k"}, "gorunit summary: illegal option -- k\n"},
	} {
		env, out, errb := f.cliEnv(tc.args)
		if c, code := parse(tc.args[0], env); c != nil || code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", tc.args, code, ExitUsage)
		}
		want := tc.msg + "usage: gorunit " + tc.args[0] + usages[tc.args[0]] + "\n\n"
		if out.Len() != 0 || errb.String() != want {
			t.Errorf("%v: stdout %q, stderr %q; want stderr %q", tc.args, out, errb, want)
		}
	}
}

func FuzzParseOptions(f *testing.F) {
	for _, s := range []string{"-nkSw5 x", "--svdir=/a -- b", "-w", "--wait 3 -", "--=x", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var n, k bool
		var w, d string
		opts := []option{{'n', "dry-run", &n, nil}, {'k', "kill", &k, nil}, {'w', "wait", nil, &w}, {0, "svdir", nil, &d}}
		args := strings.Fields(s)
		rest, err := parseOptions(args, opts)
		if err != nil {
			return
		}
		if len(rest) > len(args) {
			t.Fatalf("%q: more operands than arguments: %q", s, rest)
		}
		// Operands are a tail of the arguments.
		if diff := cmp.Diff(args[len(args)-len(rest):], rest); len(rest) > 0 && diff != "" {
			t.Fatalf("%q: operands are not a tail: %s", s, diff)
		}
	})
}
