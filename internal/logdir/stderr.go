package logdir

import "io"

// Stderr is svlogd's standard error. It carries two kinds of output: the
// log lines a directory selects for stderr ('e' config lines), which are
// batched and written before svlogd reads again, and svlogd's own
// messages, which are written at once, after the batched lines, so that
// the order is runit's. Neither allocates once the buffer has grown: a
// message on every rotation (-v) must not make garbage (see Options).
type Stderr struct {
	W   io.Writer
	buf []byte
}

// Line batches one line selected for stderr: the stamp, the prefix, the
// line's first -l characters, "..." when the line is longer.
func (e *Stderr) Line(stamp, prefix, line []byte, long bool) {
	e.buf = append(e.buf, stamp...)
	e.buf = append(e.buf, prefix...)
	e.buf = append(e.buf, line...)
	if long {
		e.buf = append(e.buf, "..."...)
	}
	e.buf = append(e.buf, '\n')
}

// Pending is the number of batched bytes.
func (e *Stderr) Pending() int { return len(e.buf) }

// Flush writes the batched lines.
func (e *Stderr) Flush() {
	if len(e.buf) > 0 {
		e.W.Write(e.buf)
		e.buf = e.buf[:0]
	}
}

// Say writes the batched lines and one message line, the pieces and a
// newline, in a single write (runit's strerr assembles its messages the
// same way).
func (e *Stderr) Say(pieces ...string) {
	e.Add(pieces...)
	e.End()
}

// Add appends pieces to the message being built; End ends it with a
// newline and writes it. (A message built in parts needs no slice of all
// its pieces, which would have to live on the heap.)
func (e *Stderr) Add(pieces ...string) {
	for _, p := range pieces {
		e.buf = append(e.buf, p...)
	}
}

// End ends the message that Add built and writes it with the batched
// lines before it.
func (e *Stderr) End() {
	e.buf = append(e.buf, '\n')
	e.Flush()
}
