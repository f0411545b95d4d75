package runsvdir

import (
	"bytes"
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// watchMask is what changes dir's list of entries: an entry created,
// removed or renamed, or dir itself removed or moved away.
const watchMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
	unix.IN_DELETE_SELF | unix.IN_MOVE_SELF

// watcher is an inotify instance watching the service directory. The
// event loop owns wd; one goroutine reads events and only ever posts a
// token saying "rescan".
type watcher struct {
	f  *os.File
	fd int
	wd int // -1: none
}

func newWatcher() (*watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, err
	}
	// Non-blocking, so os.File reads go through the runtime's poller.
	return &watcher{f: os.NewFile(uintptr(fd), "inotify"), fd: fd, wd: -1}, nil
}

// watch (re)points the watch at whatever path names now. Adding a watch
// for an inode already watched returns the same descriptor, so calling it
// on every scan is cheap and follows dir being replaced (runsvchdir, or
// rm -r and mkdir).
func (w *watcher) watch(path string) error {
	wd, err := unix.InotifyAddWatch(w.fd, path, watchMask)
	if err != nil {
		return err
	}
	if w.wd >= 0 && w.wd != wd {
		unix.InotifyRmWatch(w.fd, uint32(w.wd)) // may be gone already: EINVAL
	}
	w.wd = wd
	return nil
}

// read posts to dirty (without blocking, a pending token is enough) after
// every batch of events that can change a scan's result. It returns when
// the instance is closed or broken.
func (w *watcher) read(dirty chan<- struct{}) {
	buf := make([]byte, 64*1024)
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			// Nothing reads events any more; the periodic check still
			// sees changes, as runit does.
			return
		}
		if relevant(buf[:n]) {
			select {
			case dirty <- struct{}{}:
			default:
			}
		}
	}
}

// relevant reports whether a buffer of inotify events holds one that may
// change what a scan sees: anything about dir itself, a queue overflow,
// or an entry whose name does not start with '.' (dot-names are skipped
// by the scan, so .forced-rescan being written causes no rescan).
// A truncated event counts as relevant.
func relevant(b []byte) bool {
	for len(b) > 0 {
		if len(b) < unix.SizeofInotifyEvent {
			return true
		}
		mask := binary.NativeEndian.Uint32(b[4:8])
		nlen := int(binary.NativeEndian.Uint32(b[12:16]))
		b = b[unix.SizeofInotifyEvent:]
		if nlen > len(b) {
			return true
		}
		name := b[:nlen]
		b = b[nlen:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if mask&(unix.IN_Q_OVERFLOW|unix.IN_IGNORED|unix.IN_DELETE_SELF|unix.IN_MOVE_SELF|unix.IN_UNMOUNT) != 0 {
			return true
		}
		if len(name) == 0 || name[0] != '.' {
			return true
		}
	}
	return false
}
