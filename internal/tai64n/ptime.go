package tai64n

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
//
// The date is plain arithmetic on the seconds (UTC has no zones and
// runit's stamps no leap seconds), not package time's calendar: svlogd
// ships as a binary of its own, and what it links is what every svlogd
// process maps (docs/BENCHMARKS.md).
type Ptime struct {
	sec  uint64
	ok   bool
	head [20]byte // "YYYY-MM-DD_HH:MM:SS."
}

// Append appends s as a -tt (sep '_') or -ttt (sep 'T') stamp to dst.
func (p *Ptime) Append(dst []byte, s Stamp, sep byte) []byte {
	if !p.ok || p.sec != s.Sec {
		u := s.Unix()
		days, secs := u/86400, u%86400
		if secs < 0 {
			days, secs = days-1, secs+86400
		}
		y, mo, d := civil(days)
		put4(p.head[0:4], int(y))
		p.head[4] = '-'
		put2(p.head[5:7], mo)
		p.head[7] = '-'
		put2(p.head[8:10], d)
		put2(p.head[11:13], int(secs/3600))
		p.head[13] = ':'
		put2(p.head[14:16], int(secs/60%60))
		p.head[16] = ':'
		put2(p.head[17:19], int(secs%60))
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

// civil turns days since 1970-01-01 into a proleptic Gregorian date
// (Howard Hinnant's days_to_civil: eras of 400 years, years that start
// on March 1st so that the leap day comes last).
func civil(days int64) (year int64, month, day int) {
	z := days + 719468 // days since 0000-03-01
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // [0, 365]
	mp := (5*doy + 2) / 153                                // [0, 11], March = 0
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
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
