package tai64n

import (
	"testing"
	"time"
)

func TestFromTimeMatchesRunit(t *testing.T) {
	// 2026-11-24T12:00:00.123456789Z: runit keeps microseconds and adds 500 ns.
	tm := time.Date(2026, 11, 24, 12, 0, 0, 123456789, time.UTC)
	s := FromTime(tm)
	if s.Sec != Offset+uint64(tm.Unix()) {
		t.Errorf("Sec = %#x, want %#x", s.Sec, Offset+uint64(tm.Unix()))
	}
	if s.Nano != 123456500 {
		t.Errorf("Nano = %d, want 123456500", s.Nano)
	}
	if got, want := s.Label(), "@400000006b057c4a075bcbf4"; got != want {
		t.Errorf("Label = %q, want %q", got, want)
	}
}

func TestLabelRoundTrip(t *testing.T) {
	for _, s := range []Stamp{{Offset, 500}, {Offset + 1<<40, 999999500}, {0, 0}} {
		got, err := ParseLabel(s.Label())
		if err != nil || got != s {
			t.Errorf("ParseLabel(%q) = %v, %v; want %v", s.Label(), got, err, s)
		}
	}
	for _, bad := range []string{"", "@", "@4000000069244a30075bc8fX", "x4000000069244a30075bc8f4"} {
		if _, err := ParseLabel(bad); err == nil {
			t.Errorf("ParseLabel(%q) succeeded", bad)
		}
	}
}

func TestAppendLabelDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 64)
	s := Now()
	if n := testing.AllocsPerRun(100, func() { buf = s.AppendLabel(buf[:0]) }); n != 0 {
		t.Errorf("AppendLabel allocates %v times", n)
	}
}

func FuzzParseLabel(f *testing.F) {
	f.Add("@400000006b05782f00258384")
	f.Fuzz(func(t *testing.T, l string) {
		s, err := ParseLabel(l)
		if err == nil && s.Label() != l {
			t.Errorf("round trip %q -> %q", l, s.Label())
		}
	})
}
