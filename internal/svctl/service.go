package svctl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/supervise"
	"golang.org/x/sys/unix"
)

// side is one supervised process of a service: the service itself (dir is
// the service directory) or its log (dir is DIR/log). Each has its own
// supervise/ directory, which may be a symlink.
type side struct {
	label string // "service" or "log"
	dir   string
}

func (s side) supervise() string { return filepath.Join(s.dir, supervise.Dir) }

// alive is nil while a runsv holds supervise/ok open; it wraps unix.ENXIO
// (or ENOENT, before runsv ever ran) when none does.
func (s side) alive() error { return supervise.ProbeOK(s.supervise()) }

func (s side) status() (supervise.Status, error) { return supervise.ReadStatus(s.supervise()) }

func (s side) send(cmd string) error { return supervise.SendControl(s.supervise(), cmd) }

// normallyDown is whether runsv starts this side wanting it down.
func (s side) normallyDown() bool {
	_, err := os.Stat(filepath.Join(s.dir, "down"))
	return err == nil
}

// notRunning tells apart "no runsv" (ENXIO, or no ok FIFO yet) from other
// errors of the liveness probe.
func notRunning(err error) bool {
	return errors.Is(err, unix.ENXIO) || errors.Is(err, fs.ErrNotExist)
}

// isDown is sv's test for "d": no pid and state down.
func isDown(st supervise.Status) bool { return st.PID == 0 && st.State == supervise.Down }

// describe is a short status text: "run (pid 12) 3s", "down 5s, want up".
func describe(st supervise.Status, now time.Time) string {
	s := st.State.String()
	if st.PID != 0 {
		s += " (pid " + strconv.Itoa(st.PID) + ")"
	}
	s += " " + strconv.FormatInt(age(st, now), 10) + "s"
	if st.PID != 0 && st.Paused {
		s += ", paused"
	}
	if st.PID == 0 && st.Want == supervise.WantUp {
		s += ", want up"
	}
	if st.PID != 0 && st.Want == supervise.WantDown {
		s += ", want down"
	}
	if st.PID != 0 && st.Term {
		s += ", got TERM"
	}
	return s
}

// age is sv's "seconds since the status stamp", never negative.
func age(st supervise.Status, now time.Time) int64 {
	d := now.Unix() - st.Stamp.Unix()
	if d < 0 {
		return 0
	}
	return d
}

// service is NAME as the commands see it: its link in the link directory
// and the service directory the link names.
type service struct {
	name   string
	link   string // linkDir/name
	target string // the link's text, when linked
	dir    string // absolute service directory
	linked bool   // link is a symlink (dangling or not)
}

func (sv *service) main() side { return side{"service", sv.dir} }
func (sv *service) log() side  { return side{"log", filepath.Join(sv.dir, "log")} }

// hasLog is whether runsv runs a log service: DIR/log is a directory.
func (sv *service) hasLog() bool {
	fi, err := os.Stat(filepath.Join(sv.dir, "log"))
	return err == nil && fi.IsDir()
}

// sides lists what runsv supervises, the service first.
func (sv *service) sides() []side {
	if sv.hasLog() {
		return []side{sv.main(), sv.log()}
	}
	return []side{sv.main()}
}

// lookup finds NAME: its link if there is one (whose target names the
// directory), else svRoot/NAME. A link-directory entry that is not a
// symlink is an error: the commands never remove a real directory.
func (c *command) lookup() (*service, error) {
	sv := &service{name: c.name, link: filepath.Join(c.linkDir, c.name), dir: filepath.Join(c.svRoot, c.name)}
	fi, err := os.Lstat(sv.link)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Stat(c.linkDir); err != nil {
			return nil, fmt.Errorf("unable to stat link directory %s: %s", c.linkDir, cli.ErrStr(err))
		}
		return sv, nil
	case err != nil:
		return nil, fmt.Errorf("unable to stat %s: %s", sv.link, cli.ErrStr(err))
	case fi.Mode()&fs.ModeSymlink == 0:
		return nil, fmt.Errorf("%s is not a symlink: refusing to touch it (runit's link directory should hold only links to service directories)", sv.link)
	}
	sv.target, err = os.Readlink(sv.link)
	if err != nil {
		return nil, fmt.Errorf("unable to read link %s: %s", sv.link, cli.ErrStr(err))
	}
	sv.linked = true
	sv.dir = sv.target
	if !filepath.IsAbs(sv.dir) {
		sv.dir = filepath.Join(c.linkDir, sv.dir)
	}
	return sv, nil
}

// checkRunnable is what runsv needs to run DIR: a directory with an
// executable run, and, when log/ exists, an executable log/run.
func checkRunnable(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("no service directory %s: %s", dir, cli.ErrStr(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if err := checkExec(filepath.Join(dir, "run")); err != nil {
		return err
	}
	if fi, err := os.Stat(filepath.Join(dir, "log")); err == nil && fi.IsDir() {
		return checkExec(filepath.Join(dir, "log", "run"))
	}
	return nil
}

func checkExec(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("unable to stat %s: %s", p, cli.ErrStr(err))
	}
	if !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}

// otherLinks lists the other entries of the link directory that lead to
// dir: runsvdir would run one runsv for them all, and the second fails on
// supervise/lock.
func otherLinks(linkDir, name, dir string) []string {
	want, err := os.Stat(dir)
	if err != nil {
		return nil
	}
	ents, err := os.ReadDir(linkDir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if e.Name() == name || e.Name()[0] == '.' {
			continue
		}
		if fi, err := os.Stat(filepath.Join(linkDir, e.Name())); err == nil && os.SameFile(fi, want) {
			out = append(out, e.Name())
		}
	}
	return out
}
