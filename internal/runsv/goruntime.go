package runsv

import (
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A system runs a hundred runsv, so each one's memory counts. The Go
// runtime reads its settings from the environment when it starts, before
// any of runsv's code runs: with one P (GOMAXPROCS=1) it touches far fewer
// pages than with one P per CPU, and runtime.GOMAXPROCS(1) called later
// costs more than it saves (it stops the world, with threads and caches
// already made for every CPU). So when any of these is not set, runsv
// executes itself again once with the missing ones set, and takes them out
// of the environment its children get, which is runsv's own as runit's is.
//
// GOGC=10 keeps the heap goal at 400 kB instead of 4 MB: each start of
// ./run makes a little garbage (Go's copies of argv and the environment),
// and a service that fails every second would otherwise grow runsv to
// megabytes before the first collection.
//
// GODEBUG=profstackdepth=0: each thread of the runtime otherwise gets two
// 1-kB buffers for profiling stacks, which runsv never takes (about 15 kB
// of heap per runsv with its six threads).
var runtimeEnv = []string{"GOMAXPROCS=1", "GOGC=10", "GODEBUG=profstackdepth=0"}

// addedEnv names the variables runsv added to its own environment when it
// executed itself again, comma-separated.
const addedEnv = "GORUNIT_RUNSV_ADDED"

// tuneRuntime executes runsv again with runtimeEnv added, if that is
// still to be done, and returns the environment for runsv's children.
// If /proc/self/exe cannot be executed, runsv runs on as it is.
func tuneRuntime(args, environ []string) []string {
	if added, ok := lookup(environ, addedEnv); ok {
		setComm(args)
		drop := append(strings.Split(added, ","), addedEnv)
		return without(environ, drop)
	}
	var add, names []string
	for _, kv := range runtimeEnv {
		name := kv[:strings.IndexByte(kv, '=')]
		if _, ok := lookup(environ, name); !ok {
			add = append(add, kv)
			names = append(names, name)
		}
	}
	if len(add) == 0 {
		return environ
	}
	env := append(append(append([]string(nil), environ...), add...), addedEnv+"="+strings.Join(names, ","))
	unix.Exec("/proc/self/exe", args, env) // returns only on failure
	return environ
}

func lookup(environ []string, name string) (string, bool) {
	for _, kv := range environ {
		if len(kv) > len(name) && kv[len(name)] == '=' && kv[:len(name)] == name {
			return kv[len(name)+1:], true
		}
	}
	return "", false
}

func without(environ, names []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		keep := true
		for _, n := range names {
			if len(kv) > len(n) && kv[len(n)] == '=' && kv[:len(n)] == n {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// setComm gives the process back the name the kernel gave it before it
// executed /proc/self/exe, which renamed it "exe": basename(argv[0]), at
// most 15 bytes, as execve sets it. ps -C runsv, pgrep, pidof and killall
// go by this name.
func setComm(args []string) {
	if len(args) == 0 {
		return
	}
	name := args[0][strings.LastIndexByte(args[0], '/')+1:]
	if len(name) > 15 {
		name = name[:15]
	}
	// /proc/self/comm names the thread group leader, whatever thread this
	// goroutine runs on; prctl names only the calling thread. The Go
	// runtime's other threads (named after the leader when they were
	// made) are renamed too, for ps -L and top -H; threads made later
	// take the name of the thread that makes them.
	if setTaskComm("/proc/self/comm", name) {
		renameThreads(name)
		return
	}
	b := append([]byte(name), 0)
	unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&b[0])), 0, 0, 0)
}

func setTaskComm(path, name string) bool {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	_, err = unix.Write(fd, []byte(name))
	unix.Close(fd)
	return err == nil
}

// renameThreads writes name to /proc/self/task/TID/comm for each thread.
func renameThreads(name string) {
	fd, err := unix.Open("/proc/self/task", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	// Small: a bigger array here would grow the main goroutine's stack
	// into a size it never needs again, which costs every runsv pages.
	var buf [128]byte
	for {
		n, err := unix.ReadDirent(fd, buf[:])
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
			if i := bytesIndexZero(tid); i >= 0 {
				tid = tid[:i]
			}
			if len(tid) > 0 && tid[0] != '.' {
				setTaskComm("/proc/self/task/"+string(tid)+"/comm", name)
			}
			b = b[reclen:]
		}
	}
}

func bytesIndexZero(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}
