package runsvdir

import (
	"errors"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// defaultPath is what pathexec_run searches when $PATH is unset.
const defaultPath = "/bin:/usr/bin"

// searchPath is the list of paths runit's pathexec_run tries for file: file
// itself when it contains a '/', else every element of path joined with
// file, an empty element meaning the current directory.
func searchPath(file, path string) []string {
	if strings.Contains(file, "/") {
		return []string{file}
	}
	elems := strings.Split(path, ":")
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		if e == "" {
			e = "."
		}
		out = append(out, e+"/"+file)
	}
	return out
}

// lookupEnv finds key in a KEY=VALUE list as runit's env_get does: the
// first match wins.
func lookupEnv(environ []string, key string) (string, bool) {
	for _, kv := range environ {
		if len(kv) > len(key) && kv[len(key)] == '=' && kv[:len(key)] == key {
			return kv[len(key)+1:], true
		}
	}
	return "", false
}

// forkError is a failure to create the child (runit: "unable to fork for").
type forkError struct{ err error }

func (e *forkError) Error() string { return e.err.Error() }
func (e *forkError) Unwrap() error { return e.err }

// continues reports whether pathexec_run goes on to the next PATH element
// after execve failed with e (and remembers e when it is not ENOENT).
func continues(e error) bool {
	return errors.Is(e, unix.ENOENT) || errors.Is(e, unix.EACCES) ||
		errors.Is(e, unix.EPERM) || errors.Is(e, unix.EISDIR)
}

// spawn starts argv[0] searched on the daemon's PATH the way runit's
// pathexec_run does, with the daemon's environment and fds 0-2, in the
// current directory. A candidate the kernel would refuse is found with
// access(2) first, so a search does not cost a fork per PATH element; the
// child's own exec errors continue the search as pathexec_run would.
// The error is a forkError when the child could not be created, else the
// error of the exec (runit: the child's "unable to start runsv").
func (d *daemon) spawn(argv []string) (int, error) {
	var saved error
	var last error = unix.ENOENT
	for _, p := range searchPath(argv[0], d.path) {
		err := unix.Access(p, unix.X_OK)
		if err == nil {
			var pid int
			pid, err = syscall.ForkExec(p, argv, &syscall.ProcAttr{
				Env:   d.environ,
				Files: d.files,
				Sys:   &syscall.SysProcAttr{Setsid: d.newSession},
			})
			if err == nil {
				return pid, nil
			}
			if forkFailed(err) {
				return 0, &forkError{err}
			}
		}
		last = err
		if !errors.Is(err, unix.ENOENT) {
			saved = err
			if !continues(err) {
				return 0, err
			}
		}
	}
	if saved != nil {
		return 0, saved
	}
	return 0, last
}

// forkFailed tells a failure of clone(2) from one of the child's exec.
// Go's ForkExec returns both the same way; clone fails only with EAGAIN
// (pid or process limits) or ENOMEM, and an exec whose file passed
// access(2) fails with neither EAGAIN nor, but for memory, ENOMEM.
func forkFailed(err error) bool {
	return errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.ENOMEM)
}
