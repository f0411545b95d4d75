// Package supervise is the one definition of the supervise/ contract between
// runsv and everything that reads or drives it (sv, monitoring, config
// management): the 20-byte status record, the stat and pid files, the
// control bytes, the ok liveness FIFO and the lock.
//
// The status record (runit 2.1.2 runsv.c update_status):
//
//	offset size meaning
//	0      8    TAI64 seconds of the state stamp, big-endian
//	8      4    nanoseconds, big-endian (always ≡ 500 mod 1000)
//	12     4    pid, little-endian (0 if none); overwrites the TAI64NA attoseconds
//	16     1    paused flag: 1 or 0
//	17     1    want: 'u' if want up, else 'd' (want down and want exit both give 'd')
//	18     1    term flag: 1 if TERM was sent and the child has not exited yet
//	19     1    state: 0 down, 1 run, 2 finish
//
// Encode and Decode are pure; files.go does the I/O.
package supervise

import (
	"errors"
	"strconv"

	"github.com/gorunit/gorunit/internal/tai64n"
)

// StatusSize is the exact size of supervise/status.
const StatusSize = 20

// State is what the supervised process is doing.
type State byte

const (
	Down   State = 0
	Run    State = 1
	Finish State = 2
)

// String is the state word runit prints (sv's status line, the stat file).
func (s State) String() string {
	switch s {
	case Down:
		return "down"
	case Run:
		return "run"
	case Finish:
		return "finish"
	}
	return "state" + strconv.Itoa(int(s))
}

// Want is what runsv has been told to do with the service.
type Want byte

const (
	WantUp   Want = 'u'
	WantDown Want = 'd'
	// WantExit exists only inside runsv: on disk it is written as 'd'.
	WantExit Want = 'x'
)

// Status is the decoded supervise/status record.
type Status struct {
	Stamp  tai64n.Stamp
	PID    int
	Paused bool
	Want   Want // WantUp or WantDown on disk
	Term   bool
	State  State
}

// ErrBadFormat is returned for a status record of the wrong size.
var ErrBadFormat = errors.New("bad format")

// Encode packs st into b, which must hold StatusSize bytes. WantExit is
// written as 'd', as runsv does.
func (st Status) Encode(b []byte) {
	st.Stamp.Encode(b[0:12])
	pid := uint32(st.PID)
	b[12], b[13], b[14], b[15] = byte(pid), byte(pid>>8), byte(pid>>16), byte(pid>>24)
	b[16] = bool2byte(st.Paused)
	if st.Want == WantUp {
		b[17] = 'u'
	} else {
		b[17] = 'd'
	}
	b[18] = bool2byte(st.Term)
	b[19] = byte(st.State)
}

// Bytes is Encode into a fresh array.
func (st Status) Bytes() [StatusSize]byte {
	var b [StatusSize]byte
	st.Encode(b[:])
	return b
}

// Decode unpacks a status record. Like sv, it insists only on the size;
// unknown want, flag and state bytes are passed through as they are.
func Decode(b []byte) (Status, error) {
	if len(b) != StatusSize {
		return Status{}, ErrBadFormat
	}
	stamp, _ := tai64n.Decode(b[0:12])
	return Status{
		Stamp:  stamp,
		PID:    int(uint32(b[12]) | uint32(b[13])<<8 | uint32(b[14])<<16 | uint32(b[15])<<24),
		Paused: b[16] != 0,
		Want:   Want(b[17]),
		Term:   b[18] != 0,
		State:  State(b[19]),
	}, nil
}

func bool2byte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// StatLine is the content of supervise/stat for a service with this state,
// pause and term flags and want (runsv.c update_status): "run, paused,
// got TERM, want down\n". The want part appears only when the state is not
// down. Note the order differs from sv's status line.
func StatLine(state State, paused, term bool, want Want) string {
	s := state.String()
	if paused {
		s += ", paused"
	}
	if term {
		s += ", got TERM"
	}
	if state != Down {
		switch want {
		case WantDown:
			s += ", want down"
		case WantExit:
			s += ", want exit"
		}
	}
	return s + "\n"
}

// PIDLine is the content of supervise/pid: the pid and a newline, or empty
// when there is no child.
func PIDLine(pid int) string {
	if pid == 0 {
		return ""
	}
	return strconv.Itoa(pid) + "\n"
}
