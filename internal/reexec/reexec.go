// Package reexec gives a long-running gorunit tool Go runtime settings
// that the runtime reads only when a process starts, such as GOMAXPROCS,
// without its children seeing them.
//
// runsv and svlogd run once per service and runsvdir must outlive its
// services, so what the runtime makes at start counts: with one P
// (GOMAXPROCS=1) it makes fewer threads and touches fewer pages than with
// one per CPU, and runtime.GOMAXPROCS(1) called later does not give them
// back. So such a tool executes itself once more (/proc/self/exe, the same
// argv) with the settings that are missing added to its environment and a
// marker naming them; the second run sees the marker and hands its
// children the environment as it was given, as runit's tools do. Without
// /proc the tool runs on untuned. docs/COMPATIBILITY.md lists what each
// tool adds.
//
// Only package syscall here: svlogd links neither package os nor package
// time (see package cli).
package reexec

import (
	"syscall"
	"unsafe"
)

// Tune executes the program again with each of add (NAME=value) whose
// NAME environ does not set, plus marker=NAMES, unless this process is
// that second run already. beforeExec, if not nil, runs just before the
// execve. Tune returns the environment for the program's children and
// whether this process is the second run (whose name the execve turned
// into "exe": see SetComm). When nothing is missing, or execve fails, it
// returns environ as it is and false.
func Tune(args, environ []string, marker string, add []string, beforeExec func()) (children []string, again bool) {
	if names, ok := Lookup(environ, marker); ok {
		return Without(environ, names+","+marker), true
	}
	env := environ[:len(environ):len(environ)]
	names := ""
	for _, kv := range add {
		name := kv[:indexByte(kv, '=')]
		if _, ok := Lookup(environ, name); ok {
			continue
		}
		env = append(env, kv)
		if names != "" {
			names += ","
		}
		names += name
	}
	if names == "" || len(args) == 0 {
		return environ, false
	}
	env = append(env, marker+"="+names)
	if beforeExec != nil {
		beforeExec()
	}
	syscall.Exec("/proc/self/exe", args, env) // returns only on failure
	return environ, false
}

// Lookup finds name in a NAME=value list, as runit's env_get does: a
// variable set to "" is set.
func Lookup(environ []string, name string) (string, bool) {
	for _, kv := range environ {
		if len(kv) > len(name) && kv[len(name)] == '=' && kv[:len(name)] == name {
			return kv[len(name)+1:], true
		}
	}
	return "", false
}

// Without is environ less the variables named in names, a comma-separated
// list; the rest keep their order, duplicates included.
func Without(environ []string, names string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		if !named(kv, names) {
			out = append(out, kv)
		}
	}
	return out
}

// named reports whether kv is NAME=value for one of names.
func named(kv, names string) bool {
	for names != "" {
		n := names
		names = ""
		if i := indexByte(n, ','); i >= 0 {
			n, names = n[:i], n[i+1:]
		}
		if n != "" && len(kv) > len(n) && kv[len(n)] == '=' && kv[:len(n)] == n {
			return true
		}
	}
	return false
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// SetComm gives the process back the name the kernel gave it before it
// executed /proc/self/exe, which renamed it "exe": basename(argv[0]), at
// most 15 bytes, as execve sets it. ps -C, pgrep, pidof, killall and the
// init script (start-stop-daemon --name runsvdir) go by this name.
// /proc/self/comm names the thread group leader, whatever thread calls;
// the runtime's other threads, named after it when they were made, get
// the name too, for ps -L and top -H. Threads made later take the name of
// the thread that makes them.
func SetComm(args []string) {
	if len(args) == 0 {
		return
	}
	name := args[0]
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			name = name[i+1:]
			break
		}
	}
	if len(name) > 15 {
		name = name[:15]
	}
	if !writeComm("/proc/self/comm", name) {
		b := append([]byte(name), 0)
		syscall.RawSyscall(syscall.SYS_PRCTL, prSetName, uintptr(unsafe.Pointer(&b[0])), 0)
		return
	}
	fd, err := syscall.Open("/proc/self/task", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer syscall.Close(fd)
	// Small: runsv's main goroutine has an 8-kB stack (internal/runsv/
	// stack), and a frame that does not fit would grow it for good.
	var buf [128]byte
	for {
		n, err := syscall.Getdents(fd, buf[:])
		if err != nil || n <= 0 {
			return
		}
		// struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name.
		for b := buf[:n]; len(b) >= 19; {
			reclen := int(b[16]) | int(b[17])<<8
			if reclen < 19 || reclen > len(b) {
				return
			}
			tid := b[19:reclen]
			for i, c := range tid {
				if c == 0 {
					tid = tid[:i]
					break
				}
			}
			if len(tid) > 0 && tid[0] != '.' {
				writeComm("/proc/self/task/"+string(tid)+"/comm", name)
			}
			b = b[reclen:]
		}
	}
}

// prSetName is prctl's PR_SET_NAME, which package syscall does not name
// on every architecture.
const prSetName = 15

func writeComm(path, name string) bool {
	fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	_, err = syscall.Write(fd, []byte(name))
	syscall.Close(fd)
	return err == nil
}
