// Package svlogd is gorunit's svlogd: it reads log lines on stdin and
// writes them to one or more log directories, rotating them by size and
// age, as runit 2.1.2's svlogd does.
//
//	svlogd [-ttv] [-r c] [-R abc] [-l len] [-b buflen] dir ...
//
// -t prefixes each line with a TAI64N label, -tt with a UTC
// "YYYY-MM-DD_HH:MM:SS.xxxxx" stamp, -ttt with the same in ISO 8601
// ('T'); -v prints info lines; -r c replaces non-printable characters
// with c, -R abc also the characters a, b and c; -l len is the line length
// (1000); -b buflen the buffer size (1024, must exceed len). Each dir's
// config file and the on-disk layout are documented in package logdir and
// in svlogd(8).
//
// svlogd exits 0 at EOF or on TERM, after the last complete line, and 111
// on usage errors or when no log directory can be used. Unlike runit's,
// it batches its writes: everything read is written out before the next
// read, so no complete line is ever held back while input is idle.
//
// svlogd and the packages it is built from (cli, tai64n, logdir) use
// package syscall, not x/sys/unix as shared/STYLE.md asks elsewhere, and
// no package time: x/sys/unix imports time, whose initialisation and code
// cost every svlogd about 116 KiB of RSS, and a system runs one svlogd
// per service (docs/BENCHMARKS.md). The clock is tai64n.Now, which reads
// it as time.Now does; TestStandaloneLinksNoTime keeps it so.
package svlogd

import (
	"bytes"
	"io"
	"runtime"
	"syscall"
	"unsafe"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/logdir"
	"github.com/gorunit/gorunit/internal/tai64n"
)

// Usage is runit's USAGE string for svlogd.
const Usage = " [-ttv] [-r c] [-R abc] [-l len] [-b buflen] dir ..."

// Exit codes (runit's: usage and fatal errors are both 111).
const (
	ExitOK    = 0
	ExitUsage = 111
	ExitFatal = 111
)

// maxWait is how long svlogd sleeps at most without input, in seconds
// (svlogd.c).
const maxWait = 2744

// ioSize is how much gorunit reads at once; each directory batches up to
// half as much again (a -tt stamp makes a 100-byte line 126 bytes) and
// writes before the next read. Larger buffers save few system calls and
// cost their size in every svlogd's RSS (docs/BENCHMARKS.md): 16 KiB
// would take 20 KiB more for about 8% less CPU per line. 8 KiB and
// 12 KiB are size classes of Go's allocator, which rounds up.
const ioSize = 8 << 10

// gcAfter is how much garbage (logdir.Options.Garbage) svlogd lets pile
// up before it collects (runtime.go: the collector is off). Logging and
// rotating make none; a processor run about 3 kB (ForkExec copies the
// environment), a reopen about 2 kB. The first collection leaves about
// 250 kB of the runtime's GC metadata resident, a few 500 kB; after it,
// garbage reuses the memory freed, so this bounds what it adds.
const gcAfter = 64 << 10

type options struct {
	timestamp int
	verbose   bool
	repl      byte
	replace   string
	linemax   uint64
	buflen    uint64
	dirs      []string
}

// parseArgs reads argv as svlogd.c's main does; ok is false when usage
// must be printed.
func parseArgs(env cli.Env) (o options, ok bool) {
	o = options{linemax: 1000, buflen: 1024}
	g := cli.NewGetopt(env.Args, "R:r:l:b:tvV", env.Stderr)
	for {
		c := g.Next()
		switch c {
		case 0:
			o.dirs = g.Rest()
			if len(o.dirs) == 0 || o.buflen <= o.linemax {
				return o, false
			}
			return o, true
		case 'R':
			o.replace = g.Arg
			if o.repl == 0 {
				o.repl = '_'
			}
		case 'r':
			if len(g.Arg) != 1 {
				return o, false
			}
			o.repl = g.Arg[0]
		case 'l':
			_, o.linemax = cli.ScanUlong(g.Arg)
			if o.linemax == 0 {
				o.linemax = 1000
			}
		case 'b':
			_, o.buflen = cli.ScanUlong(g.Arg)
			if o.buflen == 0 {
				o.buflen = 1024
			}
		case 't':
			if o.timestamp++; o.timestamp > 3 {
				o.timestamp = 3
			}
		case 'v':
			o.verbose = true
		case 'V':
			cli.Say(env.Stderr, cli.ID())
			return o, false
		default:
			return o, false
		}
	}
}

type logger struct {
	o      options
	opt    logdir.Options
	stderr logdir.Stderr
	dirs   []*logdir.Dir

	in      int
	rbuf    []byte
	line    []byte // the first linemax characters of the line; cap linemax+1
	linelen int
	long    bool // the line's head is written, its rest is being copied
	stamp   []byte
	ptime   tai64n.Ptime
	bad     [256]bool // characters -r/-R replace
	scratch []byte    // a UDP datagram being built

	sigr, sigw int
	pollfds    [2]pollFd
	udp        int
}

// pollFd is struct pollfd, for ppoll(2), which package syscall lacks.
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const pollIn = 0x1

// Main runs svlogd.
func Main(env cli.Env) int {
	o, ok := parseArgs(env)
	if !ok {
		cli.Usage(env.Stderr, env.Args[0], Usage)
		return ExitUsage
	}
	bufs := int64(max(ioSize, o.buflen) + o.linemax + uint64(len(o.dirs))*(3*ioSize/2+o.linemax))
	environ := tuneRuntime(env, bufs)
	l := newLogger(o, env.Stderr)
	l.opt.Environ = environ
	// The tools get their streams as cli.FD (cli.OS); cli.FdOf would
	// take *os.File too, at the price of an interface assertion's
	// runtime support in the binary.
	in, ok := env.Stdin.(cli.FD)
	if !ok {
		cli.Say(env.Stderr, "svlogd: fatal: standard input is not a file")
		return ExitFatal
	}
	l.in = int(in)
	syscall.SetNonblock(l.in, true)
	if err := l.catchSignals(); err != nil {
		cli.Say(env.Stderr, "svlogd: fatal: unable to create pipe: ", logdir.ErrText(err))
		return ExitFatal
	}
	for _, name := range o.dirs {
		l.dirs = append(l.dirs, logdir.New(name, &l.opt))
	}
	if !l.reopen() {
		return ExitFatal
	}
	if !l.loop() {
		return ExitFatal
	}
	for _, d := range l.dirs {
		d.WaitProcessor()
		d.Close()
	}
	l.stderr.Flush()
	return ExitOK
}

// newLogger sets up everything but stdin, signals and the directories.
func newLogger(o options, stderr io.Writer) *logger {
	l := &logger{o: o, udp: -1}
	l.stderr.W = stderr
	l.opt = logdir.Options{
		LineMax: o.linemax,
		BufSize: 3 * ioSize / 2,
		Verbose: o.verbose,
		Stderr:  &l.stderr,
		Now:     tai64n.Now,
		Sleep:   func(sec int) { sleep(int64(sec) * 1e9) },
	}
	l.rbuf = make([]byte, max(ioSize, int(o.buflen)))
	l.line = make([]byte, o.linemax, o.linemax+1)
	l.stamp = make([]byte, 0, 32)
	if o.repl != 0 {
		for c := range 256 {
			l.bad[c] = c < 32 || c > 126
		}
		for i := 0; i < len(o.replace); i++ {
			l.bad[o.replace[i]] = true
		}
	}
	return l
}

func (l *logger) info(m string) {
	if l.o.verbose {
		l.stderr.Say("svlogd: info: ", m)
	}
}

// reopen closes and opens every directory, rereading its config
// (svlogd.c logdirs_reopen); false when none could be opened.
func (l *logger) reopen() bool {
	now := l.opt.Now()
	ok := false
	for _, d := range l.dirs {
		d.Close()
		if d.Open(now) {
			ok = true
		}
	}
	if !ok {
		l.stderr.Say("svlogd: fatal: no functional log directories.")
	}
	return ok
}

func (l *logger) reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		for _, d := range l.dirs {
			if d.Reaped(pid, ws) {
				break
			}
		}
	}
}

// loop reads and logs until EOF or TERM; false on a fatal error.
func (l *logger) loop() bool {
	exiting := false
	for {
		// Before every read, as svlogd.c's buffer_pread: write out what
		// is batched, then act on signals and rotation deadlines.
		l.flushAll()
		if l.opt.Removed && !l.anyOpen() {
			// Every directory was removed while in use (logdir's
			// retry): as at start, svlogd cannot go on. Exiting lets
			// runsv finish its exit sequence, or start a new svlogd
			// that logs again once the directory is back, while the
			// lines not yet read wait in runsv's pipe.
			l.stderr.Say("svlogd: fatal: no functional log directories.")
			return false
		}
		l.opt.Removed = false
		sigs := takeSignals()
		if sigs&sigTerm != 0 {
			l.info("sigterm received.")
			exiting = true
		}
		if sigs&sigChld != 0 {
			l.info("sigchild received.")
			l.reap()
		}
		if sigs&sigAlrm != 0 {
			l.info("sigalarm received.")
		}
		if sigs&sigHup != 0 {
			l.info("sighangup received.")
		}
		if sigs&sigAlrm != 0 {
			for _, d := range l.dirs {
				d.Rotate()
			}
		}
		want := len(l.rbuf)
		if exiting {
			if l.linelen == 0 && !l.long {
				return true
			}
			// Finish the current line only: what follows stays in the
			// pipe for the next svlogd.
			want = 1
		}
		if sigs&sigHup != 0 && !l.reopen() {
			return false
		}
		if l.opt.Garbage > gcAfter {
			runtime.GC()
			l.opt.Garbage = 0
		}
		now := l.opt.Now()
		wake := tai64n.Stamp{Sec: now.Sec + maxWait, Nano: now.Nano}
		for _, d := range l.dirs {
			if t, ok := d.CheckAge(now); ok && t.Before(wake) {
				wake = t
			}
		}

		n, err := syscall.Read(l.in, l.rbuf[:want])
		switch {
		case n > 0:
			l.process(l.rbuf[:n])
		case err == nil:
			l.eof()
			return true
		case err == syscall.EAGAIN:
			l.wait(msUntil(now, wake))
		case err == syscall.EINTR:
		default:
			l.stderr.Say("svlogd: warning: unable to read standard input: ", logdir.ErrText(err))
			l.eof()
			return true
		}
	}
}

// msUntil is the time from now to t in milliseconds, rounded up; 0 when
// t is not after now.
func msUntil(now, t tai64n.Stamp) int {
	if !now.Before(t) {
		return 0
	}
	ns := int64(t.Sec-now.Sec)*1e9 + int64(t.Nano) - int64(now.Nano)
	return int((ns + 1e6 - 1) / 1e6)
}

// wait polls stdin and the signal pipe for at most ms milliseconds, and
// empties the pipe when it woke svlogd.
func (l *logger) wait(ms int) {
	l.pollfds = [2]pollFd{{fd: int32(l.in), events: pollIn}, {fd: int32(l.sigr), events: pollIn}}
	ts := syscall.NsecToTimespec(int64(ms) * 1e6)
	// EINTR or not, the loop looks again.
	syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&l.pollfds[0])), 2, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	if l.pollfds[1].revents != 0 {
		var drain [16]byte
		for {
			if n, _ := syscall.Read(l.sigr, drain[:]); n <= 0 {
				break
			}
		}
	}
}

func (l *logger) anyOpen() bool {
	for _, d := range l.dirs {
		if d.IsOpen() {
			return true
		}
	}
	return false
}

func (l *logger) flushAll() {
	for _, d := range l.dirs {
		if d.IsOpen() {
			d.Flush()
		}
	}
	l.stderr.Flush()
}

// eof ends the input: a line shorter than -l without its newline is
// dropped, as runit does; the rest of a long line gets its newline.
func (l *logger) eof() {
	if l.long {
		l.endLong()
	}
	l.linelen = 0
}

// process logs the bytes read.
func (l *logger) process(p []byte) {
	max := int(l.o.linemax)
	for len(p) > 0 {
		if l.long {
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				l.putRest(p)
				return
			}
			l.putRest(p[:i])
			l.endLong()
			p = p[i+1:]
			continue
		}
		if l.linelen == 0 && l.o.timestamp > 0 {
			l.takeStamp()
		}
		seg := p
		if room := max - l.linelen; len(seg) > room {
			seg = seg[:room]
		}
		i := bytes.IndexByte(seg, '\n')
		if i >= 0 {
			seg = seg[:i]
			p = p[i+1:]
		} else {
			p = p[len(seg):]
		}
		if l.o.repl != 0 {
			dst := l.line[l.linelen : l.linelen+len(seg)]
			for k, c := range seg {
				if l.bad[c] {
					c = l.o.repl
				}
				dst[k] = c
			}
		} else {
			copy(l.line[l.linelen:], seg)
		}
		l.linelen += len(seg)
		switch {
		case i >= 0:
			l.emit(false)
			l.linelen = 0
		case l.linelen == max:
			l.emit(true)
			l.long = true
		}
	}
}

func (l *logger) takeStamp() {
	s := l.opt.Now()
	b := l.stamp[:0]
	switch l.o.timestamp {
	case 1:
		b = s.AppendLabel(b)
	case 2:
		b = l.ptime.Append(b, s, '_')
	default:
		b = l.ptime.Append(b, s, 'T')
	}
	l.stamp = append(b, ' ')
}

// emit logs the line held in l.line; long means it reached -l characters
// and its rest follows.
func (l *logger) emit(long bool) {
	line := l.line[:l.linelen]
	var stamp []byte
	if l.o.timestamp > 0 {
		stamp = l.stamp
	}
	for _, d := range l.dirs {
		if !d.IsOpen() {
			continue
		}
		if len(d.Config.Inst) > 0 {
			d.Log, d.ToStderr = d.Config.Select(line)
		}
		if d.ToStderr {
			l.stderr.Line(stamp, d.Prefix, line, long)
		}
		if !d.Log {
			continue
		}
		if d.Config.UDPPort != 0 {
			l.sendUDP(d, stamp, line, long)
		}
		if !d.Config.UDPOnly {
			d.PutLine(stamp, d.Prefix, line, !long)
		}
	}
	if l.stderr.Pending() >= ioSize {
		l.stderr.Flush()
	}
}

// putRest copies the rest of a long line, unreplaced, to the directories
// that took its head.
func (l *logger) putRest(p []byte) {
	for _, d := range l.dirs {
		if d.IsOpen() && d.Log && !d.Config.UDPOnly {
			d.Put(p)
		}
	}
}

func (l *logger) endLong() {
	for _, d := range l.dirs {
		if d.IsOpen() && d.Log && !d.Config.UDPOnly {
			d.PutLine(nil, nil, nil, true)
		}
	}
	l.long = false
	l.linelen = 0
}

// sendUDP sends the line as one datagram; failures are logged into the
// directory itself, as runit does.
func udpSocket() (int, error) {
	return syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
}

func (l *logger) sendUDP(d *logdir.Dir, stamp, line []byte, long bool) {
	if l.udp < 0 {
		fd, err := udpSocket()
		if err != nil {
			b := append(l.scratch[:0], "warning: no udp socket available: "...)
			b = append(b, stamp...)
			b = append(b, d.Prefix...)
			b = append(b, line...)
			l.scratch = b
			d.PutLine(nil, nil, b, true)
			return
		}
		l.udp = fd
	}
	b := append(l.scratch[:0], stamp...)
	b = append(b, d.Prefix...)
	b = append(b, line...)
	if long {
		b = append(b, "..."...)
	}
	b = append(b, '\n')
	l.scratch = b
	err := syscall.Sendto(l.udp, b, 0, &d.UDPAddr)
	if err == syscall.EAGAIN {
		// The kept socket's send buffer is full of datagrams still
		// queued for the interface (svlogd sends faster than a busy
		// machine drains them). runit sends every line from a fresh
		// blocking socket, which always has that room; so send this
		// one from a fresh socket too, and keep that.
		syscall.Close(l.udp)
		l.udp = -1
		if fd, serr := udpSocket(); serr == nil {
			l.udp = fd
			err = syscall.Sendto(l.udp, b, 0, &d.UDPAddr)
		}
	}
	if err != nil {
		w := append([]byte("warning: failure sending through udp: "), b[:len(b)-1]...)
		l.opt.Garbage += cap(w)
		d.PutLine(nil, nil, w, true)
	}
}
