package supervise

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gorunit/gorunit/internal/tai64n"
)

func TestEncodeMatchesObservedRunitBytes(t *testing.T) {
	// From runit-reference.md 3.2: running, pid 6426, observed on Debian.
	want := []byte{0x40, 0, 0, 0, 0x6b, 0x05, 0x77, 0xc4, 0x38, 0xe1, 0xe9, 0x9c, 0x1a, 0x19, 0, 0, 0, 0x75, 0, 1}
	st, err := Decode(want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Status{
		Stamp: tai64n.Stamp{Sec: 0x400000006b0577c4, Nano: 0x38e1e99c},
		PID:   6426, Want: WantUp, State: Run,
	}, st); diff != "" {
		t.Errorf("Decode (-want +got):\n%s", diff)
	}
	got := st.Bytes()
	if diff := cmp.Diff(want, got[:]); diff != "" {
		t.Errorf("Encode (-want +got):\n%s", diff)
	}
}

func TestWantExitIsWrittenAsDown(t *testing.T) {
	b := Status{Want: WantExit}.Bytes()
	if b[17] != 'd' {
		t.Errorf("want byte = %q, want 'd'", b[17])
	}
}

func TestDecodeRejectsWrongSize(t *testing.T) {
	for _, n := range []int{0, 19, 21} {
		if _, err := Decode(make([]byte, n)); err != ErrBadFormat {
			t.Errorf("Decode(%d bytes) err = %v, want ErrBadFormat", n, err)
		}
	}
}

func TestStatLine(t *testing.T) {
	for _, tc := range []struct {
		state        State
		paused, term bool
		want         Want
		line         string
	}{
		{Run, false, true, WantDown, "run, got TERM, want down\n"},
		{Down, false, false, WantDown, "down\n"},
		{Run, true, false, WantUp, "run, paused\n"},
		{Finish, false, false, WantExit, "finish, want exit\n"},
	} {
		if got := StatLine(tc.state, tc.paused, tc.term, tc.want); got != tc.line {
			t.Errorf("StatLine(%v,%v,%v,%c) = %q, want %q", tc.state, tc.paused, tc.term, tc.want, got, tc.line)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{0x40, 0, 0, 0, 0x6b, 0x05, 0x77, 0xc4, 0x38, 0xe1, 0xe9, 0x9c, 0x1a, 0x19, 0, 0, 0, 0x75, 0, 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := Decode(b)
		if err != nil {
			return
		}
		if st.Want != WantUp && st.Want != WantDown || st.PID < 0 || st.PID > 1<<31-1 {
			return // not a round-trippable record (runsv never writes these)
		}
		if b[16] > 1 || b[18] > 1 {
			return
		}
		got := st.Bytes()
		if string(got[:]) != string(b) {
			t.Errorf("round trip %x -> %x", b, got)
		}
	})
}

// sv.c reads status with one read(fd, buf, 20): a short file is "bad
// format", a longer one is taken for its first 20 bytes.
func TestReadStatusReadsTwentyBytesAsSvDoes(t *testing.T) {
	rec := Status{PID: 42, Want: WantUp, State: Run}.Bytes()
	for _, tc := range []struct {
		name string
		data []byte
		err  error
	}{
		{"exact", rec[:], nil},
		{"short", rec[:19], ErrBadFormat},
		{"empty", nil, ErrBadFormat},
		{"long", append(rec[:], "trailing garbage"...), nil},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, StatusFile), tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := ReadStatus(dir)
		if err != tc.err {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
		}
		if err == nil && st.PID != 42 {
			t.Errorf("%s: pid %d, want 42", tc.name, st.PID)
		}
	}
}
