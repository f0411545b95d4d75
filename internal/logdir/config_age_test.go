package logdir

import (
	"testing"

	"github.com/gorunit/gorunit/internal/tai64n"
)

// svlogd.c adds t to now as TAI64 labels, so a huge t is centuries away,
// never an overflow that lands in the past, unless the sum wraps.
func TestAgeDeadlineDoesNotOverflow(t *testing.T) {
	now := tai64n.FromUnix(1_800_000_000, 123456)
	for _, tc := range []struct {
		age    uint64
		future bool
	}{
		{60, true},
		{11789401558100210160, true}, // t99999999999999999999h, as svlogd.c wraps it
		{1 << 63, true},
		{^uint64(0) - 1<<62, false}, // wraps below now: C rotates at every check
	} {
		c := Config{Age: tc.age}
		d := c.AgeDeadline(now)
		if got := now.Before(d); got != tc.future {
			t.Errorf("Age %d: deadline %v after now = %v, want %v", tc.age, d, got, tc.future)
		}
	}
	if d, want := (&Config{Age: 60}).AgeDeadline(now), tai64n.FromUnix(1_800_000_060, 123456); d != want {
		t.Errorf("Age 60: deadline %v, want %v", d, want)
	}
}
