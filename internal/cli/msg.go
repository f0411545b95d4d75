package cli

import (
	"io"
	"strings"
)

// Say writes the pieces and one newline to w in a single write, as runit's
// strerr_* helpers assemble a message before writing it.
func Say(w io.Writer, pieces ...string) {
	n := 1
	for _, p := range pieces {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range pieces {
		b.WriteString(p)
	}
	b.WriteByte('\n')
	io.WriteString(w, b.String())
}

// SaySys is Say with runit's reason for err appended: the pieces usually
// end in ": ".
func SaySys(w io.Writer, err error, pieces ...string) {
	Say(w, append(pieces, ErrStr(err))...)
}

// Usage prints runit's usage message: "usage: PROG USAGE\n\n" (runit's
// usage strings end in "\n" and strerr adds another, hence the blank line).
func Usage(w io.Writer, prog, usage string) {
	io.WriteString(w, "usage: "+prog+usage+"\n\n")
}

// Basename is the last element of a slash-separated path, as runit's
// progname handling does it (no cleaning: "a/" gives "").
func Basename(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
