package runsvdir

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// dirMask is what changes dir's list of entries: an entry created,
// removed or renamed, or dir itself removed or moved away.
const dirMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
	unix.IN_DELETE_SELF | unix.IN_MOVE_SELF

// chainMask watches a directory holding a symlink on the way to dir (as
// /etc/runit/runsvdir holds runsvchdir's "current"): the link being
// replaced may mean dir is now another directory.
const chainMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
	unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR | unix.IN_MASK_ADD

// watcher is an inotify instance watching the service directory and the
// directories holding symlinks on the way to it. The event loop owns the
// watches; one goroutine reads events and only posts tokens: "rescan"
// for a change in dir, "check" (is dir still the same directory?) for a
// change along the way.
type watcher struct {
	f     *os.File
	fd    int
	wd    int          // dir's watch, -1: none
	main  atomic.Int32 // wd, for the reader
	chain map[int]bool // watches along the path
}

func newWatcher() (*watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, err
	}
	w := &watcher{f: os.NewFile(uintptr(fd), "inotify"), fd: fd, wd: -1, chain: map[int]bool{}}
	w.main.Store(-1)
	// Non-blocking, so that readRaw waits for it in the runtime's poller.
	return w, nil
}

// watchDir (re)points dir's watch at the current directory, which is
// dir during a scan. Adding a watch for an inode already watched returns
// the same descriptor, so calling it on every scan is cheap and follows
// dir being replaced.
func (w *watcher) watchDir() error {
	wd, err := unix.InotifyAddWatch(w.fd, ".", dirMask)
	if err != nil {
		w.wd = -1
		w.main.Store(-1)
		return err
	}
	if w.wd >= 0 && w.wd != wd && !w.chain[w.wd] {
		unix.InotifyRmWatch(w.fd, uint32(w.wd)) // may be gone already: EINVAL
	}
	w.wd = wd
	w.main.Store(int32(wd))
	delete(w.chain, wd)
	return nil
}

// watchChain watches the directories holding the symlinks met on the way
// to path, from the current directory, and drops watches no longer on
// the way.
func (w *watcher) watchChain(path string) {
	chain := map[int]bool{}
	for _, dir := range linkDirs(path) {
		if wd, err := unix.InotifyAddWatch(w.fd, dir, chainMask); err == nil && wd != w.wd {
			chain[wd] = true
		}
	}
	for old := range w.chain {
		if !chain[old] && old != w.wd {
			unix.InotifyRmWatch(w.fd, uint32(old))
		}
	}
	w.chain = chain
}

// linkDirs lists the directories that hold a symlink met while resolving
// path, as paths usable from the current directory.
func linkDirs(path string) []string {
	var dirs []string
	cur := "."
	if strings.HasPrefix(path, "/") {
		cur = "/"
	}
	rest := strings.Split(path, "/")
	for hops := 0; len(rest) > 0 && hops < 40; {
		c := rest[0]
		rest = rest[1:]
		if c == "" || c == "." {
			continue
		}
		next := filepath.Join(cur, c)
		target, err := os.Readlink(next)
		if err != nil {
			cur = next // not a symlink (or gone: nothing more to learn)
			continue
		}
		hops++
		dirs = append(dirs, cur)
		if strings.HasPrefix(target, "/") {
			cur = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return dirs
}

// read posts to scan after a batch of events that can change a scan's
// result and to check after one along the path (a pending token is
// enough: posting never blocks). It returns when the instance is closed
// or broken; the periodic check still sees changes then, as runit does.
func (w *watcher) read(scan, check chan<- struct{}) {
	rc, err := w.f.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 64*1024)
	for {
		n, err := readRaw(rc, buf)
		if err != nil {
			return
		}
		s, c := classify(buf[:n], w.main.Load())
		if s {
			post(scan)
		}
		if c {
			post(check)
		}
	}
}

func post(c chan<- struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// classify tells whether a buffer of inotify events holds one that may
// change what a scan sees (scan) or one along the path to dir (check).
// For dir's watch that is anything about dir itself, a queue overflow, or
// an entry whose name does not start with '.': dot-names are skipped by
// the scan, so .forced-rescan being written causes no rescan. A truncated
// event counts for both.
func classify(b []byte, main int32) (scan, check bool) {
	for len(b) > 0 {
		if len(b) < unix.SizeofInotifyEvent {
			return true, true
		}
		wd := int32(binary.NativeEndian.Uint32(b[0:4]))
		mask := binary.NativeEndian.Uint32(b[4:8])
		nlen := int(binary.NativeEndian.Uint32(b[12:16]))
		b = b[unix.SizeofInotifyEvent:]
		if nlen > len(b) {
			return true, true
		}
		name := b[:nlen]
		b = b[nlen:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		switch {
		case mask&unix.IN_Q_OVERFLOW != 0:
			scan, check = true, true
		case wd != main:
			check = true
		case mask&(unix.IN_IGNORED|unix.IN_DELETE_SELF|unix.IN_MOVE_SELF|unix.IN_UNMOUNT) != 0:
			scan = true
		case len(name) == 0 || name[0] != '.':
			scan = true
		}
	}
	return scan, check
}
