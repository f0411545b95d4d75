// Package chpst is gorunit's chpst: run a program with a changed process
// state, as runit 2.1.2's chpst (Debian 2.1.2-54).
//
//	chpst [-vVP012] [-u user[:group]] [-U user[:group]] [-b argv0] [-e dir]
//	      [-/ root] [-n nice] [-l|-L lock] [-m n] [-d n] [-o n] [-p n]
//	      [-f n] [-c n] [-t n] [-r n] prog [arg ...]
//
// Options stop at the program name. They are applied in runit's order,
// whatever their order on the command line: -P setsid, -e envdir, -/
// chroot, -n nice, -U UID/GID in the environment, -u setgroups, setgid,
// setuid, -l/-L lock, -0 -1 -2 close stdin/out/err, limits, exec.
//
// Under another name (basename of argv[0], a leading "d" stripped first,
// so "dsetlock" is setlock) chpst is one of daemontools' tools:
//
//	setuidgid account child     envuidgid account child
//	envdir dir child            pgrphack child
//	softlimit [-acdflmoprst n] child
//	setlock [-nNxX] file program [arg ...]
//
// setlock waits for the lock only with -n (-N, the default, fails at
// once): the reverse of daemontools, kept from runit. -x exits 0 silently
// when the lock cannot be had or the program not run.
//
// Exit codes: 100 usage, 111 fatal, else the program's own. User and group
// names are looked up in /etc/passwd and /etc/group only (package uidgid).
package chpst

import (
	"runtime"

	"github.com/gorunit/gorunit/internal/cli"
)

// Exit codes (runit's chpst.c).
const (
	ExitUsage = 100
	ExitFatal = 111
)

// The usage strings, verbatim from Debian's binary (USAGE_* in chpst.c;
// Debian's main usage adds V and [-t n]).
const (
	usageMain      = " [-vVP012] [-u user[:group]] [-U user[:group]] [-b argv0] [-e dir] [-/ root] [-n nice] [-l|-L lock] [-m n] [-d n] [-o n] [-p n] [-f n] [-c n] [-t n] prog"
	usageSetuidgid = " account child"
	usageEnvuidgid = " account child"
	usageEnvdir    = " dir child"
	usagePgrphack  = " child"
	usageSetlock   = " [ -nNxX ] file program [ arg ... ]"
	usageSoftlimit = " [-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] [-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child"
)

const (
	fatal   = "chpst: fatal: "
	warning = "chpst: warning: "
)

// Progname is the name chpst goes by for argv0: its basename with one
// leading "d" removed, as chpst.c's main does.
func Progname(argv0 string) string {
	p := cli.Basename(argv0)
	if len(p) > 0 && p[0] == 'd' {
		p = p[1:]
	}
	return p
}

// Main runs chpst, or the tool its name says. On success it does not
// return: the process becomes the program.
func Main(env cli.Env) int {
	// nice applies to the calling thread on Linux, and the exec must
	// come from that same thread.
	runtime.LockOSThread()
	p, code, ok := Parse(env)
	if !ok {
		return code
	}
	return p.Run(env)
}
