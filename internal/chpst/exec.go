package chpst

import (
	"strings"
	"syscall"
)

// envVar is one change to the environment: set to value, or removed.
type envVar struct {
	name, value string
	set         bool
}

// mergeEnv applies changes to environ as runit's pathexec does (djb's
// pathexec_env.c), order included: for each change, the first entry of
// the same name is removed by moving the last entry into its place, and a
// set variable is appended at the end.
func mergeEnv(environ []string, changes []envVar) []string {
	e := append([]string(nil), environ...)
	for _, c := range changes {
		s := c.name
		if c.set {
			s += "=" + c.value
		}
		split := strings.IndexByte(s, '=')
		if split < 0 {
			split = len(s)
		}
		for t := range e {
			if len(e[t]) > split && e[t][split] == '=' && e[t][:split] == s[:split] {
				e[t] = e[len(e)-1]
				e = e[:len(e)-1]
				break
			}
		}
		if split < len(s) {
			e = append(e, s)
		}
	}
	return e
}

// lookupEnv is djb's env_get: the first entry named name.
func lookupEnv(environ []string, name string) (string, bool) {
	for _, kv := range environ {
		if len(kv) > len(name) && kv[len(name)] == '=' && kv[:len(name)] == name {
			return kv[len(name)+1:], true
		}
	}
	return "", false
}

// execPath is djb's pathexec_run: a file with a slash is executed as is;
// otherwise each directory of path is tried in turn ("" is ".", an unset
// PATH is "/bin:/usr/bin"). ENOENT goes on quietly; EACCES, EPERM and
// EISDIR go on but are remembered; any other error stops the search.
// Note that path is the caller's own PATH, not the one an envdir may set:
// runit searches with the environment it was started with.
func execPath(file string, argv, envv []string, path string, pathSet bool) error {
	if strings.IndexByte(file, '/') >= 0 {
		return syscall.Exec(file, argv, envv)
	}
	if !pathSet {
		path = "/bin:/usr/bin"
	}
	var saved error
	for {
		split := strings.IndexByte(path, ':')
		if split < 0 {
			split = len(path)
		}
		dir := path[:split]
		if dir == "" {
			dir = "."
		}
		err := syscall.Exec(dir+"/"+file, argv, envv)
		if err != syscall.ENOENT {
			saved = err
			if err != syscall.EACCES && err != syscall.EPERM && err != syscall.EISDIR {
				return err
			}
		}
		if split == len(path) {
			if saved != nil {
				return saved
			}
			return err
		}
		path = path[split+1:]
	}
}
