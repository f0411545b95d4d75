package sv

import (
	"strconv"

	"github.com/gorunit/gorunit/internal/supervise"
)

// AppendStatus appends sv's status line for the 20-byte record b of the
// service named name to dst, as sv.c's svstatus_print does:
//
//	STATE: NAME: (pid PID) SECSs, FLAGS
//
// STATE is down, run or finish (nothing for an unknown state byte); the pid
// part appears for any state but down; SECS is now minus the record's
// TAI64 seconds, 0 if negative; the flags come in this order: normally
// down, normally up, paused, want up, want down, got TERM. nowSec is the
// current time as TAI64 seconds; normallyUp tells that ./down is absent.
// It returns 1 if the record has a pid and 2 if not, like svstatus_print.
func AppendStatus(dst []byte, name string, b *[supervise.StatusSize]byte, nowSec uint64, normallyUp bool) ([]byte, int) {
	st, _ := supervise.Decode(b[:])
	// sv.c assembles the pid in an int and prints it with fmt_ulong, so
	// a pid with the top bit set comes out sign-extended to 64 bits.
	pid := uint64(int64(int32(uint32(st.PID))))
	switch b[19] {
	case 0:
		dst = append(dst, "down: "...)
	case 1:
		dst = append(dst, "run: "...)
	case 2:
		dst = append(dst, "finish: "...)
	}
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	if b[19] != 0 {
		dst = append(dst, "(pid "...)
		dst = strconv.AppendUint(dst, pid, 10)
		dst = append(dst, ") "...)
	}
	stamp := st.Stamp.Sec
	var secs uint64
	if nowSec >= stamp {
		secs = nowSec - stamp
	}
	dst = strconv.AppendUint(dst, secs, 10)
	dst = append(dst, 's')
	if pid != 0 && !normallyUp {
		dst = append(dst, ", normally down"...)
	}
	if pid == 0 && normallyUp {
		dst = append(dst, ", normally up"...)
	}
	if pid != 0 && b[16] != 0 {
		dst = append(dst, ", paused"...)
	}
	if pid == 0 && b[17] == 'u' {
		dst = append(dst, ", want up"...)
	}
	if pid != 0 && b[17] == 'd' {
		dst = append(dst, ", want down"...)
	}
	if pid != 0 && b[18] != 0 {
		dst = append(dst, ", got TERM"...)
	}
	if pid != 0 {
		return dst, 1
	}
	return dst, 2
}
