package cli

import (
	"fmt"
	"os"
	"strings"
	"testing"

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
