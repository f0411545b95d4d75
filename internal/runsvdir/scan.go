package runsvdir

import (
	"errors"
	"os"
	"runtime/debug"
	"time"

	"github.com/gorunit/gorunit/internal/tai64n"
	"golang.org/x/sys/unix"
)

// forcedFile is where an ALRM scan leaves its TAI64N label (Debian #933078).
const forcedFile = "./.forced-rescan"

// scan brings the set of runsv processes in line with dir, as runit's
// runsvdir() does with cwd = dir: chdir, scan, fchdir back. runsv is
// started from within dir, so its argv[1] is the bare entry name.
func (d *daemon) scan(now time.Time, forced bool) {
	d.nextCheck = now.Add(d.period())
	var st unix.Stat_t
	if err := unix.Stat(d.svdir, &st); err != nil {
		d.warnSys(err, "unable to stat ", d.svdir)
		d.retry(now)
		return
	}
	if d.w != nil {
		d.w.watchChain(d.svdir)
	}
	if err := unix.Chdir(d.svdir); err != nil {
		d.warnSys(err, "unable to change directory to ", d.svdir)
		d.retry(now)
		return
	}
	if d.w != nil {
		// Follow dir being replaced. A failure (no inotify watches left)
		// leaves the periodic check at runit's pace.
		d.w.watchDir()
	}
	d.mtime, d.dev, d.ino = int64(st.Mtim.Sec), st.Dev, st.Ino
	d.check = false
	d.scanEntries(now)
	if forced {
		d.writeForced()
	}
	for {
		err := unix.Fchdir(d.curdir)
		if err == nil {
			break
		}
		d.warnSys(err, "unable to change directory, pausing")
		time.Sleep(5 * time.Second)
	}
	if d.check {
		d.nextCheck = now.Add(retryCheck)
	}
}

// retry asks for the next check in a second, as runit's check flag does.
func (d *daemon) retry(now time.Time) {
	d.check = true
	d.nextCheck = now.Add(retryCheck)
}

// entry is a directory entry that is a service.
type entry struct {
	name string
	id   ident
}

// scanEntries reads the current directory: names starting with '.' are
// skipped, the rest are stat'ed (following symlinks; a dangling one is
// warned about), non-directories are skipped silently. Services not seen
// get SIGTERM sent to their runsv and are forgotten; new ones, and known
// ones without a runsv, get one started. A failed read warns, starts what
// it did read and removes nothing.
func (d *daemon) scanEntries(now time.Time) {
	f, err := os.Open(".")
	if err != nil {
		d.warnSys(err, "unable to open directory ", d.svdir)
		d.check = true
		return
	}
	names, rerr := f.Readdirnames(-1)
	f.Close()

	for _, s := range d.svc {
		s.seen = false
	}
	found := make([]entry, 0, len(names))
	for _, name := range names {
		if name == "" || name[0] == '.' {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(name, &st); err != nil {
			d.warnSys(err, "unable to stat ", name)
			continue
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			continue
		}
		id := ident{st.Dev, st.Ino}
		if s, ok := d.svc[id]; ok {
			if s.seen {
				continue // another name for a service already seen
			}
			s.seen = true
		}
		found = append(found, entry{name, id})
	}
	if rerr != nil {
		d.warnSys(rerr, "unable to read directory ", d.svdir)
		d.check = true
	} else {
		// Removed first, so that a slot freed at the limit is
		// available to an entry added in the same change.
		for id, s := range d.svc {
			if !s.seen {
				if s.pid != 0 {
					unix.Kill(s.pid, unix.SIGTERM)
				}
				delete(d.svc, id) // its runsv is reaped as a stray
			}
		}
	}
	started := 0
	for _, e := range found {
		s, ok := d.svc[e.id]
		if !ok {
			if len(d.svc) >= MaxServices {
				d.warn("unable to start runsv ", e.name, ": too many services.")
				continue
			}
			s = &slot{seen: true}
			d.svc[e.id] = s
			d.start(s, e.name, now)
			started++
			continue
		}
		if s.pid != 0 {
			continue
		}
		if next := s.started.Add(restartDelay); now.Before(next) {
			d.scanSoon(next)
			continue
		}
		d.start(s, e.name, now)
		started++
	}
	if started >= bigScan {
		// Each ForkExec copies argv and the environment; after starting
		// many runsv, give the garbage back rather than keep the peak.
		debug.FreeOSMemory()
	}
}

// bigScan is how many runsv a scan starts before it returns freed memory
// to the OS.
const bigScan = 64

// start runs "runsv NAME" for s. Failures are warned about (an exec
// failure with runit's "fatal" message, which in runit comes from the
// child) and retried a second later.
func (d *daemon) start(s *slot, name string, now time.Time) {
	s.started = now
	pid, err := d.spawn([]string{"runsv", name})
	if err != nil {
		var fe *forkError
		if errors.As(err, &fe) {
			d.warnSys(err, "unable to fork for ", name)
		} else {
			d.fatalSys(err, "unable to start runsv ", name)
		}
		d.scanSoon(now.Add(restartDelay))
		return
	}
	s.pid = pid
}

// writeForced leaves the scan's TAI64N label in dir/.forced-rescan, with
// Debian's messages (no separator, no reason, the label appended).
func (d *daemon) writeForced() {
	label := tai64n.Now().Label()
	fd, err := unix.Open(forcedFile, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, 0o644)
	if err != nil {
		d.warn("failed to open", forcedFile, label)
		return
	}
	defer unix.Close(fd)
	if n, err := unix.Write(fd, []byte(label)); err != nil || n != len(label) {
		d.warn("failed to write", forcedFile, label)
	}
}
