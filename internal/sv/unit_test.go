package sv

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/supervise"
)

func TestExitCodes(t *testing.T) {
	// Part of the interface: scripts and init systems test these.
	got := []int{ExitUsage, ExitFatal, ExitMaxFails, ExitLSBUsage, ExitLSBFatal,
		ExitLSBRunning, ExitLSBNotRunning, ExitLSBUnknown, DefaultWait}
	want := []int{100, 100, 99, 2, 151, 0, 3, 4, 7}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exit codes (-want +got):\n%s", diff)
	}
	if DefaultSVDIR != "/etc/svlnk" {
		t.Errorf("DefaultSVDIR = %q", DefaultSVDIR)
	}
}

func TestParseCommand(t *testing.T) {
	ctl := func(acts string, wait, kill bool) Plan {
		return Plan{Act: ActControl, Acts: acts, Wait: wait, Kill: kill}
	}
	status := Plan{Act: ActStatus, Acts: "s"}
	for _, tc := range []struct {
		word    string
		lsb     bool
		verbose bool
		want    Plan
		ok      bool
	}{
		{word: "up", want: ctl("u", false, false), ok: true},
		{word: "ugly", want: ctl("u", false, false), ok: true},
		{word: "up", verbose: true, want: ctl("u", true, false), ok: true},
		{word: "down", want: ctl("d", false, false), ok: true},
		{word: "once", want: ctl("o", false, false), ok: true},
		{word: "pause", want: ctl("p", false, false), ok: true},
		{word: "cont", want: ctl("c", false, false), ok: true},
		{word: "continue", want: ctl("c", false, false), ok: true},
		{word: "hup", want: ctl("h", false, false), ok: true},
		{word: "alarm", want: ctl("a", false, false), ok: true},
		{word: "interrupt", want: ctl("i", false, false), ok: true},
		{word: "quit", want: ctl("q", false, false), ok: true},
		{word: "1", want: ctl("1", false, false), ok: true},
		{word: "2", want: ctl("2", false, false), ok: true},
		{word: "term", want: ctl("t", false, false), ok: true},
		{word: "try", want: ctl("t", false, false), ok: true},
		{word: "try-restart", want: ctl("tc", true, false), ok: true},
		{word: "kill", want: ctl("k", false, false), ok: true},
		{word: "exit", want: ctl("x", false, false), ok: true},
		{word: "e", want: ctl("x", false, false), ok: true},
		{word: "X", want: ctl("x", true, true), ok: true},
		{word: "Exit", want: ctl("x", true, true), ok: true},
		{word: "Down", want: ctl("d", true, true), ok: true},
		{word: "Term", want: ctl("tc", true, true), ok: true},
		{word: "check", want: Plan{Act: ActNone, Acts: "C", Wait: true}, ok: true},
		{word: "checkx", want: ctl("c", false, false), ok: true},
		{word: "start", want: ctl("u", true, false), ok: true},
		{word: "stop", want: ctl("d", true, false), ok: true},
		{word: "shutdown", want: ctl("x", true, false), ok: true},
		{word: "status", want: status, ok: true},
		{word: "status", verbose: true, want: status, ok: true},
		{word: "stat", want: status, ok: true},
		{word: "s", want: status, ok: true},
		{word: "status", lsb: true, want: status, ok: true},
		{word: "stat", lsb: true},
		{word: "restart", want: ctl("tcu", true, false), ok: true},
		{word: "reload", want: ctl("h", true, false), ok: true},
		{word: "r"},
		{word: "reboot"},
		{word: "force-reload", want: ctl("tc", true, true), ok: true},
		{word: "force-restart", want: ctl("tcu", true, true), ok: true},
		{word: "force-shutdown", want: ctl("x", true, true), ok: true},
		{word: "force-stop", want: ctl("d", true, true), ok: true},
		{word: "force"},
		{word: "f"},
		{word: ""},
		{word: "-"},
		{word: "bogus"},
		{word: "U"},
		{word: "next"},
		{word: "3"},
	} {
		got, ok := ParseCommand(tc.word, tc.lsb, tc.verbose)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseCommand(%q, lsb=%v, v=%v) = %+v, %v; want %+v, %v", tc.word, tc.lsb, tc.verbose, got, ok, tc.want, tc.ok)
		}
	}
}

func TestGetopt(t *testing.T) {
	type opt struct {
		C   string
		Arg string
	}
	for _, tc := range []struct {
		name     string
		args     []string
		opts     []opt
		rest     []string
		complain string
	}{
		{"none", []string{"sv", "status", "x"}, nil, []string{"status", "x"}, ""},
		{"v", []string{"sv", "-v", "up", "x"}, []opt{{"v", ""}}, []string{"up", "x"}, ""},
		{"w separate", []string{"sv", "-w", "3", "up"}, []opt{{"w", "3"}}, []string{"up"}, ""},
		{"w attached", []string{"sv", "-w3", "up"}, []opt{{"w", "3"}}, []string{"up"}, ""},
		{"bundled", []string{"sv", "-vw", "3", "up"}, []opt{{"v", ""}, {"w", "3"}}, []string{"up"}, ""},
		{"bundled attached", []string{"sv", "-vw3v", "up"}, []opt{{"v", ""}, {"w", "3v"}}, []string{"up"}, ""},
		{"double dash", []string{"sv", "--", "-v"}, nil, []string{"-v"}, ""},
		{"double dash word", []string{"sv", "--x", "up"}, nil, []string{"up"}, ""},
		{"lone dash", []string{"sv", "-", "up"}, nil, []string{"-", "up"}, ""},
		{"empty word", []string{"sv", "", "-v"}, nil, []string{"", "-v"}, ""},
		{"stops at operand", []string{"sv", "up", "-v"}, nil, []string{"up", "-v"}, ""},
		{"w empty next", []string{"sv", "-w", "", "up"}, []opt{{"w", ""}}, []string{"up"}, ""},
		{"illegal", []string{"sv", "-z"}, []opt{{"?", ""}}, nil, "sv: illegal option -- z\n"},
		{"illegal colon", []string{"sv", "-:"}, []opt{{"?", ""}}, nil, "sv: illegal option -- :\n"},
		{"missing argument", []string{"sv", "-v", "-w"}, []opt{{"v", ""}, {"?", ""}}, nil, "sv: option requires an argument -- w\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			g := cli.NewGetopt(tc.args, "w:vV", &b)
			var got []opt
			for {
				c := g.Next()
				if c == 0 {
					break
				}
				got = append(got, opt{string(rune(c)), g.Arg})
				if c == '?' {
					break
				}
			}
			complain := b.String()
			if diff := cmp.Diff(tc.opts, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if complain != tc.complain {
				t.Errorf("complaint = %q, want %q", complain, tc.complain)
			}
			if complain == "" {
				if diff := cmp.Diff(tc.rest, g.Args[g.Ind:]); tc.rest != nil && diff != "" {
					t.Errorf("operands (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestAppendStatus(t *testing.T) {
	rec := func(pid uint32, paused, want, term, state byte, sec uint64) *[supervise.StatusSize]byte {
		var b [supervise.StatusSize]byte
		for i := range 8 {
			b[i] = byte(sec >> (56 - 8*i))
		}
		b[12], b[13], b[14], b[15] = byte(pid), byte(pid>>8), byte(pid>>16), byte(pid>>24)
		b[16], b[17], b[18], b[19] = paused, want, term, state
		return &b
	}
	const now = 0x4000000000000000 + 1000
	for _, tc := range []struct {
		name       string
		b          *[supervise.StatusSize]byte
		normallyUp bool
		line       string
		r          int
	}{
		{"run", rec(42, 0, 'u', 0, 1, now-5), true, "run: x: (pid 42) 5s", 1},
		{"run normally down", rec(42, 0, 'u', 0, 1, now-5), false, "run: x: (pid 42) 5s, normally down", 1},
		{"down want up", rec(0, 0, 'u', 0, 0, now), true, "down: x: 0s, normally up, want up", 2},
		{"down normally down", rec(0, 0, 'd', 0, 0, now), false, "down: x: 0s", 2},
		{"all flags", rec(7, 1, 'd', 1, 1, now), false, "run: x: (pid 7) 0s, normally down, paused, want down, got TERM", 1},
		{"finish", rec(9, 0, 'u', 0, 2, now-1), true, "finish: x: (pid 9) 1s", 1},
		{"future stamp", rec(9, 0, 'u', 0, 1, now+100), true, "run: x: (pid 9) 0s", 1},
		{"unknown state", rec(9, 0, 'u', 0, 200, now), true, "x: (pid 9) 0s", 1},
		{"down with pid", rec(9, 0, 'u', 0, 0, now), true, "down: x: 0s", 1},
		{"run without pid", rec(0, 1, 'u', 1, 1, now), true, "run: x: (pid 0) 0s, normally up, want up", 2},
		{"sign-extended pid", rec(0xffffffff, 0, 'u', 0, 1, now), true, "run: x: (pid 18446744073709551615) 0s", 1},
		{"zero stamp", rec(1, 0, 'u', 0, 1, 0), true, "run: x: (pid 1) 4611686018427388904s", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, r := AppendStatus(nil, "x", tc.b, now, tc.normallyUp)
			if string(got) != tc.line || r != tc.r {
				t.Errorf("got %q, %d; want %q, %d", got, r, tc.line, tc.r)
			}
		})
	}
}

// TestMainInProcess runs Main with buffers, several at once, in
// different working directories: each sv changes directory on a thread of
// its own, so none disturbs another or the test.
func TestMainInProcess(t *testing.T) {
	cwd, _ := os.Getwd()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "svdir", "x"), 0o755)
			var stdout, stderr bytes.Buffer
			env := cli.Env{
				Args:   []string{"sv", "status", "x", "./nosuch"},
				Stdout: &stdout, Stderr: &stderr,
				Environ: func() []string { return []string{"SVDIR=" + filepath.Join(dir, "svdir")} },
			}
			code := Main(env)
			want := "warning: x: unable to open supervise/ok: file does not exist\n" +
				"fail: ./nosuch: unable to change to service directory: file does not exist\n"
			if code != 2 || stdout.String() != want || stderr.Len() != 0 {
				t.Errorf("run %d: exit %d, stdout %q, stderr %q", i, code, stdout.String(), stderr.String())
			}
		}()
	}
	wg.Wait()
	if now, _ := os.Getwd(); now != cwd {
		t.Errorf("working directory moved from %s to %s", cwd, now)
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, w := range []string{"up", "check", "checkx", "try-restart", "status", "stat", "restart",
		"reload", "force-stop", "force-x", "", "X", "-", "s", "r", "f"} {
		f.Add(w, false, false)
		f.Add(w, true, true)
	}
	f.Fuzz(func(t *testing.T, word string, lsb, verbose bool) {
		p, ok := ParseCommand(word, lsb, verbose)
		if !ok {
			if p != (Plan{}) {
				t.Errorf("usage error with a plan: %+v", p)
			}
			return
		}
		if p.Acts == "" {
			t.Fatalf("%q: empty acts", word)
		}
		// The command string is what goes to runsv: only its bytes.
		for i := 0; i < len(p.Acts) && p.Act == ActControl; i++ {
			if !supervise.IsControl(p.Acts[i]) {
				t.Errorf("%q: sends %q, not a control byte", word, p.Acts[i])
			}
		}
		if p.Kill && !p.Wait {
			t.Errorf("%q: kills without waiting", word)
		}
		if p.Act == ActStatus && p.Wait {
			t.Errorf("%q: status waits", word)
		}
		// Only exact words may decide on more than the first byte.
		exact := map[string]bool{"check": true, "try-restart": true, "start": true, "stop": true,
			"shutdown": true, "status": true, "restart": true, "reload": true, "force-reload": true,
			"force-restart": true, "force-shutdown": true, "force-stop": true}
		if !exact[word] && word[0] != 's' {
			q, qok := ParseCommand(word[:1], lsb, verbose)
			if !qok || q != p {
				t.Errorf("%q = %+v but %q = %+v", word, p, word[:1], q)
			}
		}
	})
}

func FuzzGetopt(f *testing.F) {
	f.Add("-v\x00-w\x003\x00up\x00x")
	f.Add("-vw3\x00--\x00-x")
	f.Add("-w")
	f.Add("-\x00-z")
	f.Fuzz(func(t *testing.T, joined string) {
		args := append([]string{"sv"}, strings.Split(joined, "\x00")...)
		var b strings.Builder
		g := cli.NewGetopt(args, "w:vV", &b)
		for n := 0; ; n++ {
			if n > len(joined)+2 {
				t.Fatalf("getopt does not end on %q", args)
			}
			c := g.Next()
			if c == 0 {
				if g.Ind > len(args) {
					t.Fatalf("optind %d past %d args", g.Ind, len(args))
				}
				return
			}
			if c == '?' {
				msg := b.String()
				if !strings.HasPrefix(msg, "sv: ") || !strings.HasSuffix(msg, "\n") {
					t.Fatalf("complaint %q", msg)
				}
				return
			}
			if !strings.ContainsRune("wvV", rune(c)) {
				t.Fatalf("option %q", rune(c))
			}
		}
	})
}

// FuzzAppendStatus feeds every record sv could read to the status line
// and checks its shape: never a panic, one line, the name, known words.
func FuzzAppendStatus(f *testing.F) {
	f.Add([]byte{0x40, 0, 0, 0, 0x6b, 0x05, 0x77, 0xc4, 0x38, 0xe1, 0xe9, 0x9c, 0x1a, 0x19, 0, 0, 0, 0x75, 0, 1}, true)
	f.Add(make([]byte, 20), false)
	f.Add([]byte("0123456789abcdefghij"), true)
	f.Fuzz(func(t *testing.T, b []byte, normallyUp bool) {
		var raw [supervise.StatusSize]byte
		copy(raw[:], b)
		line, r := AppendStatus(nil, "svc", &raw, 0x4000000000000000+1e9, normallyUp)
		s := string(line)
		if strings.ContainsRune(s, '\n') || !utf8.ValidString(s) {
			t.Fatalf("bad line %q", s)
		}
		if !strings.Contains(s, "svc: ") {
			t.Fatalf("no name in %q", s)
		}
		if r != 1 && r != 2 {
			t.Fatalf("result %d", r)
		}
		st, err := supervise.Decode(raw[:])
		if err != nil {
			t.Fatal(err)
		}
		if (st.PID != 0) != (r == 1) {
			t.Fatalf("pid %d but result %d", st.PID, r)
		}
		switch raw[19] {
		case 0, 1, 2:
			if !strings.HasPrefix(s, st.State.String()+": svc: ") {
				t.Fatalf("%q does not start with its state", s)
			}
		default:
			if !strings.HasPrefix(s, "svc: ") {
				t.Fatalf("%q: unknown state printed", s)
			}
		}
	})
}

// FuzzStatusFile runs sv status, in both modes, on a service whose
// supervise/status holds anything at all: never a panic, and only the
// exit codes sv can give.
func FuzzStatusFile(f *testing.F) {
	f.Add([]byte{0x40, 0, 0, 0, 0x6b, 0x05, 0x77, 0xc4, 0x38, 0xe1, 0xe9, 0x9c, 0x1a, 0x19, 0, 0, 0, 0x75, 0, 1})
	f.Add([]byte{})
	f.Add([]byte("short"))
	f.Add(bytes.Repeat([]byte{0xff}, 40))
	dir := f.TempDir()
	sup := filepath.Join(dir, "x", "supervise")
	os.MkdirAll(sup, 0o755)
	for _, fifo := range []string{"ok", "control"} {
		if err := mkfifo(filepath.Join(sup, fifo)); err != nil {
			f.Fatal(err)
		}
	}
	fd, err := unixOpenRead(filepath.Join(sup, "ok"))
	if err != nil {
		f.Fatal(err)
	}
	defer closeFD(fd)
	f.Fuzz(func(t *testing.T, status []byte) {
		if err := os.WriteFile(filepath.Join(sup, "status"), status, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, argv0 := range []string{"sv", "/etc/init.d/x"} {
			var stdout, stderr bytes.Buffer
			code := Main(cli.Env{
				Args:   []string{argv0, "status", "x"},
				Stdout: &stdout, Stderr: &stderr,
				Environ: func() []string { return []string{"SVDIR=" + dir} },
			})
			ok := code == 0 || code == 1
			if argv0 != "sv" {
				ok = code == 0 || code == 3 || code == 4
			}
			if !ok || stderr.Len() != 0 || !strings.HasSuffix(stdout.String(), "\n") {
				t.Errorf("%s status x on %x: exit %d, stdout %q, stderr %q", argv0, status, code, stdout.String(), stderr.String())
			}
		}
	})
}

// FuzzMain runs Main on any arguments, as sv and as an init script, over
// an empty $SVDIR: never a panic, and only sv's exit codes and streams.
func FuzzMain(f *testing.F) {
	for _, a := range []string{"status\x00x", "-v\x00up\x00x", "-w\x00", "-V", "check\x00", "-vw3\x00restart\x00a\x00b",
		"--\x00stat\x00/", "force-stop\x00.", "\x00", "s\x00x/", "e\x00..", "-z"} {
		f.Add(false, a)
		f.Add(true, a)
	}
	svdir := f.TempDir()
	f.Fuzz(func(t *testing.T, lsb bool, joined string) {
		argv0 := "sv"
		if lsb {
			argv0 = "/etc/init.d/x"
		}
		args := append([]string{argv0}, strings.Split(joined, "\x00")...)
		var stdout, stderr bytes.Buffer
		code := Main(cli.Env{
			Args:   args,
			Stdout: &stdout, Stderr: &stderr,
			Environ: func() []string { return []string{"SVDIR=" + svdir, "SVWAIT=0"} },
		})
		valid := code >= 0 && code <= 99 || code == ExitUsage
		if lsb {
			valid = valid || code == ExitLSBUsage || code == ExitLSBFatal
		}
		if !valid {
			t.Errorf("%q: exit %d", args, code)
		}
		if code == ExitUsage && !lsb && !strings.Contains(stderr.String(), "usage: sv [-v] [-w sec] command service ...\n\n") {
			t.Errorf("%q: exit 100 without usage: %q", args, stderr.String())
		}
		if out := stdout.String(); out != "" && !strings.HasSuffix(out, "\n") {
			t.Errorf("%q: stdout %q does not end a line", args, out)
		}
	})
}
