package cli

import (
	"maps"
	"path"
	"slices"
	"strings"
	"syscall"
)

// Exit codes of the multi-call dispatcher itself (s6's scheme).
const (
	ExitUnknownApplet = 100
	ExitBug           = 101
)

// Applets maps a tool name to its Main.
type Applets map[string]Main

// Resolve finds the applet that argv0 names. It looks at basename(argv0);
// when that is not an applet and argv0 is a symlink, it follows the chain
// one link at a time (gobusybox's ResolveUntilLastSymlink), so that
// /etc/init.d/foo -> /usr/bin/sv -> gorunit runs sv. A bare name is looked
// up on PATH first. The original argv0 is left for the applet to see, so
// sv still enters LSB mode for "foo".
func (a Applets) Resolve(argv0, pathList string) (string, bool) {
	name := Basename(argv0)
	if _, ok := a[name]; ok {
		return name, true
	}
	p := argv0
	if !strings.Contains(p, "/") {
		p = lookPath(p, pathList)
		if p == "" {
			return name, false
		}
	}
	for range 40 { // the kernel's own limit on a symlink chain
		target, err := readlink(p)
		if err != nil {
			return name, false
		}
		if !strings.HasPrefix(target, "/") {
			target = path.Join(path.Dir(p), target)
		}
		if n := Basename(target); a[n] != nil {
			return n, true
		}
		p = target
	}
	return name, false
}

func lookPath(name, pathList string) string {
	if pathList == "" {
		return ""
	}
	for _, dir := range strings.Split(pathList, ":") {
		if dir == "" {
			dir = "."
		}
		p := path.Join(dir, name)
		var st syscall.Stat_t
		if syscall.Lstat(p, &st) == nil && st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
			return p
		}
	}
	return ""
}

// readlink is os.Readlink: the whole target, however long.
func readlink(p string) (string, error) {
	for size := 256; ; size *= 2 {
		b := make([]byte, size)
		n, err := syscall.Readlink(p, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return "", err
		}
		if n < size {
			return string(b[:n]), nil
		}
	}
}

// Dispatch runs the applet named by env.Args[0]. When that is the box
// itself (self, e.g. "gorunit"), the applet is env.Args[1] and the
// arguments shift by one: "gorunit sv status x" is "sv status x".
func (a Applets) Dispatch(self string, env Env) int {
	if len(env.Args) == 0 {
		Say(env.Stderr, self, ": fatal: no program name")
		return ExitUnknownApplet
	}
	name, ok := a.Resolve(env.Args[0], env.Getenv("PATH"))
	if !ok && name == self {
		if len(env.Args) < 2 {
			Say(env.Stderr, "usage: ", self, " applet [args ...]")
			Say(env.Stderr, "applets: ", strings.Join(a.Names(), " "))
			return ExitUnknownApplet
		}
		env.Args = env.Args[1:]
		name, ok = Basename(env.Args[0]), a[Basename(env.Args[0])] != nil
	}
	if !ok {
		Say(env.Stderr, self, ": fatal: unknown applet: ", name)
		return ExitUnknownApplet
	}
	return a[name](env)
}

// Names lists the applets, sorted.
func (a Applets) Names() []string {
	return slices.Sorted(maps.Keys(a))
}
