package tai64n

import (
	"testing"
	"time"
)

// fromTime is what callers holding a time.Time write.
func fromTime(t time.Time) Stamp { return FromUnix(t.Unix(), t.Nanosecond()) }

func TestFromUnixMatchesRunit(t *testing.T) {
	// 2026-11-24T12:00:00.123456789Z: runit keeps microseconds and adds 500 ns.
	tm := time.Date(2026, 11, 24, 12, 0, 0, 123456789, time.UTC)
	s := fromTime(tm)
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

// TestNowIsTimeNow: Now reads the clock time.Now reads (through the
// runtime, without package time), rounded as runit rounds it.
func TestNowIsTimeNow(t *testing.T) {
	for range 3 {
		before := time.Now().Truncate(time.Microsecond)
		s := Now()
		after := time.Now()
		got := time.Unix(s.Unix(), int64(s.Nano))
		if s.Nano%1000 != 500 || got.Before(before) || got.After(after.Add(500)) {
			t.Errorf("Now() = %v (%d ns), not between %v and %v", got, s.Nano, before, after)
		}
	}
}

func TestBefore(t *testing.T) {
	for _, tc := range []struct {
		a, b Stamp
		want bool
	}{
		{Stamp{Offset, 500}, Stamp{Offset, 1500}, true},
		{Stamp{Offset, 1500}, Stamp{Offset, 500}, false},
		{Stamp{Offset, 500}, Stamp{Offset, 500}, false},
		{Stamp{Offset, 999999500}, Stamp{Offset + 1, 500}, true},
		{Stamp{Offset + 1, 500}, Stamp{Offset, 999999500}, false},
		{Stamp{0, 0}, Stamp{^uint64(0), 0}, true}, // unsigned, as taia_less
	} {
		if got := tc.a.Before(tc.b); got != tc.want {
			t.Errorf("%v.Before(%v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
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
