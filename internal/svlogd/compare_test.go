package svlogd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func lines(n int, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(f(i))
		b.WriteByte('\n')
	}
	return b.String()
}

// TestSameAsRunit runs C svlogd and gorunit's over the same input and
// config and compares the log directories byte for byte (stamps masked),
// stderr and the exit code.
func TestSameAsRunit(t *testing.T) {
	hundred := lines(300, func(i int) string { return strings.Repeat("x", 90) + " line " + string(rune('a'+i%26)) })
	for name, sc := range map[string]scenario{
		"plain":                           {input: "one\ntwo\n\nthree\n"},
		"no input":                        {},
		"tai64n stamps":                   {args: []string{"-t"}, input: "one\ntwo\n"},
		"tt stamps":                       {args: []string{"-tt"}, input: "one\ntwo\n"},
		"ttt stamps":                      {args: []string{"-ttt", "-t"}, input: "one\n\ntwo\n"},
		"verbose":                         {args: []string{"-v"}, input: "one\n"},
		"final line without newline":      {input: "one\ntwo"},
		"final long line without newline": {args: []string{"-l", "5"}, input: "one\ntwo345678"},
		"exactly l at eof":                {args: []string{"-l", "5"}, input: "one\n12345"},
		"long lines":                      {args: []string{"-l", "10", "-b", "11"}, input: "short\n0123456789abcdef\n0123456789\n012345678\n" + strings.Repeat("z", 5000) + "\n"},
		"nul and control":                 {input: "a\x00b\tc\x7fd\xffe\n"},
		"replace r":                       {args: []string{"-r", "?"}, input: "a\x00b\tc\x7fd\xffe~\n"},
		"replace R":                       {args: []string{"-R", "abc"}, input: "a\x00b\tc\x7fd\xffe\nabcabc\n"},
		"replace R and r":                 {args: []string{"-R", "ab", "-r", "#", "-l", "4"}, input: "xabyab\x01\x01\x01\n"},
		"size rotation": {
			args: []string{"-v"}, config: map[string]string{"log": "s1000\nn3\n"}, input: hundred,
		},
		"size rotation tt": {
			args: []string{"-tt", "-v"}, config: map[string]string{"log": "s2k\nn100\n"}, input: hundred,
		},
		"split at s": {
			config: map[string]string{"log": "s37\nn0\n"}, args: []string{"-l", "5"}, input: lines(20, func(i int) string { return strings.Repeat("y", i*3) }),
		},
		"s below l": {
			config: map[string]string{"log": "s100\nn0\n"}, input: hundred[:3000],
		},
		"s equals l": {
			config: map[string]string{"log": "s50\nn0\n"}, args: []string{"-l", "50"}, input: "a\nb\nc\n",
		},
		"deletion one per rotation": {
			config: map[string]string{"log": "s200\nn2\n"}, args: []string{"-v"}, input: hundred[:2000],
			setup: func(t *testing.T, root string) {
				for _, n := range []string{"@400000000000000000000001.s", "@400000000000000000000002.u", "@400000000000000000000003.s", "@400000000000000000000004.t"} {
					os.WriteFile(filepath.Join(root, "log", n), []byte(n+"\n"), 0o744)
				}
			},
		},
		"patterns": {
			config: map[string]string{"log": "-*\n+a*\n-*b\n+ab*c\ne*x*\nE*xy*\n-+q\n+*+z\n"},
			input:  "a1\nab\nabxc\nb\nxx\nxyz\nqqqq\nzz\nqz\naz\n+z\n\n",
		},
		"pattern star at end": {
			config: map[string]string{"log": "-*\n+foo*\n+*bar\n"},
			input:  "foo\nfoobar\nbar\nxbar\nfo\n",
		},
		"pattern plus reads stale byte": {
			// runit's +X compares X with the byte after the text: an
			// older, longer line's byte is still there.
			config: map[string]string{"log": "-*\n+ab+c\n"},
			input:  "abcc\nab\nabc\nabxc\nab\n",
		},
		"prefix": {
			args: []string{"-t"}, config: map[string]string{"log": "pPRE: \n"}, input: "one\ntwo\n",
		},
		"prefix and stderr": {
			args: []string{"-l", "4"}, config: map[string]string{"log": "pP \ne*\n"}, input: "one\ntwo345\n",
		},
		"two dirs": {
			dirs:   []string{"a", "b"},
			config: map[string]string{"a": "-*\n+a*\n", "b": "pB:\ns20\n"},
			input:  "apple\nbanana\navocado\ncherry\n",
		},
		"missing dir": {
			dirs: []string{"missing", "b"}, input: "one\n",
		},
		"all dirs missing": {
			dirs: []string{"missing1", "missing2"}, input: "one\n",
		},
		"dir is a file": {
			dirs: []string{"b", "file"}, input: "one\n",
			setup: func(t *testing.T, root string) { os.WriteFile(filepath.Join(root, "file"), nil, 0o644) },
		},
		"unclean current": {
			args: []string{"-v"}, config: map[string]string{"log": "n1\n"}, input: "new\n",
			setup: func(t *testing.T, root string) {
				os.WriteFile(filepath.Join(root, "log", "current"), []byte("old\n"), 0o644)
				os.WriteFile(filepath.Join(root, "log", "@400000000000000000000001.s"), []byte("older\n"), 0o744)
			},
		},
		"clean current appended": {
			args: []string{"-v"}, input: "new\n",
			setup: func(t *testing.T, root string) {
				os.WriteFile(filepath.Join(root, "log", "current"), []byte("old\n"), 0o744)
			},
		},
		"clean current beyond s": {
			args: []string{"-v"}, config: map[string]string{"log": "s100\n"}, input: "new\n",
			setup: func(t *testing.T, root string) {
				os.WriteFile(filepath.Join(root, "log", "current"), []byte(strings.Repeat("o", 150)+"\n"), 0o744)
			},
		},
		"unclean current with processor": {
			args: []string{"-v"}, config: map[string]string{"log": "!cat\n"}, input: "new\n",
			setup: func(t *testing.T, root string) {
				os.WriteFile(filepath.Join(root, "log", "current"), []byte("old\n"), 0o600)
			},
		},
		"empty unclean current": {
			args: []string{"-v"}, input: "new\n",
			setup: func(t *testing.T, root string) {
				os.WriteFile(filepath.Join(root, "log", "current"), nil, 0o600)
			},
		},
		"config quirks": {
			args:   []string{"-v"},
			config: map[string]string{"log": "# comment\n\ns1k\nn5\nN2\nt0\nz unknown\nu1.2.3\nu1.2.3.4:0x\np\n!\n+"},
			input:  "one\n",
		},
		"config sizes": {
			config: map[string]string{"log": "s1m\ns3k\n"}, input: hundred,
		},
		"config without final newline": {
			config: map[string]string{"log": "s100\npX"}, input: "one\ntwo\n",
		},
		"processor": {
			args:   []string{"-v"},
			config: map[string]string{"log": "s300\n!tr a-z A-Z; cat <&4 >&5; echo seen >&5\n"},
			input:  hundred[:1500],
		},
		"processor environment": {
			// gorunit's svlogd executes itself again with GOMAXPROCS and
			// GODEBUG added; its processors must not see them. (PWD is
			// each run's own temp dir.)
			config: map[string]string{"log": "s300\n!env | grep -v '^PWD=' | sort\n"},
			input:  hundred[:400],
		},
		"processor signal mask": {
			// svlogd's handler and the signals it ignores while it
			// executes itself again must not reach the processor.
			config: map[string]string{"log": "s300\n!grep -E '^Sig(Blk|Ign)' /proc/self/status\n"},
			input:  hundred[:400],
		},
		"processor fails once": {
			config: map[string]string{"log": "s300\n!test -e flag && exec tr a-z A-Z; touch flag; exit 1\n"},
			input:  hundred[:700],
		},
		"read-only dir": {
			dirs: []string{"ro/log", "b"}, input: "one\n",
			setup: func(t *testing.T, root string) {
				mnt := tmpfs(t, "64k")
				os.Mkdir(filepath.Join(mnt, "log"), 0o755)
				if out, err := exec.Command("mount", "-o", "remount,ro", mnt).CombinedOutput(); err != nil {
					t.Skipf("remount ro: %v: %s", err, out)
				}
				os.RemoveAll(filepath.Join(root, "ro")) // prepare made it
				if err := os.Symlink(mnt, filepath.Join(root, "ro")); err != nil {
					t.Fatal(err)
				}
			},
		},
		"locked dir": {
			dirs: []string{"a", "b"}, input: "one\n",
			setup: func(t *testing.T, root string) { lockDir(t, filepath.Join(root, "b")) },
		},
	} {
		t.Run(name, func(t *testing.T) {
			var want result
			for i, im := range both(t) {
				got := sc.run(t, im)
				if i == 0 {
					want = got
					continue
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("C svlogd vs gorunit (-C +gorunit):\n%s", d)
				}
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"no dir":               {},
		"illegal option":       {"-x", "log"},
		"missing argument":     {"-l"},
		"r too long":           {"-r", "ab", "log"},
		"r empty":              {"-r", "", "log"},
		"buflen not above len": {"-l", "100", "-b", "100", "log"},
		"b zero then l":        {"-b", "0", "-l", "1024", "log"},
	} {
		t.Run(name, func(t *testing.T) {
			var want result
			for i, im := range both(t) {
				got := scenario{args: args, dirs: []string{}, input: ""}.run(t, im)
				if i == 0 {
					want = got
					continue
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("(-C +gorunit):\n%s", d)
				}
			}
		})
	}
}
