package logdir

import (
	"testing"
	"time"
)

// svlogd.c adds t to now as TAI64 labels, so a huge t is centuries away,
// never an overflowed time.Duration that lands in the past.
func TestAgeDeadlineDoesNotOverflow(t *testing.T) {
	now := time.Unix(1_800_000_000, 123)
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
		if got := d.After(now); got != tc.future {
			t.Errorf("Age %d: deadline %v after now = %v, want %v", tc.age, d, got, tc.future)
		}
	}
	if d := (&Config{Age: 60}).AgeDeadline(now); !d.Equal(now.Add(time.Minute).Truncate(time.Second).Add(123)) {
		t.Errorf("Age 60: deadline %v", d)
	}
}
