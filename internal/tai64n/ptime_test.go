package tai64n

import (
	"testing"
	"time"
)

func TestAppendPtime(t *testing.T) {
	tm := time.Date(2026, 11, 24, 9, 8, 7, 123456789, time.UTC)
	s := fromTime(tm)
	for _, tc := range []struct {
		sep  byte
		want string
	}{
		{'_', "2026-11-24_09:08:07.12345"},
		{'T', "2026-11-24T09:08:07.12345"},
	} {
		if got := string(s.AppendPtime(nil, tc.sep)); got != tc.want {
			t.Errorf("AppendPtime(%q) = %q, want %q", tc.sep, got, tc.want)
		}
	}
}

func TestPtimeCacheAcrossSeconds(t *testing.T) {
	var p Ptime
	base := time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC)
	for i, d := range []time.Duration{0, 1000, time.Second, 2 * time.Second, time.Hour * 24 * 366} {
		tm := base.Add(d)
		s := fromTime(tm)
		want := tm.Format("2006-01-02_15:04:05.00000")
		if got := string(p.Append(nil, s, '_')); got != want {
			t.Errorf("%d: Append = %q, want %q", i, got, want)
		}
	}
}

func TestPtimeDoesNotAllocate(t *testing.T) {
	var p Ptime
	buf := make([]byte, 0, 64)
	s := Now()
	if n := testing.AllocsPerRun(100, func() {
		s.Nano += 10000
		buf = p.Append(buf[:0], s, '_')
	}); n != 0 {
		t.Errorf("Ptime.Append allocates %v times", n)
	}
}

func BenchmarkPtime(b *testing.B) {
	b.ReportAllocs()
	var p Ptime
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = p.Append(buf[:0], Now(), '_')
	}
}

// TestCivilMatchesTime checks the calendar arithmetic against package
// time, day by day over ±2000 years around 1970 and at era edges.
func TestCivilMatchesTime(t *testing.T) {
	check := func(days int64) {
		y, m, d := civil(days)
		wy, wm, wd := time.Unix(days*86400, 0).UTC().Date()
		if y != int64(wy) || m != int(wm) || d != wd {
			t.Fatalf("civil(%d) = %d-%d-%d, want %d-%d-%d", days, y, m, d, wy, wm, wd)
		}
	}
	for days := int64(-730000); days <= 730000; days++ {
		check(days)
	}
	for _, days := range []int64{-719468, -719469, -719468 - 146097, 2932896, 2932897} {
		check(days)
	}
}

// TestPtimeMatchesFormat compares whole stamps with package time's
// formatting for seconds spread over years 1000 to 9999.
func TestPtimeMatchesFormat(t *testing.T) {
	var p Ptime
	lo := time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
	for u := lo; u < hi; u += 7777777 + u%86399 {
		tm := time.Unix(u, 987654321).UTC()
		s := fromTime(tm)
		for _, sep := range []byte{'_', 'T'} {
			want := tm.Format("2006-01-02_15:04:05.00000")
			if sep == 'T' {
				want = tm.Format("2006-01-02T15:04:05.00000")
			}
			if got := string(p.Append(nil, s, sep)); got != want {
				t.Fatalf("Append(%d, %q) = %q, want %q", u, sep, got, want)
			}
		}
	}
}
