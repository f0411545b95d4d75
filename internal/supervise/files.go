package supervise

import (
	"io"
	"io/fs"

	"golang.org/x/sys/unix"
)

// The package does its file I/O with x/sys/unix, not package os, so that
// runsv and sv can be built without os (see package cli). Errors are
// *fs.PathError (os.PathError is the same type) wrapping the errno.

func join(dir, name string) string {
	if dir == "" || dir == "." {
		return name
	}
	if dir[len(dir)-1] == '/' {
		return dir + name
	}
	return dir + "/" + name
}

func pathErr(op, path string, err error) error {
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// Names of the files in a supervise directory.
const (
	Dir         = "supervise"
	LockFile    = "lock"
	ControlFIFO = "control"
	OKFIFO      = "ok"
	StatusFile  = "status"
	StatFile    = "stat"
	PIDFile     = "pid"
)

// WriteFileAtomic writes data to dir/name.new (0644, truncated) and renames
// it over dir/name, as runsv's update_status does: readers see the old or
// the new content, never a mix. No fsync: readers need atomicity, not
// durability.
func WriteFileAtomic(dir, name string, data []byte) error {
	tmp := join(dir, name+".new")
	fd, err := unix.Open(tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return pathErr("open", tmp, err)
	}
	for b := data; len(b) > 0 && err == nil; {
		var n int
		n, err = unix.Write(fd, b)
		if err == unix.EINTR {
			err = nil
		}
		b = b[n:]
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return pathErr("write", tmp, err)
	}
	if err := unix.Rename(tmp, join(dir, name)); err != nil {
		return pathErr("rename", tmp, err)
	}
	return nil
}

// WriteStatus writes the status record into dir (a supervise directory).
func WriteStatus(dir string, st Status) error {
	b := st.Bytes()
	return WriteFileAtomic(dir, StatusFile, b[:])
}

// ReadStatus reads dir/status (dir is a supervise directory) as sv.c does:
// one read of StatusSize bytes. Fewer gives ErrBadFormat; a longer file is
// read for its first StatusSize bytes, as runit's sv reads it.
func ReadStatus(dir string) (Status, error) {
	p := join(dir, StatusFile)
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return Status{}, pathErr("open", p, err)
	}
	defer unix.Close(fd)
	var b [StatusSize]byte
	n, err := unix.Read(fd, b[:])
	for err == unix.EINTR {
		n, err = unix.Read(fd, b[:])
	}
	if err != nil {
		return Status{}, pathErr("read", p, err)
	}
	return Decode(b[:n])
}

// ProbeOK tells whether a runsv holds dir/ok open: opening the FIFO for
// writing without blocking succeeds only while a reader exists. An error
// wrapping unix.ENXIO means "runsv not running".
func ProbeOK(dir string) error {
	p := join(dir, OKFIFO)
	fd, err := unix.Open(p, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return pathErr("open", p, err)
	}
	unix.Close(fd)
	return nil
}

// SendControl writes cmd to dir/control in one write, without blocking. An
// error wrapping unix.ENXIO means no runsv is reading.
func SendControl(dir, cmd string) error {
	p := join(dir, ControlFIFO)
	fd, err := unix.Open(p, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return pathErr("open", p, err)
	}
	defer unix.Close(fd)
	n, err := unix.Write(fd, []byte(cmd))
	if err != nil {
		return pathErr("write", p, err)
	}
	if n != len(cmd) {
		return pathErr("write", p, io.ErrShortWrite)
	}
	return nil
}
