// Package utmp reads and writes glibc's struct utmp records, the format of
// /var/run/utmp and /var/log/wtmp, for each architecture gorunit ships.
//
// glibc lays the record out the same way everywhere up to ut_exit; what
// follows depends on __WORDSIZE_TIME64_COMPAT32 (bits/wordsize.h):
//
//	offset  size  field
//	     0     2  ut_type (short), 2 bytes padding
//	     4     4  ut_pid
//	     8    32  ut_line
//	    40     4  ut_id
//	    44    32  ut_user (ut_name)
//	    76   256  ut_host
//	   332     4  ut_exit (e_termination, e_exit: shorts)
//
//	Compat32 (amd64: COMPAT32 set; 386, arm: 32-bit long and time_t),
//	384 bytes:
//	   336     4  ut_session (int32)
//	   340     4  ut_tv.tv_sec (int32)
//	   344     4  ut_tv.tv_usec (int32)
//	   348    16  ut_addr_v6
//	   364    20  reserved
//
//	Native64 (arm64 and other 64-bit ports without COMPAT32), 400 bytes:
//	   336     8  ut_session (long)
//	   344     8  ut_tv.tv_sec
//	   352     8  ut_tv.tv_usec
//	   360    16  ut_addr_v6
//	   376    20  reserved, 4 bytes tail padding
//
// armhf is Debian bookworm's layout (32-bit time_t), which is also what
// glibc itself keeps writing on 32-bit ports built with 64-bit time.
// Integers are in the machine's byte order.
package utmp

import (
	"bytes"
	"encoding/binary"
)

// Record types (ut_type).
const (
	Empty        = 0
	RunLvl       = 1
	BootTime     = 2
	NewTime      = 3
	OldTime      = 4
	InitProcess  = 5
	LoginProcess = 6
	UserProcess  = 7
	DeadProcess  = 8
)

// Field sizes common to every layout.
const (
	LineSize = 32
	IDSize   = 4
	NameSize = 32
	HostSize = 256
)

// Layout is where a record's fields sit for one architecture.
type Layout struct {
	Name  string
	Size  int
	Order binary.ByteOrder
	// Offsets. Session, TvSec and TvUsec are Wide (8) or 4 bytes.
	Type, Pid, Line, ID, User, Host, Exit, Session, TvSec, TvUsec, AddrV6, Reserved int
	Wide                                                                            int
}

// Compat32 is the 384-byte record of amd64, 386 and armhf.
var Compat32 = Layout{
	Name: "compat32", Size: 384, Order: binary.LittleEndian,
	Type: 0, Pid: 4, Line: 8, ID: 40, User: 44, Host: 76, Exit: 332,
	Session: 336, TvSec: 340, TvUsec: 344, AddrV6: 348, Reserved: 364, Wide: 4,
}

// Native64 is the 400-byte record of arm64 (and 64-bit ports like it).
var Native64 = Layout{
	Name: "native64", Size: 400, Order: binary.LittleEndian,
	Type: 0, Pid: 4, Line: 8, ID: 40, User: 44, Host: 76, Exit: 332,
	Session: 336, TvSec: 344, TvUsec: 352, AddrV6: 360, Reserved: 376, Wide: 8,
}

// Record is one decoded entry. Byte arrays are as stored (NUL-padded,
// not necessarily NUL-terminated).
type Record struct {
	Type     int16
	Pid      int32
	Line     [LineSize]byte
	ID       [IDSize]byte
	User     [NameSize]byte
	Host     [HostSize]byte
	ExitTerm int16
	ExitCode int16
	Session  int64
	TvSec    int64
	TvUsec   int64
	AddrV6   [4]int32
	Reserved [20]byte
}

// Decode reads a record from b, which must hold l.Size bytes. Narrow
// fields are sign-extended.
func (l Layout) Decode(b []byte) Record {
	var r Record
	o := l.Order
	r.Type = int16(o.Uint16(b[l.Type:]))
	r.Pid = int32(o.Uint32(b[l.Pid:]))
	copy(r.Line[:], b[l.Line:])
	copy(r.ID[:], b[l.ID:])
	copy(r.User[:], b[l.User:])
	copy(r.Host[:], b[l.Host:])
	r.ExitTerm = int16(o.Uint16(b[l.Exit:]))
	r.ExitCode = int16(o.Uint16(b[l.Exit+2:]))
	r.Session = l.getWide(b, l.Session)
	r.TvSec = l.getWide(b, l.TvSec)
	r.TvUsec = l.getWide(b, l.TvUsec)
	for i := range r.AddrV6 {
		r.AddrV6[i] = int32(o.Uint32(b[l.AddrV6+4*i:]))
	}
	copy(r.Reserved[:], b[l.Reserved:])
	return r
}

// Encode writes r as l.Size bytes; narrow fields are truncated, as C's
// assignments truncate them.
func (l Layout) Encode(r Record) []byte {
	b := make([]byte, l.Size)
	o := l.Order
	o.PutUint16(b[l.Type:], uint16(r.Type))
	o.PutUint32(b[l.Pid:], uint32(r.Pid))
	copy(b[l.Line:], r.Line[:])
	copy(b[l.ID:], r.ID[:])
	copy(b[l.User:], r.User[:])
	copy(b[l.Host:], r.Host[:])
	o.PutUint16(b[l.Exit:], uint16(r.ExitTerm))
	o.PutUint16(b[l.Exit+2:], uint16(r.ExitCode))
	l.putWide(b, l.Session, r.Session)
	l.putWide(b, l.TvSec, r.TvSec)
	l.putWide(b, l.TvUsec, r.TvUsec)
	for i, a := range r.AddrV6 {
		o.PutUint32(b[l.AddrV6+4*i:], uint32(a))
	}
	copy(b[l.Reserved:], r.Reserved[:])
	return b
}

func (l Layout) getWide(b []byte, off int) int64 {
	if l.Wide == 8 {
		return int64(l.Order.Uint64(b[off:]))
	}
	return int64(int32(l.Order.Uint32(b[off:])))
}

func (l Layout) putWide(b []byte, off int, v int64) {
	if l.Wide == 8 {
		l.Order.PutUint64(b[off:], uint64(v))
		return
	}
	l.Order.PutUint32(b[off:], uint32(v))
}

// LineIs reports whether the record in b is a login on line, as
// utmpset.c tests it: ut_name is not empty and ut_line, read as a C string
// (which runs on into the following fields when all 32 bytes are used), is
// line.
func (l Layout) LineIs(b []byte, line string) bool {
	if b[l.User] == 0 {
		return false
	}
	s := b[l.Line:l.Size]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return string(s) == line
}

// Logout marks the record in b dead in place, as utmpset.c does: name and
// host cleared, the time set to t (seconds), type DEAD_PROCESS; line, id,
// pid, session and microseconds are left as they were.
func (l Layout) Logout(b []byte, t int64) {
	clear(b[l.User : l.User+NameSize])
	clear(b[l.Host : l.Host+HostSize])
	l.putWide(b, l.TvSec, t)
	l.Order.PutUint16(b[l.Type:], DeadProcess)
}

// Dead is the record utmpset appends to wtmp: all zero but for the line,
// the time (seconds) and type DEAD_PROCESS. A line longer than ut_line is
// cut to 30 bytes (utmpset.c's "sizeof ut_line -2"); one of exactly 32
// bytes fills ut_line with no terminating NUL.
func (l Layout) Dead(line string, t int64) []byte {
	b := make([]byte, l.Size)
	n := len(line)
	if n > LineSize {
		n = LineSize - 2
	}
	copy(b[l.Line:], line[:n])
	l.putWide(b, l.TvSec, t)
	l.Order.PutUint16(b[l.Type:], DeadProcess)
	return b
}
