package utmp

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestLayouts pins the offsets of every field (glibc's bits/utmp.h with
// bits/wordsize.h of each architecture) and checks that the fields tile
// the record without gaps or overlaps.
func TestLayouts(t *testing.T) {
	for _, tc := range []struct {
		goarch string
		want   Layout
	}{
		{"amd64", Compat32},
		{"386", Compat32},
		{"arm", Compat32},
		{"arm64", Native64},
	} {
		got := For(tc.goarch)
		if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(Layout{}, "Order")); diff != "" {
			t.Errorf("For(%s) (-want +got):\n%s", tc.goarch, diff)
		}
	}
	for _, l := range []Layout{Compat32, Native64} {
		type field struct {
			name      string
			off, size int
		}
		fields := []field{
			{"ut_type", l.Type, 2}, {"ut_pid", l.Pid, 4}, {"ut_line", l.Line, LineSize},
			{"ut_id", l.ID, IDSize}, {"ut_user", l.User, NameSize}, {"ut_host", l.Host, HostSize},
			{"ut_exit", l.Exit, 4}, {"ut_session", l.Session, l.Wide}, {"ut_tv.tv_sec", l.TvSec, l.Wide},
			{"ut_tv.tv_usec", l.TvUsec, l.Wide}, {"ut_addr_v6", l.AddrV6, 16}, {"__glibc_reserved", l.Reserved, 20},
		}
		end := 0
		for _, f := range fields {
			// Natural alignment of each field's scalar, as the C compiler lays it out.
			align := f.size
			if align > l.Wide || f.name == "ut_line" || f.name == "ut_id" || f.name == "ut_user" ||
				f.name == "ut_host" || f.name == "__glibc_reserved" {
				align = 1
			}
			if f.name == "ut_exit" || f.name == "ut_addr_v6" || f.name == "ut_pid" {
				align = 4
			}
			want := (end + align - 1) / align * align
			if f.off != want {
				t.Errorf("%s: %s at %d, want %d", l.Name, f.name, f.off, want)
			}
			end = f.off + f.size
		}
		size := (end + l.Wide - 1) / l.Wide * l.Wide
		if size != l.Size {
			t.Errorf("%s: size %d, fields end at %d (aligned %d)", l.Name, l.Size, end, size)
		}
	}
	if Compat32.Size != 384 || Native64.Size != 400 {
		t.Errorf("sizes %d and %d, want 384 and 400", Compat32.Size, Native64.Size)
	}
}

// TestNativeLayoutMatchesC compiles a C program against this machine's
// glibc headers and compares sizeof and offsetof with Native.
func TestNativeLayoutMatchesC(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "l.c")
	os.WriteFile(src, []byte(`#include <stdio.h>
#include <stddef.h>
#include <utmp.h>
int main(void) {
	struct utmp u;
	printf("%zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu\n", sizeof u,
		offsetof(struct utmp, ut_type), offsetof(struct utmp, ut_pid), offsetof(struct utmp, ut_line),
		offsetof(struct utmp, ut_id), offsetof(struct utmp, ut_user), offsetof(struct utmp, ut_host),
		offsetof(struct utmp, ut_exit), offsetof(struct utmp, ut_session), offsetof(struct utmp, ut_tv.tv_sec),
		offsetof(struct utmp, ut_tv.tv_usec), offsetof(struct utmp, ut_addr_v6), offsetof(struct utmp, __glibc_reserved),
		sizeof u.ut_tv.tv_sec);
	return 0;
}
`), 0o644)
	bin := filepath.Join(dir, "l")
	if out, err := exec.Command(cc, "-o", bin, src).CombinedOutput(); err != nil {
		t.Skipf("cannot compile: %v %s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, f := range strings.Fields(string(out)) {
		n, _ := strconv.Atoi(f)
		got = append(got, n)
	}
	l := Native
	want := []int{l.Size, l.Type, l.Pid, l.Line, l.ID, l.User, l.Host, l.Exit, l.Session, l.TvSec, l.TvUsec, l.AddrV6, l.Reserved, l.Wide}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: Native (-) and C's struct utmp (+) differ:\n%s", runtime.GOARCH, diff)
	}
}

func sample() Record {
	var r Record
	r.Type = UserProcess
	r.Pid = 4242
	copy(r.Line[:], "pts/3")
	copy(r.ID[:], "ts/3")
	copy(r.User[:], "alice")
	copy(r.Host[:], "example.org")
	r.ExitTerm, r.ExitCode = 1, 2
	r.Session = 77
	r.TvSec, r.TvUsec = 1700000000, 123456
	r.AddrV6 = [4]int32{1, 2, 3, -4}
	return r
}

func TestRoundTrip(t *testing.T) {
	for _, l := range []Layout{Compat32, Native64, Native} {
		r := sample()
		b := l.Encode(r)
		if len(b) != l.Size {
			t.Fatalf("%s: %d bytes", l.Name, len(b))
		}
		if diff := cmp.Diff(r, l.Decode(b)); diff != "" {
			t.Errorf("%s: round trip (-want +got):\n%s", l.Name, diff)
		}
		if !bytes.Equal(b, l.Encode(l.Decode(b))) {
			t.Errorf("%s: bytes do not round-trip", l.Name)
		}
	}
	// Pinned bytes for the 384-byte little-endian record.
	b := Compat32.Encode(sample())
	for _, c := range []struct {
		off  int
		want []byte
	}{
		{0, []byte{7, 0, 0, 0, 0x92, 0x10, 0, 0}},
		{8, []byte("pts/3\x00")},
		{44, []byte("alice\x00")},
		{332, []byte{1, 0, 2, 0, 77, 0, 0, 0}},
		{340, binary.LittleEndian.AppendUint32(nil, 1700000000)},
	} {
		if got := b[c.off : c.off+len(c.want)]; !bytes.Equal(got, c.want) {
			t.Errorf("compat32 bytes at %d: % x, want % x", c.off, got, c.want)
		}
	}
}

func TestLineIs(t *testing.T) {
	l := Compat32
	r := sample()
	b := l.Encode(r)
	for line, want := range map[string]bool{"pts/3": true, "pts/30": false, "pts/": false, "": false} {
		if got := l.LineIs(b, line); got != want {
			t.Errorf("LineIs(%q) = %v", line, got)
		}
	}
	// No user: never a match (utmpset.c tests ut_name[0]).
	r.User = [NameSize]byte{}
	if l.LineIs(l.Encode(r), "pts/3") {
		t.Error("matched a record without user")
	}
	// A full 32-byte line runs on into ut_id, as a C string does.
	r = sample()
	long := strings.Repeat("x", LineSize)
	copy(r.Line[:], long)
	r.ID = [IDSize]byte{'a', 'b', 0, 0}
	if !l.LineIs(l.Encode(r), long+"ab") || l.LineIs(l.Encode(r), long) {
		t.Error("a full ut_line is not read on into ut_id")
	}
}

func TestLogoutAndDead(t *testing.T) {
	for _, l := range []Layout{Compat32, Native64} {
		b := l.Encode(sample())
		l.Logout(b, 1800000000)
		want := sample()
		want.Type = DeadProcess
		want.User = [NameSize]byte{}
		want.Host = [HostSize]byte{}
		want.TvSec = 1800000000
		if diff := cmp.Diff(want, l.Decode(b)); diff != "" {
			t.Errorf("%s: Logout (-want +got):\n%s", l.Name, diff)
		}

		var d Record
		d.Type = DeadProcess
		d.TvSec = 5
		copy(d.Line[:], "tty1")
		if diff := cmp.Diff(d, l.Decode(l.Dead("tty1", 5))); diff != "" {
			t.Errorf("%s: Dead (-want +got):\n%s", l.Name, diff)
		}
		// Longer than ut_line: cut to 30 bytes; exactly 32: no NUL.
		got := l.Decode(l.Dead(strings.Repeat("y", 40), 5))
		if string(got.Line[:]) != strings.Repeat("y", 30)+"\x00\x00" {
			t.Errorf("%s: long line stored as %q", l.Name, got.Line)
		}
		got = l.Decode(l.Dead(strings.Repeat("z", 32), 5))
		if string(got.Line[:]) != strings.Repeat("z", 32) {
			t.Errorf("%s: 32-byte line stored as %q", l.Name, got.Line)
		}
	}
	// A narrow tv_sec is truncated as C's assignment truncates it.
	b := Compat32.Dead("x", 1<<32+9)
	if got := Compat32.Decode(b).TvSec; got != 9 {
		t.Errorf("compat32 time 2^32+9 stored as %d", got)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Compat32.Encode(sample()))
	f.Add(Native64.Encode(sample()))
	f.Add(make([]byte, 400))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, l := range []Layout{Compat32, Native64} {
			if len(b) < l.Size {
				continue
			}
			rec := append([]byte(nil), b[:l.Size]...)
			// Padding is not part of a Record: after ut_type, and
			// at the end of the 400-byte one.
			clear(rec[l.Type+2 : l.Pid])
			clear(rec[l.Reserved+20:])
			r := l.Decode(rec)
			if !bytes.Equal(rec, l.Encode(r)) {
				t.Fatalf("%s: decode/encode changed the bytes", l.Name)
			}
			l.LineIs(rec, string(r.Line[:4]))
			l.Logout(rec, r.TvSec)
			if got := l.Decode(rec); got.Type != DeadProcess || got.User != [NameSize]byte{} || got.Line != r.Line {
				t.Fatalf("%s: Logout gave %+v", l.Name, got)
			}
		}
	})
}
