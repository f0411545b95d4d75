package cname

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The calls do what their C counterparts do, in a real directory, and a
// failure is the errno.
func TestCalls(t *testing.T) {
	dir := t.TempDir()
	dfd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(dfd)
	a, b := Make("a"), Make("b")
	if String(a) != "a" || String(Make("")) != "" {
		t.Errorf("String(Make) = %q, %q", String(a), String(Make("")))
	}
	fd, err := Open(dfd, a, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_CLOEXEC, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Close(fd)
	var st syscall.Stat_t
	if err := Stat(dfd, a, &st); err != nil || st.Mode&0o777 != 0o640&^uint32(umask()) {
		t.Errorf("Stat = %v, mode %o", err, st.Mode&0o777)
	}
	if err := Rename(dfd, a, dfd, b); err != nil || Exists(dfd, a) || !Exists(dfd, b) {
		t.Errorf("Rename a b = %v; a there %v, b there %v", err, Exists(dfd, a), Exists(dfd, b))
	}
	if _, err := os.Stat(filepath.Join(dir, "b")); err != nil {
		t.Errorf("b is not in the directory: %v", err)
	}
	if err := Unlink(dfd, b); err != nil || Exists(dfd, b) {
		t.Errorf("Unlink b = %v", err)
	}
	if err := Stat(dfd, b, &st); err != syscall.ENOENT {
		t.Errorf("Stat of a missing name = %v, want ENOENT", err)
	}
	if _, err := Open(CWD, Make(filepath.Join(dir, "nodir", "x")), syscall.O_RDONLY, 0); err != syscall.ENOENT {
		t.Errorf("Open relative to CWD of a missing path = %v, want ENOENT", err)
	}
}

func umask() int {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return m
}

// ReadFile reads a file past its first buffer, a FIFO without a writer as
// empty (without blocking), and a missing file as ENOENT.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	want := make([]byte, 1000)
	for i := range want {
		want[i] = byte(i)
	}
	os.WriteFile(filepath.Join(dir, "big"), want, 0o644)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadFile(CWD, Make(filepath.Join(dir, "big"))); err != nil || string(got) != string(want) {
		t.Errorf("big: %d bytes, %v; want %d", len(got), err, len(want))
	}
	if got, err := ReadFile(CWD, Make(filepath.Join(dir, "fifo"))); err != nil || len(got) != 0 {
		t.Errorf("fifo: %q, %v; want empty", got, err)
	}
	if _, err := ReadFile(CWD, Make(filepath.Join(dir, "none"))); err != syscall.ENOENT {
		t.Errorf("missing: %v, want ENOENT", err)
	}
	if _, err := ReadFile(CWD, Make(dir)); err != syscall.EISDIR {
		t.Errorf("directory: %v, want EISDIR", err)
	}
}
