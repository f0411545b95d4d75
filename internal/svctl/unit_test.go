package svctl

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSvlogdDirs(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		want         []string
	}{
		{"howto", "#!/bin/sh\nexec svlogd -tt ./main\n", []string{"./main"}},
		{"debian runit-helper", "#!/bin/sh\nexec chpst -ulog svlogd -tt /var/log/runit/sshd\n", []string{"/var/log/runit/sshd"}},
		{"options with arguments", "exec /usr/bin/svlogd -r _ -l 200 -b 4096 -R abc -v main other\n", []string{"main", "other"}},
		{"several dirs and a comment", "exec svlogd -tt main ../x # not/this\n", []string{"main", "../x"}},
		{"line continuation", "exec svlogd \\\n  -tt \\\n  main\n", []string{"main"}},
		{"expansions skipped", "exec svlogd -tt \"$LOGDIR\" $X main '/q'\n", []string{"main"}},
		{"shell operators end it", "svlogd main 2>&1 | cat\n", []string{"main"}},
		{"commented out", "# exec svlogd old\nexec cat\n", nil},
		{"no svlogd", "#!/bin/sh\nexec multilog t ./main\n", nil},
		{"svlogd as a word inside", "echo run svlogd-ish; exec svlogd main\n", []string{"main"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, svlogdDirs(tc.script)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzSvlogdDirs(f *testing.F) {
	for _, s := range []string{"exec svlogd -tt ./main\n", "svlogd -r", "svlogd \\\n -l", "x svlogd # a\n svlogd b c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, d := range svlogdDirs(s) {
			if d == "" || strings.ContainsAny(d, " \t\n$`'\"") || strings.HasPrefix(d, "-") {
				t.Errorf("%q: bad dir %q", s, d)
			}
		}
	})
}

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		line, comm string
		ppid       int
		ok         bool
	}{
		{"123 (runsv) S 100 123 123 0 -1 4194560", "runsv", 100, true},
		{"7 (a b) c)) R 1 7", "a b) c)", 1, true},
		{"7 (x)", "", 0, false},
		{"7 x S 1", "", 0, false},
		{"7 (x) S -3", "", 0, false},
		{"", "", 0, false},
	} {
		comm, ppid, err := parseStat([]byte(tc.line))
		if (err == nil) != tc.ok || comm != tc.comm || ppid != tc.ppid {
			t.Errorf("parseStat(%q) = %q, %d, %v", tc.line, comm, ppid, err)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("123 (runsv) S 100 123 123 0 -1"))
	f.Add([]byte("1 ((() Z 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		comm, ppid, err := parseStat(b)
		if err == nil && (ppid < 0 || !bytes.Contains(b, []byte("("+comm+")"))) {
			t.Errorf("%q: comm %q ppid %d", b, comm, ppid)
		}
	})
}

func TestTree(t *testing.T) {
	procs := []proc{
		{pid: 1, ppid: 0, comm: "init", argv: []string{"init [2]"}},
		{pid: 10, ppid: 1, comm: "runsvdir", argv: []string{"runsvdir", "-P", "/etc/svlnk", "log: ..........."}},
		{pid: 11, ppid: 10, comm: "exe", argv: []string{"runsv", "sshd"}},
		{pid: 12, ppid: 11, comm: "svlogd", argv: []string{"svlogd", "-tt", "./main"}},
		{pid: 13, ppid: 11, comm: "sshd", argv: []string{"/usr/sbin/sshd", "-D"}},
		{pid: 14, ppid: 13, comm: "sshd", argv: []string{"sshd: root@pts/0"}},
		{pid: 20, ppid: 10, comm: "runsv", argv: []string{"runsv", "ntpd"}},
		{pid: 21, ppid: 11, comm: "kworker"},
	}
	var b strings.Builder
	tree(&b, procs, procs[2])
	want := `   PPID     PID COMMAND
      1      10 runsvdir -P /etc/svlnk log: ...........
     10      11  \_ runsv sshd
     11      12      \_ svlogd -tt ./main
     11      13      \_ /usr/sbin/sshd -D
     13      14          \_ sshd: root@pts/0
     11      21      \_ [kworker]
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRunsvdirDir(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		cwd  string
		want string
		ok   bool
	}{
		{[]string{"runsvdir", "-P", "/etc/svlnk", "log: ...."}, "/", "/etc/svlnk", true},
		{[]string{"/usr/bin/runsvdir", "svlnk"}, "/etc", "/etc/svlnk", true},
		{[]string{"runsvdir", "svlnk"}, "", "", false},
		{[]string{"runsvdir"}, "/", "", false},
	} {
		got, ok := proc{argv: tc.argv, cwd: tc.cwd}.runsvdirDir()
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q in %q: %q %v, want %q %v", tc.argv, tc.cwd, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDuration(t *testing.T) {
	for sec, want := range map[int64]string{0: "0s", 59: "59s", 60: "1m00s", 427: "7m07s", 3600: "1h00m", 7380: "2h03m", 86400: "1d00h", 273600: "3d04h"} {
		if got := duration(sec); got != want {
			t.Errorf("duration(%d) = %q, want %q", sec, got, want)
		}
	}
}

func TestIsRcLink(t *testing.T) {
	for _, tc := range []struct {
		name, script, kinds string
		want                bool
	}{
		{"S01ssh", "ssh", "S", true},
		{"S20ssh", "ssh", "S", true},
		{"K01ssh", "ssh", "S", false},
		{"K01ssh", "ssh", "SK", true},
		{"S01sshd", "ssh", "S", false},
		{"S1ssh", "ssh", "S", false},
		{"Sxxssh", "ssh", "S", false},
		{"README", "ssh", "S", false},
	} {
		if got := isRcLink(tc.name, tc.script, tc.kinds); got != tc.want {
			t.Errorf("isRcLink(%q, %q, %q) = %v", tc.name, tc.script, tc.kinds, got)
		}
	}
}

func TestCandidates(t *testing.T) {
	if diff := cmp.Diff([]string{"sshd", "ssh"}, candidates("sshd")); diff != "" {
		t.Errorf("sshd (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ntpd", "ntpsec", "ntp", "openntpd"}, candidates("ntpd")); diff != "" {
		t.Errorf("ntpd (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"foo"}, candidates("foo")); diff != "" {
		t.Errorf("foo (-want +got):\n%s", diff)
	}
}
