// Package envdir reads an environment directory as runit's chpst -e and
// envdir do (edir in chpst.c).
//
// Each entry whose name does not start with "." is a variable named after
// the file. Its value is the file's content up to the first newline, with
// trailing spaces and tabs removed and NUL bytes turned into newlines. An
// empty file removes the variable. Entries come in directory order
// (getdents), which decides the order of the resulting environment.
//
// A subdirectory cannot be read (EISDIR); whether that is fatal is the
// caller's choice (chpst -e skips it, envdir dies), so Read reports it
// through the skip callback when one is given.
package envdir

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/gorunit/gorunit/internal/cname"
	"golang.org/x/sys/unix"
)

// Entry is one variable: Unset means the file was empty.
type Entry struct {
	Name  string
	Value string
	Unset bool
}

// Decode turns a file's content into a value: up to the first newline,
// trailing blanks cut, NULs made newlines. unset reports an empty file
// (a file holding just "\n" sets the variable to "").
func Decode(content []byte) (value string, unset bool) {
	if len(content) == 0 {
		return "", true
	}
	if i := bytes.IndexByte(content, '\n'); i >= 0 {
		content = content[:i]
	}
	content = bytes.TrimRight(content, " \t")
	b := bytes.ReplaceAll(content, []byte{0}, []byte{'\n'})
	return string(b), false
}

// Op names the step of reading a directory that failed, in runit's words.
type Op string

// The steps, as chpst's messages name them ("unable to OP: ...").
const (
	OpChdir   Op = "switch to directory" // the directory cannot be entered
	OpOpen    Op = "open directory"
	OpReadDir Op = "read directory"
	OpRead    Op = "read" // an entry: Error.Name is set
)

// Error is a failed step of Read.
type Error struct {
	Op   Op
	Dir  string
	Name string // the entry, for OpRead
	Err  error
}

func (e *Error) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("unable to %s %s/%s: %v", e.Op, e.Dir, e.Name, e.Err)
	}
	return fmt.Sprintf("unable to %s: %s: %v", e.Op, e.Dir, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Read reads dir. When skip is non-nil, an entry that is a directory
// (EISDIR on read) is passed to it and left out; otherwise it is an error.
func Read(dir string, skip func(name string, err error)) ([]Entry, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		// chpst chdirs into the directory (needs search permission),
		// then opens "." (needs read permission): name the step that
		// would have failed.
		op := OpChdir
		if errors.Is(err, unix.EACCES) && unix.Access(dir, unix.X_OK) == nil {
			op = OpOpen
		}
		return nil, &Error{Op: op, Dir: dir, Err: err}
	}
	defer unix.Close(fd)
	if err := unix.Access(dir, unix.X_OK); err != nil && errors.Is(err, unix.EACCES) {
		return nil, &Error{Op: OpChdir, Dir: dir, Err: err}
	}
	var out []Entry
	buf := make([]byte, 8192)
	for {
		n, err := unix.ReadDirent(fd, buf)
		if err != nil {
			return nil, &Error{Op: OpReadDir, Dir: dir, Err: err}
		}
		if n <= 0 {
			break
		}
		var names []string
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
		for _, name := range names {
			if name[0] == '.' {
				continue
			}
			content, err := cname.ReadFile(fd, cname.Make(name))
			if err != nil {
				if skip != nil && errors.Is(err, unix.EISDIR) {
					skip(name, err)
					continue
				}
				return nil, &Error{Op: OpRead, Dir: dir, Name: name, Err: err}
			}
			v, unset := Decode(content)
			out = append(out, Entry{Name: name, Value: v, Unset: unset})
		}
	}
	return out, nil
}
