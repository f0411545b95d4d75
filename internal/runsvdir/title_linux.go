package runsvdir

import (
	"bytes"
	"os"
	"strconv"
	"unsafe"
)

// logFixed is how many leading characters of the log argument stay put
// (conventionally "log: ").
const logFixed = 5

// title is the log display: the bytes of the log argument. When the
// argument is the process's own argv (what /proc/PID/cmdline and ps show),
// the bytes are that memory itself, as runit's rplog is; otherwise (Main
// called with an argv of its own making) a private copy.
type title struct {
	b      []byte
	inArgv bool
}

// newTitle finds arg in the argv area. Go's runtime builds os.Args without
// copying (gostringnocopy), so the string's bytes are the kernel's argv
// area when arg came from there; /proc/self/stat's arg_start and arg_end
// tell whether it did. Anything else (a string literal in read-only
// memory, a copy) is left alone.
func newTitle(arg string) *title {
	if len(arg) > 0 {
		start, end, ok := argvArea()
		p := uintptr(unsafe.Pointer(unsafe.StringData(arg)))
		if ok && p >= start && p+uintptr(len(arg)) < end {
			return &title{b: unsafe.Slice(unsafe.StringData(arg), len(arg)), inArgv: true}
		}
	}
	return &title{b: []byte(arg)}
}

// add scrolls p into the display: NUL bytes are dropped (they would end
// the argument in ps), every other byte shifts the characters after the
// fixed prefix left by one and goes in at the end.
func (t *title) add(p []byte) {
	w := t.b[logFixed:]
	if bytes.IndexByte(p, 0) >= 0 {
		q := make([]byte, 0, len(p))
		for _, c := range p {
			if c != 0 {
				q = append(q, c)
			}
		}
		p = q
	}
	if len(p) >= len(w) {
		copy(w, p[len(p)-len(w):])
		return
	}
	copy(w, w[len(p):])
	copy(w[len(w)-len(p):], p)
}

// String is the current display.
func (t *title) String() string { return string(t.b) }

// argvArea reads arg_start and arg_end (fields 48 and 49) from
// /proc/self/stat.
func argvArea() (start, end uintptr, ok bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name (field 2) may hold spaces and parentheses: fields
	// are counted after its last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3
	const argStart = 48 - 3
	if len(f) <= argStart+1 {
		return 0, 0, false
	}
	s, err1 := strconv.ParseUint(string(f[argStart]), 10, 64)
	e, err2 := strconv.ParseUint(string(f[argStart+1]), 10, 64)
	if err1 != nil || err2 != nil || s == 0 || e <= s {
		return 0, 0, false
	}
	return uintptr(s), uintptr(e), true
}
