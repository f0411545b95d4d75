package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

func TestErrStrUsesRunitTexts(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{unix.ENOENT, "file does not exist"},
		{unix.EAGAIN, "temporary failure"}, // == EWOULDBLOCK: the first entry wins
		{unix.ENXIO, "device not configured"},
		{unix.EACCES, "access denied"},
		{unix.EPERM, "permission denied"},
		{&os.PathError{Op: "open", Path: "x", Err: unix.ENOTDIR}, "not a directory"},
		{fmt.Errorf("wrapped: %w", unix.ELOOP), "symbolic link loop"},
		{unix.Errno(4095), "unknown error"},
		{nil, "no error"},
	} {
		if got := ErrStr(tc.err); got != tc.want {
			t.Errorf("ErrStr(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestMessages(t *testing.T) {
	var b strings.Builder
	Say(&b, "runsv x", ": warning: ", "hello")
	SaySys(&b, unix.ENOENT, "runsv x: fatal: unable to open ", "y", ": ")
	Usage(&b, "/usr/bin/runsv", " dir")
	want := "runsv x: warning: hello\n" +
		"runsv x: fatal: unable to open y: file does not exist\n" +
		"usage: /usr/bin/runsv dir\n\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestBasename(t *testing.T) {
	for in, want := range map[string]string{"/usr/bin/sv": "sv", "sv": "sv", "a/": "", "/": ""} {
		if got := Basename(in); got != want {
			t.Errorf("Basename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScanUlong(t *testing.T) {
	for _, tc := range []struct {
		in string
		n  int
		v  uint64
	}{
		{"", 0, 0},
		{"x1", 0, 0},
		{"7", 1, 7},
		{"42k", 2, 42},
		{"-5", 0, 0},
		{" 5", 0, 0},
		{"12abc", 2, 12},
		{"007", 3, 7},
		{"18446744073709551615", 20, 18446744073709551615},
		{"18446744073709551616", 20, 0}, // 2^64 wraps, as in C
		{"99999999999999999999", 20, 7766279631452241919},
	} {
		n, v := ScanUlong(tc.in)
		nb, vb := ScanUlong([]byte(tc.in))
		if n != tc.n || v != tc.v || nb != n || vb != v {
			t.Errorf("ScanUlong(%q) = %d, %d (bytes: %d, %d); want %d, %d", tc.in, n, v, nb, vb, tc.n, tc.v)
		}
	}
}

// cli.OS reaches argv through the runtime, not package os: it must see
// what os.Args sees, and the environment os.Environ sees.
func TestOSArgs(t *testing.T) {
	env := OS()
	if d := cmp.Diff(os.Args, env.Args); d != "" {
		t.Errorf("OS().Args (-os.Args +got):\n%s", d)
	}
	if d := cmp.Diff(os.Environ(), env.Environ()); d != "" {
		t.Errorf("OS().Environ() (-os.Environ +got):\n%s", d)
	}
	if got, want := env.Getenv("PATH"), os.Getenv("PATH"); got != want {
		t.Errorf("OS().Getenv(PATH) = %q, want %q", got, want)
	}
}

// FD is the standard streams of a real run: it writes everything, reads to
// io.EOF, and leaves a descriptor's flags alone (os.File.Fd would make a
// non-blocking descriptor blocking).
func TestFD(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	r, w := FD(p[0]), FD(p[1])
	defer unix.Close(p[0])
	if n, err := w.Write([]byte("hello\n")); n != 6 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if fd, ok := FdOf(w); !ok || fd != p[1] {
		t.Errorf("FdOf(FD(%d)) = %d, %v", p[1], fd, ok)
	}
	unix.Close(p[1])
	var b [16]byte
	n, err := r.Read(b[:])
	if string(b[:n]) != "hello\n" || err != nil {
		t.Fatalf("Read = %q, %v", b[:n], err)
	}
	if n, err := r.Read(b[:]); n != 0 || err != io.EOF {
		t.Errorf("Read at end = %d, %v; want 0, io.EOF", n, err)
	}
	if fl, _ := unix.FcntlInt(uintptr(p[0]), unix.F_GETFL, 0); fl&unix.O_NONBLOCK == 0 {
		t.Error("the descriptor lost O_NONBLOCK")
	}
}

// Environ is the environment as execve gave it, later duplicates included
// (runit's tools pass environ on unchanged); Getenv takes the first, as
// C's getenv does. The test binary, run again, reports what it got.
func TestOSEnvironKeepsDuplicates(t *testing.T) {
	if out := os.Getenv("CLI_TEST_ENVIRON_OUT"); out != "" {
		env := OS()
		os.WriteFile(out, []byte(strings.Join(env.Environ(), "\n")+"\n--\n"+env.Getenv("DUP")), 0o644)
		return
	}
	out := t.TempDir() + "/env"
	// Not os/exec: exec.Cmd drops duplicates from Env itself.
	environ := []string{"DUP=1", "A=x", "DUP=2", "CLI_TEST_ENVIRON_OUT=" + out}
	pid, err := syscall.ForkExec(os.Args[0], []string{os.Args[0], "-test.run=^TestOSEnvironKeepsDuplicates$"},
		&syscall.ProcAttr{Env: environ, Files: []uintptr{0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil || ws.ExitStatus() != 0 {
		t.Fatalf("helper: %v, status %v", err, ws)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(environ, "\n") + "\n--\n1"
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Errorf("environment and Getenv(DUP) (-want +got):\n%s", d)
	}
}
