package utmpset

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/svtest"
	"github.com/gorunit/gorunit/internal/utmp"
)

func TestMain(m *testing.M) {
	code := m.Run()
	svtest.Cleanup()
	os.Exit(code)
}

func rec(l utmp.Layout, typ int16, line, user string, pid int32) []byte {
	var r utmp.Record
	r.Type, r.Pid = typ, pid
	copy(r.Line[:], line)
	copy(r.User[:], user)
	copy(r.Host[:], "host.example")
	copy(r.ID[:], "id")
	r.TvSec, r.TvUsec, r.Session = 1600000000, 500, 9
	return l.Encode(r)
}

// utmpFile is a utmp with a few logins; pts/1 appears twice, the first
// time without a user (utmpset skips it).
func utmpFile(l utmp.Layout) []byte {
	var b []byte
	b = append(b, rec(l, utmp.BootTime, "~", "reboot", 0)...)
	b = append(b, rec(l, utmp.LoginProcess, "pts/1", "", 10)...)
	b = append(b, rec(l, utmp.UserProcess, "pts/1", "alice", 11)...)
	b = append(b, rec(l, utmp.UserProcess, "tty2", "bob", 12)...)
	b = append(b, rec(l, utmp.UserProcess, strings.Repeat("L", 32), "carol", 13)...)
	return b
}

type outcome struct {
	Stderr string
	Code   int
	Utmp   []utmp.Record
	Wtmp   []utmp.Record
}

func records(l utmp.Layout, b []byte, now int64) []utmp.Record {
	var out []utmp.Record
	for len(b) >= l.Size {
		r := l.Decode(b[:l.Size])
		if r.TvSec >= now-5 && r.TvSec <= now+5 {
			r.TvSec = -1 // "now": the two runs differ by a second or so
		}
		out = append(out, r)
		b = b[l.Size:]
	}
	if len(b) != 0 {
		out = append(out, utmp.Record{Type: -99}) // a partial record
	}
	return out
}

var cases = []struct {
	name string
	args []string
	wtmp bool // whether a wtmp file exists beforehand
}{
	{"logout", []string{"pts/1"}, true},
	{"logout and wtmp", []string{"-w", "tty2"}, true},
	{"wtmp created", []string{"-w", "tty2"}, false},
	{"no such line", []string{"-w", "pts/9"}, true},
	{"entry without user", []string{"~"}, true},
	{"full-width line", []string{"-w", strings.Repeat("L", 32)}, true},
	{"too long for wtmp", []string{"-w", strings.Repeat("L", 32) + "id"}, true},
	{"usage", nil, true},
	{"illegal option", []string{"-x", "tty2"}, true},
	{"version", []string{"-V", "tty2"}, true},
	{"double dash", []string{"--", "tty2"}, true},
}

func TestInProcess(t *testing.T) {
	l := utmp.Native
	const now = 1900000000
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f := files{filepath.Join(dir, "utmp"), filepath.Join(dir, "wtmp"), l, func() int64 { return now }}
			os.WriteFile(f.utmp, utmpFile(l), 0o664)
			if tc.wtmp {
				os.WriteFile(f.wtmp, nil, 0o664)
			}
			var errb bytes.Buffer
			code := run(cli.Env{Args: append([]string{"utmpset"}, tc.args...), Stderr: &errb}, f)
			if code != 0 && code != ExitFatal && code != ExitUsage {
				t.Errorf("exit %d", code)
			}
		})
	}
	t.Run("logout", func(t *testing.T) {
		dir := t.TempDir()
		f := files{filepath.Join(dir, "utmp"), filepath.Join(dir, "wtmp"), l, func() int64 { return now }}
		os.WriteFile(f.utmp, utmpFile(l), 0o664)
		var errb bytes.Buffer
		if code := run(cli.Env{Args: []string{"utmpset", "-w", "pts/1"}, Stderr: &errb}, f); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		got, _ := os.ReadFile(f.utmp)
		want := utmpFile(l)
		l.Logout(want[2*l.Size:3*l.Size], now)
		if !bytes.Equal(want, got) {
			t.Errorf("utmp (-want +got):\n%s", cmp.Diff(records(l, want, 0), records(l, got, 0)))
		}
		w, _ := os.ReadFile(f.wtmp)
		if !bytes.Equal(w, l.Dead("pts/1", now)) {
			t.Errorf("wtmp: %v", records(l, w, 0))
		}
		if fi, _ := os.Stat(f.wtmp); fi.Mode().Perm() != 0o600 {
			t.Errorf("wtmp created with mode %v, want 0600", fi.Mode().Perm())
		}
	})
	t.Run("missing utmp", func(t *testing.T) {
		dir := t.TempDir()
		var errb bytes.Buffer
		code := run(cli.Env{Args: []string{"utmpset", "tty1"}, Stderr: &errb},
			files{filepath.Join(dir, "utmp"), filepath.Join(dir, "wtmp"), l, func() int64 { return now }})
		want := "utmpset: fatal: unable to open " + filepath.Join(dir, "utmp") + ": file does not exist\n"
		if code != ExitFatal || errb.String() != want {
			t.Errorf("exit %d, stderr %q; want 111, %q", code, errb.String(), want)
		}
	})
}

// TestSideBySide runs Debian's C utmpset and gorunit's, each in a mount
// namespace of its own with fake /var/run and /var/log bind-mounted, and
// compares messages, exit codes and the resulting utmp and wtmp.
func TestSideBySide(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ref := svtest.RunitRef(t)
	box := svtest.Box(t)
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare")
	}
	l := utmp.Native
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got [2]outcome
			for i, bin := range []string{filepath.Join(ref, "utmpset"), filepath.Join(box, "utmpset")} {
				dir := t.TempDir()
				run, logd := filepath.Join(dir, "run"), filepath.Join(dir, "log")
				os.Mkdir(run, 0o755)
				os.Mkdir(logd, 0o755)
				os.WriteFile(filepath.Join(run, "utmp"), utmpFile(l), 0o664)
				if tc.wtmp {
					os.WriteFile(filepath.Join(logd, "wtmp"), rec(l, utmp.BootTime, "~", "reboot", 0), 0o664)
				}
				script := `mount --bind "$1" /var/run && mount --bind "$2" /var/log || exit 99; shift 2; exec utmpset "$@"`
				cmd := exec.Command(unshare, append([]string{"-m", "/bin/sh", "-c", script, "sh", run, logd}, tc.args...)...)
				cmd.Env = []string{"PATH=" + filepath.Dir(bin) + ":/usr/bin:/bin"}
				var errb bytes.Buffer
				cmd.Stderr = &errb
				err := cmd.Run()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				if code == 99 || strings.HasPrefix(errb.String(), "unshare: ") {
					t.Skipf("cannot bind-mount in a mount namespace: %s", errb.String())
				}
				u, _ := os.ReadFile(filepath.Join(run, "utmp"))
				w, _ := os.ReadFile(filepath.Join(logd, "wtmp"))
				stderr := strings.ReplaceAll(errb.String(), "$Id: cb399098f794012a7f5e6a3a7090b2d53b86c08c $", cli.ID())
				now := time.Now().Unix()
				got[i] = outcome{stderr, code, records(l, u, now), records(l, w, now)}
			}
			if diff := cmp.Diff(got[0], got[1]); diff != "" {
				t.Errorf("C (-) and gorunit (+) differ:\n%s", diff)
			}
		})
	}
}
