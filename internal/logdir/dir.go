package logdir

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/tai64n"
)

// PauseTime is how long svlogd waits before retrying after an I/O error
// it cannot work around (svlogd.c's pause1/pause2: sleep(3)).
const PauseTime = 3 * time.Second

// Options are what every Dir of one svlogd shares.
type Options struct {
	LineMax uint64 // -l: rotation by size leaves room for one line
	BufSize int    // bytes batched before a write to current
	Verbose bool   // -v: "svlogd: info: ..." lines

	// Say writes one message line (runit's strerr shape, without the
	// newline) to svlogd's stderr.
	Say func(pieces ...string)
	// Now is the clock for file names and age rotation.
	Now func() time.Time
	// Sleep waits before retrying after an error (PauseTime).
	Sleep func(time.Duration)
	// Environ is the processor's environment.
	Environ []string
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

	opt      *Options
	fddir    int
	fdcur    int
	fdlock   int
	size     uint64 // bytes in current, batched ones included
	buf      []byte // batched writes to current
	deadline time.Time
	ppid     int
	fnsave   string // the last @….u/.s name made
	dents    []byte // getdents buffer, kept between rotations
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
func (d *Dir) Deadline() (t time.Time, ok bool) {
	return d.deadline, d.fddir >= 0 && d.Config.Age > 0
}

func (d *Dir) info(pieces ...string) {
	if d.opt.Verbose { // callers building costly pieces check Verbose first
		d.opt.Say(append([]string{"svlogd: info: "}, pieces...)...)
	}
}

func (d *Dir) warn(err error, pieces ...string) {
	p := append([]string{"svlogd: warning: "}, pieces...)
	if err != nil {
		p = append(p, ": ", cli.ErrStr(err))
	}
	d.opt.Say(p...)
}

// pause is svlogd.c's pause2: report, wait, and let the caller retry.
func (d *Dir) pause(what string, err error) {
	d.opt.Say("svlogd: pausing: ", what, ": ", d.Name, ": ", cli.ErrStr(err))
	d.opt.Sleep(PauseTime)
}

// Open opens the directory as svlogd.c's logdir_open does: lock, config,
// current (saving an unclean one as @….u). It reports failures as
// warnings and returns false; then the directory is not used.
func (d *Dir) Open(now time.Time) bool {
	fd, err := unix.Open(d.Name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		d.warn(err, "unable to open log directory: ", d.Name)
		return false
	}
	d.fddir = fd
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		if err == nil {
			err = unix.ENOTDIR // what runit's fchdir says
		}
		d.Close()
		d.warn(err, "unable to change directory: ", d.Name)
		return false
	}
	d.fdlock, err = unix.Openat(fd, "lock", unix.O_WRONLY|unix.O_NONBLOCK|unix.O_APPEND|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err == nil {
		err = unix.Flock(d.fdlock, unix.LOCK_EX|unix.LOCK_NB)
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
	data, err, found := readAt(fd, "config")
	if err != nil {
		d.warn(err, "unable to read config: ", d.Name)
	}
	if found || err != nil {
		d.info("read: ", d.Name, "/config")
		d.Config = Parse(data)
		for _, w := range d.Config.Warnings {
			d.opt.Say("svlogd: warning: ", w)
		}
	}
	d.Prefix = []byte(d.Config.Prefix)
	if d.Config.Age > 0 {
		d.deadline = d.Config.AgeDeadline(now)
	}

	isNew := true
	err = unix.Fstatat(fd, "current", &st, 0)
	switch {
	case err == nil && st.Size > 0 && st.Mode&unix.S_IXUSR == 0:
		// An unclean shutdown: keep what was written as @….u.
		d.fnsave = d.newName('u')
		for {
			if err := unix.Renameat(fd, "current", fd, d.fnsave); err == nil {
				break
			} else {
				d.pause("unable to rename current", err)
			}
		}
		d.rmoldest()
	case err == nil:
		d.size = uint64(st.Size)
		isNew = false
	case !errors.Is(err, unix.ENOENT):
		d.Close()
		d.warn(err, "unable to stat current: ", d.Name)
		return false
	}
	d.openCurrent("unable to open current")
	if isNew {
		d.info("new: ", d.Name, "/current")
	} else {
		d.info("append: ", d.Name, "/current")
	}
	return true
}

func (d *Dir) openCurrent(what string) {
	for {
		fd, err := unix.Openat(d.fddir, "current", unix.O_WRONLY|unix.O_NONBLOCK|unix.O_APPEND|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
		if err == nil {
			d.fdcur = fd
			break
		}
		d.pause(what, err)
	}
	for {
		err := unix.Fchmod(d.fdcur, 0o644)
		if err == nil {
			break
		}
		d.pause("unable to set mode of current", err)
	}
}

// readAt reads file name in directory dirfd; found is false when it does
// not exist (which is no error).
func readAt(dirfd int, name string) (data []byte, err error, found bool) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, nil, false
		}
		return nil, err, false
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	data, err = io.ReadAll(f)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, err, true
	}
	return data, nil, true
}

// Close flushes current, marks it cleanly closed (mode 0744) and releases
// the directory (svlogd.c logdir_close). A running processor is left alone.
func (d *Dir) Close() {
	if d.fddir < 0 {
		return
	}
	d.info("close: ", d.Name)
	unix.Close(d.fddir)
	d.fddir = -1
	if d.fdlock >= 0 {
		unix.Close(d.fdlock)
		d.fdlock = -1
	}
	if d.fdcur < 0 {
		return
	}
	d.Flush()
	d.syncAndSeal()
	unix.Close(d.fdcur)
	d.fdcur = -1
	d.Config.Processor, d.Config.HasProcessor = "", false
}

func (d *Dir) syncAndSeal() {
	for {
		err := unix.Fsync(d.fdcur)
		if err == nil {
			break
		}
		d.pause("unable to fsync current logfile", err)
	}
	for {
		err := unix.Fchmod(d.fdcur, 0o744)
		if err == nil {
			break
		}
		d.pause("unable to set mode of current", err)
	}
}

// newName makes a fresh "@<tai64n>.<suffix>" that does not exist yet.
func (d *Dir) newName(suffix byte) string {
	var b [27]byte
	for {
		n := tai64n.FromTime(d.opt.Now()).AppendLabel(b[:0])
		n = append(n, '.', suffix)
		name := string(n)
		var st unix.Stat_t
		if err := unix.Fstatat(d.fddir, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return name
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
	d.fnsave = d.newName(suffix)
	if now := d.opt.Now(); d.Config.Age > 0 && d.deadline.Before(now) {
		d.deadline = d.Config.AgeDeadline(now)
	}
	if d.size == 0 {
		return
	}
	d.Flush()
	d.syncAndSeal()
	unix.Close(d.fdcur)
	d.fdcur = -1
	if d.opt.Verbose {
		d.info("rename: ", d.Name, "/current ", d.fnsave, " ", strconv.FormatUint(d.size, 10))
	}
	for {
		err := unix.Renameat(d.fddir, "current", d.fddir, d.fnsave)
		if err == nil {
			break
		}
		d.pause("unable to rename current", err)
	}
	d.openCurrent("unable to create new current")
	d.size = 0
	d.rmoldest()
	d.processorStart()
}

// listOld calls f with each 27-character name starting with "@" (the
// name's bytes are only valid during the call). It reads the directory
// with getdents into a buffer kept for the next rotation, so rotating
// leaves little garbage behind.
func (d *Dir) listOld(what string, f func(name []byte)) {
	var fd int
	for {
		var err error
		fd, err = unix.Openat(d.fddir, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err == nil {
			break
		}
		d.pause("unable to open directory, "+what, err)
	}
	defer unix.Close(fd)
	if d.dents == nil {
		d.dents = make([]byte, 8192)
	}
	for {
		n, err := unix.Getdents(fd, d.dents)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			d.warn(err, "unable to read directory: ", d.Name)
			return
		}
		if n <= 0 {
			return
		}
		b := d.dents[:n]
		for len(b) >= 19 {
			// struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name
			reclen := int(b[16]) | int(b[17])<<8
			if reclen < 19 || reclen > len(b) {
				break
			}
			name := b[19:reclen]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			if len(name) == 27 && name[0] == '@' {
				f(name)
			}
			b = b[reclen:]
		}
	}
}

// rmoldest unlinks processor leftovers (@….t) and, when more than n old
// files (other than .u) exist, the oldest one: one per call, as runit does.
func (d *Dir) rmoldest() {
	var oldest [27]byte
	n := uint64(0)
	d.listOld("want rotate", func(f []byte) {
		switch f[26] {
		case 't':
			if err := unix.Unlinkat(d.fddir, string(f), 0); err != nil {
				d.warn(err, "unable to unlink processor leftover: ", string(f))
			}
			return
		case 'u':
			// Debian's svlogd neither counts nor deletes .u files (found
			// by running it): a processor's input is never lost.
			return
		}
		n++
		if n == 1 || bytes.Compare(f, oldest[:]) < 0 {
			copy(oldest[:], f)
		}
	})
	if d.Config.Num > 0 && n > d.Config.Num {
		d.info("delete: ", d.Name, "/", string(oldest[:]))
		if err := unix.Unlinkat(d.fddir, string(oldest[:]), 0); err != nil {
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
				d.Rotate()
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
// "svlogd: pausing: unable to write to current: …" and retries.
func (d *Dir) Flush() {
	b := d.buf
	for len(b) > 0 {
		n, err := unix.Write(d.fdcur, b)
		if n > 0 {
			b = b[n:]
		}
		if err == nil || err == unix.EINTR {
			continue
		}
		if err == unix.ENOSPC && d.Config.Min < d.Config.Num && d.deleteForSpace() {
			continue
		}
		d.pause("unable to write to current", err)
	}
	d.buf = d.buf[:0]
}

// deleteForSpace removes the oldest old file when more than N exist
// (runit counts every @ name here, .t and .u included).
func (d *Dir) deleteForSpace() bool {
	var oldest [27]byte
	n := uint64(0)
	d.listOld("want remove old logfile", func(f []byte) {
		n++
		if n == 1 || bytes.Compare(f, oldest[:]) < 0 {
			copy(oldest[:], f)
		}
	})
	if n <= d.Config.Min {
		return false
	}
	d.opt.Say("svlogd: warning: out of disk space, delete: ", d.Name, "/", string(oldest[:]))
	if err := unix.Unlinkat(d.fddir, string(oldest[:]), 0); err != nil {
		d.warn(err, "unable to unlink oldest logfile: ", d.Name)
		return false
	}
	return true
}
