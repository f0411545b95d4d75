package logdir

import (
	"bytes"
	"strconv"
	"syscall"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/cname"
	"github.com/gorunit/gorunit/internal/tai64n"
)

// PauseTime is how long svlogd waits, in seconds, before retrying after
// an I/O error it cannot work around (svlogd.c's pause1/pause2: sleep(3)).
const PauseTime = 3

// Options are what every Dir of one svlogd shares.
//
// svlogd runs with Go's garbage collector off (package svlogd): logging
// and rotating allocate nothing, and the rare calls that do (opening a
// directory, a processor, a failing UDP send) add what they leave behind
// to Garbage, so that svlogd collects only when that adds up.
type Options struct {
	LineMax uint64 // -l: rotation by size leaves room for one line
	BufSize int    // bytes batched before a write to current
	Verbose bool   // -v: "svlogd: info: ..." lines

	// Stderr takes svlogd's messages (runit's strerr shapes).
	Stderr *Stderr
	// Now is the clock for file names and age rotation.
	Now func() tai64n.Stamp
	// Sleep waits so many seconds before retrying after an error
	// (PauseTime).
	Sleep func(seconds int)
	// Environ is the processor's environment.
	Environ []string
	// Garbage counts bytes allocated and dropped, roughly (over rather
	// than under).
	Garbage int
	// Removed is set when a Dir gives itself up because its directory
	// was removed (see retry); the caller clears it.
	Removed bool
}

// Dir is one log directory as svlogd holds it open.
type Dir struct {
	Name   string
	Config Config

	// Log and ToStderr are the selection of the current line; ToStderr
	// keeps its value across a reopen without patterns, as runit's
	// matcherr does.
	Log, ToStderr bool
	// Prefix is Config.Prefix as bytes, for writing without allocating.
	Prefix []byte
	// UDPAddr is where u/U lines go, kept so that sending allocates
	// nothing.
	UDPAddr syscall.SockaddrInet4

	opt      *Options
	fddir    int
	fdcur    int
	fdlock   int
	size     uint64 // bytes in current, batched ones included
	buf      []byte // batched writes to current
	deadline tai64n.Stamp
	ppid     int
	fnsave   [28]byte // the last @….u/.s name made, NUL-terminated
	oldest   [28]byte // rmoldest's and deleteForSpace's pick
	dents    []byte   // getdents buffer, kept between rotations
}

// New returns a closed Dir for name.
func New(name string, opt *Options) *Dir {
	n := opt.BufSize
	if n < 1 {
		n = 1
	}
	return &Dir{Name: name, opt: opt, fddir: -1, fdcur: -1, fdlock: -1, buf: make([]byte, 0, n)}
}

// IsOpen reports whether the directory is in use.
func (d *Dir) IsOpen() bool { return d.fddir >= 0 }

// Size is the size of current, including batched bytes.
func (d *Dir) Size() uint64 { return d.size }

// Deadline is when current must be rotated by age; ok is false when
// the config sets no age.
func (d *Dir) Deadline() (t tai64n.Stamp, ok bool) {
	return d.deadline, d.fddir >= 0 && d.Config.Age > 0
}

// CheckAge rotates current when its age deadline (t) has passed, as
// svlogd.c does before each read, and returns the next deadline; ok is
// false when there is none.
//
// Unlike svlogd.c it first pulls a deadline that lies more than t ahead
// of now back to now + t. Only a wall clock set back puts it there, and
// C svlogd then rotates by age no more until the clock reaches the old
// deadline (a year later after a year's jump). gorunit rotates t after
// the jump, as if the file had been opened then: no rotation at the
// jump, and at most one at a jump forward (the deadline is past).
func (d *Dir) CheckAge(now tai64n.Stamp) (next tai64n.Stamp, ok bool) {
	if d.fddir < 0 || d.Config.Age == 0 {
		return tai64n.Stamp{}, false
	}
	// A now + t that wraps is never less than a deadline (see AgeDeadline).
	if limit := d.Config.AgeDeadline(now); now.Before(limit) && limit.Before(d.deadline) {
		d.deadline = limit
	}
	if d.deadline.Before(now) {
		d.Rotate()
	}
	return d.deadline, true
}

func (d *Dir) info(pieces ...string) {
	if d.opt.Verbose {
		d.say("svlogd: info: ", pieces...)
	}
}

// say writes lead and pieces as one message line.
func (d *Dir) say(lead string, pieces ...string) {
	e := d.opt.Stderr
	e.Add(lead)
	e.Add(pieces...)
	e.End()
}

func (d *Dir) warn(err error, pieces ...string) {
	e := d.opt.Stderr
	e.Add("svlogd: warning: ")
	e.Add(pieces...)
	if err != nil {
		e.Add(": ", ErrText(err))
	}
	e.End()
}

// pause is svlogd.c's pause2: report, wait, and let the caller retry.
func (d *Dir) pause(err error, what ...string) {
	e := d.opt.Stderr
	e.Add("svlogd: pausing: ")
	e.Add(what...)
	e.Add(": ", d.Name, ": ", ErrText(err))
	e.End()
	d.opt.Sleep(PauseTime)
}

// retry is pause for the loops that work on names in the directory. When
// err is ENOENT because the log directory itself has been removed (no
// link left to it), no retry can ever succeed: runit's svlogd pauses
// there forever, and runsv, waiting for its log to exit, with it. gorunit
// gives the directory up instead: it warns, closes it as if it had never
// opened, sets Options.Removed, and retry returns false.
func (d *Dir) retry(err error, what ...string) bool {
	if d.removed(err) {
		d.giveUp()
		return false
	}
	d.pause(err, what...)
	return true
}

// removed reports whether err comes from the log directory having been
// removed since it was opened.
func (d *Dir) removed(err error) bool {
	var st syscall.Stat_t
	return err == syscall.ENOENT && d.fddir >= 0 &&
		syscall.Fstat(d.fddir, &st) == nil && st.Nlink == 0
}

// giveUp closes a removed directory without writing to it: what is
// batched would only go to an unlinked current.
func (d *Dir) giveUp() {
	d.say("svlogd: warning: log directory removed, giving it up: ", d.Name)
	if d.fdcur >= 0 {
		syscall.Close(d.fdcur)
		d.fdcur = -1
	}
	d.buf = d.buf[:0]
	syscall.Close(d.fddir)
	d.fddir = -1
	if d.fdlock >= 0 {
		syscall.Close(d.fdlock)
		d.fdlock = -1
	}
	d.Config.Processor, d.Config.HasProcessor = "", false
	d.opt.Removed = true
}

// ErrText is runit's text for err, an errno from a system call. Unlike
// cli.ErrStr it does not look inside wrapped errors, which takes package
// errors' reflection into the binary.
func ErrText(err error) string {
	e, ok := err.(syscall.Errno)
	if !ok && err != nil {
		return err.Error()
	}
	return cli.ErrnoText(e) // 0 for nil: "no error"
}

// Open opens the directory as svlogd.c's logdir_open does: lock, config,
// current (saving an unclean one as @….u). It reports failures as
// warnings and returns false; then the directory is not used.
func (d *Dir) Open(now tai64n.Stamp) bool {
	// What opening allocates (the name, the config and what is parsed
	// from it) is dropped at the next reopen.
	d.opt.Garbage += 1024 + 2*len(d.Name)
	fd, err := syscall.Open(d.Name, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		d.warn(err, "unable to open log directory: ", d.Name)
		return false
	}
	d.fddir = fd
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		if err == nil {
			err = syscall.ENOTDIR // what runit's fchdir says
		}
		d.Close()
		d.warn(err, "unable to change directory: ", d.Name)
		return false
	}
	d.fdlock, err = syscall.Openat(fd, "lock", syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_APPEND|syscall.O_CREAT|syscall.O_CLOEXEC, 0o600)
	if err == nil {
		err = syscall.Flock(d.fdlock, syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err != nil {
		d.Close()
		d.warn(err, "unable to lock directory: ", d.Name)
		return false
	}

	d.size = 0
	d.ppid = 0 // runit forgets a processor still running from before a HUP
	d.Log = true
	d.Config = Default()
	data, err := cname.ReadFile(fd, cConfig)
	found := err == nil
	if err == syscall.ENOENT {
		err = nil // no config: the defaults
	}
	if err != nil {
		d.warn(err, "unable to read config: ", d.Name)
	}
	if found || err != nil {
		d.info("read: ", d.Name, "/config")
		d.Config = Parse(data)
		d.opt.Garbage += 3 * cap(data)
		for _, w := range d.Config.Warnings {
			d.say("svlogd: warning: ", w)
		}
	}
	d.Prefix = []byte(d.Config.Prefix)
	d.UDPAddr = syscall.SockaddrInet4{Port: int(d.Config.UDPPort), Addr: d.Config.UDPAddr}
	if d.Config.Age > 0 {
		d.deadline = d.Config.AgeDeadline(now)
	}

	isNew := true
	err = cname.Stat(fd, cCurrent, &st)
	switch {
	case err == nil && st.Size > 0 && st.Mode&syscall.S_IXUSR == 0:
		// An unclean shutdown: keep what was written as @….u.
		d.newName('u')
		for {
			err := cname.Rename(fd, cCurrent, fd, d.fnsave[:])
			if err == nil {
				break
			}
			if !d.retry(err, "unable to rename current") {
				return false
			}
		}
		if d.rmoldest(); d.fddir < 0 {
			return false
		}
	case err == nil:
		d.size = uint64(st.Size)
		isNew = false
	case err != syscall.ENOENT:
		d.Close()
		d.warn(err, "unable to stat current: ", d.Name)
		return false
	}
	if !d.openCurrent("unable to open current") {
		return false
	}
	if isNew {
		d.info("new: ", d.Name, "/current")
	} else {
		d.info("append: ", d.Name, "/current")
	}
	return true
}

// openCurrent opens (creating) current; false when the directory was
// given up (retry).
func (d *Dir) openCurrent(what string) bool {
	for {
		fd, err := cname.Open(d.fddir, cCurrent, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_APPEND|syscall.O_CREAT|syscall.O_CLOEXEC, 0o600)
		if err == nil {
			d.fdcur = fd
			break
		}
		if !d.retry(err, what) {
			return false
		}
	}
	for {
		err := syscall.Fchmod(d.fdcur, 0o644)
		if err == nil {
			break
		}
		d.pause(err, "unable to set mode of current")
	}
	return true
}

// Close flushes current, marks it cleanly closed (mode 0744) and releases
// the directory (svlogd.c logdir_close). A running processor is left alone.
func (d *Dir) Close() {
	if d.fddir < 0 {
		return
	}
	d.info("close: ", d.Name)
	// Flush while the directory is open: on a full disk it may delete
	// old files there.
	if d.Flush(); d.fddir < 0 {
		return // given up (retry)
	}
	syscall.Close(d.fddir)
	d.fddir = -1
	if d.fdlock >= 0 {
		syscall.Close(d.fdlock)
		d.fdlock = -1
	}
	if d.fdcur < 0 {
		return
	}
	d.syncAndSeal()
	syscall.Close(d.fdcur)
	d.fdcur = -1
	d.Config.Processor, d.Config.HasProcessor = "", false
}

func (d *Dir) syncAndSeal() {
	for {
		err := syscall.Fsync(d.fdcur)
		if err == nil {
			break
		}
		d.pause(err, "unable to fsync current logfile")
	}
	for {
		err := syscall.Fchmod(d.fdcur, 0o744)
		if err == nil {
			break
		}
		d.pause(err, "unable to set mode of current")
	}
}

// newName makes a fresh "@<tai64n>.<suffix>" that does not exist yet in
// d.fnsave.
func (d *Dir) newName(suffix byte) {
	for {
		n := d.opt.Now().AppendLabel(d.fnsave[:0])
		n = append(n, '.', suffix, 0)
		if !cname.Exists(d.fddir, n) {
			return
		}
	}
}

// Rotate renames a non-empty current to @….s (@….u when a processor is
// set), opens a new one, deletes the oldest file beyond n and starts the
// processor (svlogd.c rotate). It first waits for the previous processor
// to succeed.
func (d *Dir) Rotate() {
	if d.fddir < 0 {
		d.Config.Age = 0
		return
	}
	d.WaitProcessor()
	suffix := byte('s')
	if d.Config.HasProcessor {
		suffix = 'u'
	}
	d.newName(suffix)
	if now := d.opt.Now(); d.Config.Age > 0 && d.deadline.Before(now) {
		d.deadline = d.Config.AgeDeadline(now)
	}
	if d.size == 0 {
		return
	}
	if d.Flush(); d.fdcur < 0 {
		return // given up (retry)
	}
	d.syncAndSeal()
	syscall.Close(d.fdcur)
	d.fdcur = -1
	if d.opt.Verbose {
		var num [20]byte
		size := strconv.AppendUint(num[:0], d.size, 10)
		d.info("rename: ", d.Name, "/current ", cname.String(d.fnsave[:]), " ", cname.String(size))
	}
	for {
		err := cname.Rename(d.fddir, cCurrent, d.fddir, d.fnsave[:])
		if err == nil {
			break
		}
		if !d.retry(err, "unable to rename current") {
			return
		}
	}
	if !d.openCurrent("unable to create new current") {
		return
	}
	d.size = 0
	if d.rmoldest(); d.fddir < 0 {
		return
	}
	d.processorStart()
}

// listOld calls f with each 27-character name starting with "@", with
// its NUL (the bytes are only valid during the call). It reads the
// directory with getdents into a buffer kept for the next rotation. It
// returns false when the directory was given up (retry).
func (d *Dir) listOld(what string, f func(name []byte)) bool {
	var fd int
	for {
		var err error
		fd, err = cname.Open(d.fddir, cDot, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err == nil {
			break
		}
		if !d.retry(err, "unable to open directory, ", what) {
			return false
		}
	}
	defer syscall.Close(fd)
	if d.dents == nil {
		d.dents = make([]byte, 4096)
	}
	for {
		n, err := syscall.Getdents(fd, d.dents)
		if err == syscall.EINTR {
			continue
		}
		if d.removed(err) {
			d.giveUp()
			return false
		}
		if err != nil {
			d.warn(err, "unable to read directory: ", d.Name)
			return true
		}
		if n <= 0 {
			return true
		}
		b := d.dents[:n]
		for len(b) >= 19 {
			// struct linux_dirent64: ino 8, off 8, reclen 2, type 1,
			// name, NUL, padding
			reclen := int(b[16]) | int(b[17])<<8
			if reclen < 19 || reclen > len(b) {
				break
			}
			name := b[19:reclen]
			if len(name) >= 28 && name[0] == '@' && name[27] == 0 {
				f(name[:28])
			}
			b = b[reclen:]
		}
	}
}

// rmoldest unlinks processor leftovers (@….t) and, when more than n old
// files (other than .u) exist, the oldest one: one per call, as runit does.
func (d *Dir) rmoldest() {
	n := uint64(0)
	ok := d.listOld("want rotate", func(f []byte) {
		switch f[26] {
		case 't':
			if err := cname.Unlink(d.fddir, f); err != nil {
				d.warn(err, "unable to unlink processor leftover: ", cname.String(f))
			}
			return
		case 'u':
			// Debian's svlogd neither counts nor deletes .u files (found
			// by running it): a processor's input is never lost.
			return
		}
		n++
		if n == 1 || bytes.Compare(f, d.oldest[:]) < 0 {
			copy(d.oldest[:], f)
		}
	})
	if !ok {
		return
	}
	if d.Config.Num > 0 && n > d.Config.Num {
		d.info("delete: ", d.Name, "/", cname.String(d.oldest[:]))
		if err := cname.Unlink(d.fddir, d.oldest[:]); err != nil {
			d.warn(err, "unable to unlink oldest logfile: ", d.Name)
		}
	}
}

// Put writes p to current through the batch buffer, rotating by size as
// runit's buffer_pwrite does: when current has reached s before a write,
// and splitting writes at s.
func (d *Dir) Put(p []byte) {
	for len(p) > 0 {
		n := uint64(len(p))
		if s := d.Config.Size; s > 0 {
			if d.size >= s {
				if d.Rotate(); d.fdcur < 0 {
					return // given up (retry)
				}
			}
			if n > s-d.size {
				n = s - d.size
			}
		}
		d.append(p[:n])
		d.size += n
		p = p[n:]
	}
}

func (d *Dir) append(p []byte) {
	for len(p) > 0 {
		if len(d.buf) == cap(d.buf) {
			d.Flush()
		}
		k := copy(d.buf[len(d.buf):cap(d.buf)], p)
		d.buf = d.buf[:len(d.buf)+k]
		p = p[k:]
	}
}

var newline = []byte{'\n'}

// PutLine writes stamp, prefix and line, and with nl the newline that
// ends the line; after the newline it rotates when current has less than
// one line's room left (runit: size >= s - linemax, in unsigned
// arithmetic, so an s below -l never rotates early).
func (d *Dir) PutLine(stamp, prefix, line []byte, nl bool) {
	if d.fdcur < 0 {
		return
	}
	n := len(stamp) + len(prefix) + len(line)
	if nl {
		n++
	}
	s := d.Config.Size
	if (s == 0 || d.size+uint64(n) < s) && n <= cap(d.buf)-len(d.buf) {
		// The fast path: nothing to split, room in the batch.
		d.buf = append(d.buf, stamp...)
		d.buf = append(d.buf, prefix...)
		d.buf = append(d.buf, line...)
		d.size += uint64(n)
	} else {
		d.Put(stamp)
		d.Put(prefix)
		d.Put(line)
		if !nl {
			return
		}
		d.Put(newline)
		d.afterNewline()
		return
	}
	if nl {
		d.buf = append(d.buf, '\n')
		d.afterNewline()
	}
}

func (d *Dir) afterNewline() {
	if s := d.Config.Size; s > 0 && d.size >= s-d.opt.LineMax {
		d.Rotate()
	}
}

// Flush writes the batched bytes to current. It never gives up: on a full
// disk it deletes old files down to N, otherwise it reports
// "svlogd: pausing: unable to write to current: …" and retries. (Only a
// removed directory is given up, see retry.)
func (d *Dir) Flush() {
	b := d.buf
	for len(b) > 0 && d.fdcur >= 0 { // deleteForSpace may give d up
		n, err := syscall.Write(d.fdcur, b)
		if n > 0 {
			b = b[n:]
		}
		if err == nil || err == syscall.EINTR {
			continue
		}
		if err == syscall.ENOSPC && d.Config.Min < d.Config.Num && d.deleteForSpace() {
			continue
		}
		if d.fdcur < 0 {
			break
		}
		d.pause(err, "unable to write to current")
	}
	d.buf = d.buf[:0]
}

// deleteForSpace removes the oldest old file when more than N exist
// (runit counts every @ name here, .t and .u included).
func (d *Dir) deleteForSpace() bool {
	n := uint64(0)
	ok := d.listOld("want remove old logfile", func(f []byte) {
		n++
		if n == 1 || bytes.Compare(f, d.oldest[:]) < 0 {
			copy(d.oldest[:], f)
		}
	})
	if !ok || n <= d.Config.Min {
		return false
	}
	d.say("svlogd: warning: out of disk space, delete: ", d.Name, "/", cname.String(d.oldest[:]))
	if err := cname.Unlink(d.fddir, d.oldest[:]); err != nil {
		d.warn(err, "unable to unlink oldest logfile: ", d.Name)
		return false
	}
	return true
}
