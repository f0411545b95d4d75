// Package tai64n packs and unpacks the TAI64N stamps runit uses everywhere:
// supervise/status, svlogd's -t stamps and log file names, runsvdir's
// .forced-rescan.
//
// runit's conversion has no leap-second table: TAI64 seconds are
// 2^62 + 10 + unix seconds, and nanoseconds are 1000*usec + 500, so they
// always end in 500 (runit's taia_now fills in the half microsecond).
//
// Packed form (12 bytes):
//
//	offset size meaning
//	0      8    seconds, big-endian
//	8      4    nanoseconds, big-endian
//
// Text form: "@" and 24 lowercase hex digits of the packed form.
//
// tai64n does not import package time, and Now reads the clock the way
// time.Now does, from the runtime: svlogd stamps every line with it and
// ships as a binary without package time, which would cost every svlogd
// about 116 KiB of RSS (docs/BENCHMARKS.md). Callers that hold a
// time.Time use FromUnix(t.Unix(), t.Nanosecond()) and
// time.Unix(s.Unix(), int64(s.Nano)).
package tai64n

import (
	"errors"
	_ "unsafe" // go:linkname
)

// Offset is what runit adds to unix seconds: 2^62 + 10.
const Offset = 0x400000000000000A

// Size of the packed form and length of a label.
const (
	Size     = 12
	LabelLen = 25
)

// Stamp is a TAI64N moment as runit computes it.
type Stamp struct {
	Sec  uint64 // TAI64 label: Offset + unix seconds
	Nano uint32
}

// FromUnix converts a moment given as unix seconds and nanoseconds
// (0 <= nsec < 1e9, as time.Time's Unix and Nanosecond give them) the way
// runit's taia_now does: microsecond resolution, plus 500 ns.
func FromUnix(sec int64, nsec int) Stamp {
	return Stamp{
		Sec:  uint64(sec) + Offset,
		Nano: uint32(nsec/1000)*1000 + 500,
	}
}

// Now is the wall clock as a Stamp: what FromUnix makes of time.Now().
func Now() Stamp {
	sec, nsec, _ := runtimeNow()
	return FromUnix(sec, int(nsec))
}

// runtimeNow is the function behind time.Now: wall seconds and
// nanoseconds and the monotonic clock, read through the vDSO where the
// kernel has one. The runtime hands it to package time with a push
// linkname, which the linker lets any package refer to, as it does
// os.runtime_args (package cli). TestNowIsTimeNow checks it.
//
//go:linkname runtimeNow time.now
func runtimeNow() (sec int64, nsec int32, mono int64)

// Unix is s in unix seconds.
func (s Stamp) Unix() int64 { return int64(s.Sec - Offset) }

// Before reports whether s is earlier than t, as runit's taia_less
// compares: seconds, then nanoseconds, as unsigned numbers.
func (s Stamp) Before(t Stamp) bool {
	return s.Sec < t.Sec || s.Sec == t.Sec && s.Nano < t.Nano
}

// Encode packs s into b, which must hold Size bytes.
func (s Stamp) Encode(b []byte) {
	_ = b[11]
	for i := 0; i < 8; i++ {
		b[i] = byte(s.Sec >> (56 - 8*i))
	}
	for i := 0; i < 4; i++ {
		b[8+i] = byte(s.Nano >> (24 - 8*i))
	}
}

// Decode unpacks the first Size bytes of b.
func Decode(b []byte) (Stamp, error) {
	if len(b) < Size {
		return Stamp{}, errors.New("tai64n: short stamp")
	}
	var st Stamp
	for _, c := range b[0:8] {
		st.Sec = st.Sec<<8 | uint64(c)
	}
	for _, c := range b[8:12] {
		st.Nano = st.Nano<<8 | uint32(c)
	}
	return st, nil
}

const hexdigits = "0123456789abcdef"

// AppendLabel appends the "@" + 24-hex-digit label of s to dst without
// allocating when dst has room.
func (s Stamp) AppendLabel(dst []byte) []byte {
	var b [Size]byte
	s.Encode(b[:])
	dst = append(dst, '@')
	for _, c := range b {
		dst = append(dst, hexdigits[c>>4], hexdigits[c&15])
	}
	return dst
}

// Label is the text form of s, e.g. "@400000006b05782f00258384".
func (s Stamp) Label() string { return string(s.AppendLabel(make([]byte, 0, LabelLen))) }

// ParseLabel reads a label written by Label.
func ParseLabel(l string) (Stamp, error) {
	if len(l) != LabelLen || l[0] != '@' {
		return Stamp{}, errors.New("tai64n: bad label")
	}
	var b [Size]byte
	for i := range b {
		hi, ok1 := unhex(l[1+2*i])
		lo, ok2 := unhex(l[2+2*i])
		if !ok1 || !ok2 {
			return Stamp{}, errors.New("tai64n: bad label")
		}
		b[i] = hi<<4 | lo
	}
	return Decode(b[:])
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
