package chpst

import (
	"errors"
	"runtime/debug"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/envdir"
	"github.com/gorunit/gorunit/internal/uidgid"
)

// rlimits maps the limit indexes to resources, in application order.
var rlimits = [numLimits]int{
	limData:    unix.RLIMIT_DATA,
	limStack:   unix.RLIMIT_STACK,
	limMemlock: unix.RLIMIT_MEMLOCK,
	limAS:      unix.RLIMIT_AS,
	limNofile:  unix.RLIMIT_NOFILE,
	limNproc:   unix.RLIMIT_NPROC,
	limFsize:   unix.RLIMIT_FSIZE,
	limCore:    unix.RLIMIT_CORE,
	limRSS:     unix.RLIMIT_RSS,
	limCPU:     unix.RLIMIT_CPU,
}

// Run applies the plan in runit's order and executes the program. It
// returns only on failure, with the exit code.
func (p Plan) Run(env cli.Env) int {
	f := p.run(env)
	if f == nil {
		return 0 // not reached: run execs or fails
	}
	if p.LockQuiet && f.quiet {
		return 0 // setlock -x
	}
	if f.err == nil {
		cli.Say(env.Stderr, fatal, f.msg)
	} else {
		cli.SaySys(env.Stderr, f.err, fatal, f.msg, ": ")
	}
	return ExitFatal
}

// runError is a fatal error in runit's words: "unable to VERB OBJ", and
// the cause whose runit text follows, if any.
type runError struct {
	msg   string
	err   error
	quiet bool // setlock -x turns this one into a silent exit 0
}

func fail(err error, pieces ...string) *runError {
	m := ""
	for _, p := range pieces {
		m += p
	}
	return &runError{msg: m, err: err}
}

func (p Plan) run(env cli.Env) *runError {
	var plus []envVar
	if p.Setsid {
		unix.Setsid() // fails for a group leader; chpst.c ignores it too
	}
	if p.EnvDir != nil {
		vars, e := p.readEnvDir(env, *p.EnvDir)
		if e != nil {
			return e
		}
		plus = append(plus, vars...)
	}
	if p.Root != nil {
		if err := unix.Chdir(*p.Root); err != nil {
			return fail(err, "unable to change directory: ", *p.Root)
		}
		if err := unix.Chroot("."); err != nil {
			return fail(err, "unable to change root directory")
		}
	}
	if p.Nice != 0 {
		if err := nice(p.Nice); err != nil {
			return fail(err, "unable to set nice level")
		}
	}
	if p.EnvUser != nil {
		ids, e := p.ids(*p.EnvUser, p.EnvUserExt)
		if e != nil {
			return e
		}
		plus = append(plus,
			envVar{"GID", strconv.FormatUint(uint64(ids.GIDs[0]), 10), true},
			envVar{"UID", strconv.FormatUint(uint64(ids.UID), 10), true})
	}
	if p.SetUser != nil {
		ids, e := p.ids(*p.SetUser, p.SetUserExt)
		if e != nil {
			return e
		}
		gids := make([]int, len(ids.GIDs))
		for i, g := range ids.GIDs {
			gids[i] = int(g)
		}
		// The syscall package applies these to every thread.
		if err := syscall.Setgroups(gids); err != nil {
			return fail(err, "unable to setgroups")
		}
		if err := syscall.Setgid(gids[0]); err != nil {
			return fail(err, "unable to setgid")
		}
		if err := syscall.Setuid(int(ids.UID)); err != nil {
			return fail(err, "unable to setuid")
		}
	}
	if p.Lock != nil {
		if e := lock(*p.Lock, p.LockWait); e != nil {
			return e
		}
	}
	for fd, name := range []string{"stdin", "stdout", "stderr"} {
		if p.Close[fd] {
			if err := unix.Close(fd); err != nil {
				return fail(err, "unable to close ", name)
			}
		}
	}
	// The environment is built before the limits are set, and no
	// collection may start after: a low address-space or data limit
	// must hit the program, not this process.
	envv := mergeEnv(env.Environ(), plus)
	path, pathSet := lookupEnv(env.Environ(), "PATH")
	debug.SetGCPercent(-1)
	for i, l := range p.Limits {
		if l < limHard {
			continue
		}
		if e := limit(rlimits[i], l); e != nil {
			return e
		}
	}
	err := execPath(p.File, p.Argv, envv, path, pathSet)
	return &runError{msg: "unable to run: " + p.Argv[0], err: err, quiet: true}
}

func (p Plan) readEnvDir(env cli.Env, dir string) ([]envVar, *runError) {
	// chpst.c opens "." first to come back after reading the directory.
	if fd, err := unix.Open(".", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err != nil {
		return nil, fail(err, "unable to open current working directory")
	} else {
		unix.Close(fd)
	}
	var skip func(string, error)
	if !p.EnvDirStrict {
		skip = func(name string, err error) {
			if p.Verbose {
				cli.SaySys(env.Stderr, err, warning, "unable to read ", dir, "/", name, ": ")
			}
		}
	}
	entries, err := envdir.Read(dir, skip)
	if err != nil {
		var de *envdir.Error
		if errors.As(err, &de) {
			if de.Op == envdir.OpRead {
				return nil, fail(de.Err, "unable to read ", dir, "/", de.Name)
			}
			return nil, fail(de.Err, "unable to ", string(de.Op), ": ", dir)
		}
		return nil, fail(err, "unable to read directory: ", dir)
	}
	vars := make([]envVar, len(entries))
	for i, e := range entries {
		vars[i] = envVar{e.Name, e.Value, !e.Unset}
	}
	return vars, nil
}

// ids resolves an account argument with runit's messages.
func (p Plan) ids(spec string, ext bool) (uidgid.IDs, *runError) {
	var db uidgid.DB
	if !ext {
		ids, err := db.Account(spec)
		switch {
		case err == nil:
			return ids, nil
		case errors.Is(err, uidgid.ErrUnknown):
			return ids, &runError{msg: "unknown account: " + spec}
		default:
			return ids, fail(err, "unable to get password file entry")
		}
	}
	ids, err := db.UserGroups(spec)
	switch {
	case err == nil:
		return ids, nil
	case len(spec) > 0 && spec[0] == ':':
		return ids, &runError{msg: "invalid uid/gids: " + spec[1:]}
	case errors.Is(err, uidgid.ErrUnknown):
		return ids, &runError{msg: "unknown user/group: " + spec}
	default:
		return ids, fail(err, "unable to get password/group file entry")
	}
}

// nice is glibc's nice(3) for the calling thread: the kernel clamps the
// result to -20..19; EACCES reads as EPERM.
func nice(inc int64) error {
	r, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err != nil {
		return err
	}
	cur := int32(20 - r) // the raw syscall returns 20 - nice
	err = unix.Setpriority(unix.PRIO_PROCESS, 0, int(cur+int32(inc)))
	if errors.Is(err, unix.EACCES) {
		err = unix.EPERM
	}
	return err
}

// lock opens the lock file as runit's open_append does (kept open, and
// not close-on-exec: the program inherits the lock) and flocks it.
func lock(file string, wait bool) *runError {
	fd, err := unix.Open(file, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_APPEND|unix.O_CREAT, 0o600)
	if err != nil {
		return &runError{msg: "unable to open lock: " + file, err: err, quiet: true}
	}
	how := unix.LOCK_EX
	if !wait {
		how |= unix.LOCK_NB
	}
	for {
		err = unix.Flock(fd, how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return &runError{msg: "unable to lock: " + file, err: err, quiet: true}
	}
	return nil
}

// limit sets a soft limit; -1, or a value above the hard limit, means the
// hard limit.
func limit(resource int, l int64) *runError {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(resource, &r); err != nil {
		return fail(err, "unable to getrlimit()")
	}
	if l < 0 || uint64(l) > r.Max {
		r.Cur = r.Max
	} else {
		r.Cur = uint64(l)
	}
	// syscall.Setrlimit, so that a NOFILE set here is not undone by the
	// runtime's restoring of the limit it raised at start.
	if err := syscall.Setrlimit(resource, &r); err != nil {
		return fail(err, "unable to setrlimit()")
	}
	return nil
}
