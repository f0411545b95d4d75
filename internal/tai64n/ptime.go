package tai64n

import "time"

// PtimeLen is the length of svlogd's -tt and -ttt stamps.
const PtimeLen = 25

// AppendPtime appends s the way svlogd's -tt (sep '_') and -ttt (sep 'T')
// print it: "YYYY-MM-DD_HH:MM:SS.xxxxx" in UTC, where xxxxx are the first
// five of the nine nanosecond digits (runit's fmt_ptime writes nine and
// svlogd cuts the stamp at 25 characters). It does not allocate when dst
// has room.
func (s Stamp) AppendPtime(dst []byte, sep byte) []byte {
	var p Ptime
	return p.Append(dst, s, sep)
}

// Ptime formats -tt/-ttt stamps and remembers the date and time of the
// last second it formatted, so a stream of stamps within one second costs
// five digits each. The zero value is ready to use.
type Ptime struct {
	sec  uint64
	ok   bool
	head [20]byte // "YYYY-MM-DD_HH:MM:SS."
}

// Append appends s as a -tt (sep '_') or -ttt (sep 'T') stamp to dst.
func (p *Ptime) Append(dst []byte, s Stamp, sep byte) []byte {
	if !p.ok || p.sec != s.Sec {
		t := time.Unix(s.Unix(), 0).UTC()
		y, mo, d := t.Date()
		h, mi, se := t.Clock()
		put4(p.head[0:4], y)
		p.head[4] = '-'
		put2(p.head[5:7], int(mo))
		p.head[7] = '-'
		put2(p.head[8:10], d)
		put2(p.head[11:13], h)
		p.head[13] = ':'
		put2(p.head[14:16], mi)
		p.head[16] = ':'
		put2(p.head[17:19], se)
		p.head[19] = '.'
		p.sec, p.ok = s.Sec, true
	}
	p.head[10] = sep
	dst = append(dst, p.head[:]...)
	f := s.Nano / 10000
	return append(dst,
		byte('0'+f/10000%10), byte('0'+f/1000%10), byte('0'+f/100%10),
		byte('0'+f/10%10), byte('0'+f%10))
}

func put2(b []byte, v int) {
	b[0] = byte('0' + v/10%10)
	b[1] = byte('0' + v%10)
}

func put4(b []byte, v int) {
	b[0] = byte('0' + v/1000%10)
	b[1] = byte('0' + v/100%10)
	b[2] = byte('0' + v/10%10)
	b[3] = byte('0' + v%10)
}
