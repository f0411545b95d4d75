package supervise

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

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
	tmp := filepath.Join(dir, name+".new")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, name))
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
	f, err := os.Open(filepath.Join(dir, StatusFile))
	if err != nil {
		return Status{}, err
	}
	defer f.Close()
	var b [StatusSize]byte
	n, err := f.Read(b[:])
	if err != nil && !errors.Is(err, io.EOF) {
		return Status{}, err
	}
	return Decode(b[:n])
}

// ProbeOK tells whether a runsv holds dir/ok open: opening the FIFO for
// writing without blocking succeeds only while a reader exists. An error
// wrapping unix.ENXIO means "runsv not running".
func ProbeOK(dir string) error {
	fd, err := unix.Open(filepath.Join(dir, OKFIFO), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: filepath.Join(dir, OKFIFO), Err: err}
	}
	unix.Close(fd)
	return nil
}

// SendControl writes cmd to dir/control in one write, without blocking. An
// error wrapping unix.ENXIO means no runsv is reading.
func SendControl(dir, cmd string) error {
	p := filepath.Join(dir, ControlFIFO)
	fd, err := unix.Open(p, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	n, err := unix.Write(fd, []byte(cmd))
	if err != nil {
		return &os.PathError{Op: "write", Path: p, Err: err}
	}
	if n != len(cmd) {
		return fmt.Errorf("write %s: short write", p)
	}
	return nil
}
