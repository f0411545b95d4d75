package svctl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/supervise"
	"golang.org/x/sys/unix"
)

// superviseFiles are the files runsv creates in supervise/ (runit 2.1.2
// runsv.c, runit-reference.md 3.2), with the temporaries update_status
// renames from. This is exactly the persistent state runit keeps for a
// service; reset removes these and nothing else.
var superviseFiles = []string{
	supervise.LockFile, supervise.ControlFIFO, supervise.OKFIFO,
	supervise.PIDFile, supervise.StatFile, supervise.StatusFile,
	supervise.PIDFile + ".new", supervise.StatFile + ".new", supervise.StatusFile + ".new",
}

// removeState removes the persistent state runit keeps for the service:
// supervise/ and log/supervise/ (runsv's), and the lock of every log
// directory log/run names for svlogd (svlogd's; at least log/main/lock).
// A supervise that is a symlink keeps its link: the files in its target
// are removed instead (runsv would otherwise mkdir the target again
// anyway). No runsv may be running: removeState checks each lock first,
// and refuses to touch a locked one.
func (c *command) removeState(sv *service) error {
	c.step("remove state")
	for _, dir := range []string{sv.dir, filepath.Join(sv.dir, "log")} {
		if err := c.clearSupervise(dir); err != nil {
			return err
		}
	}
	if !sv.hasLog() {
		return nil
	}
	logDir := filepath.Join(sv.dir, "log")
	dirs := []string{"main"}
	if b, err := os.ReadFile(filepath.Join(logDir, "run")); err == nil {
		dirs = append(dirs, svlogdDirs(string(b))...)
	}
	seen := map[string]bool{}
	for _, d := range dirs {
		if !filepath.IsAbs(d) {
			d = filepath.Join(logDir, d)
		}
		d = filepath.Clean(d)
		if seen[d] {
			continue
		}
		seen[d] = true
		if err := c.removeLock(filepath.Join(d, "lock"), "svlogd"); err != nil {
			return err
		}
	}
	return nil
}

// clearSupervise empties dir/supervise of runsv's files and removes the
// directory itself unless it is a symlink's target.
func (c *command) clearSupervise(dir string) error {
	p := filepath.Join(dir, supervise.Dir)
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("unable to stat %s: %s", p, cli.ErrStr(err))
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return fmt.Errorf("unable to read link %s: %s", p, cli.ErrStr(err))
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target) // runsv resolves it from the service directory
		}
		tfi, err := os.Stat(target)
		if errors.Is(err, fs.ErrNotExist) {
			c.say("%s -> %s: target does not exist, nothing to remove", p, target)
			return nil
		}
		if err != nil || !tfi.IsDir() {
			return fmt.Errorf("%s -> %s: target is not a directory", p, target)
		}
		c.say("%s is a symlink: keeping it, clearing %s", p, target)
		return c.clearFiles(target)
	case !fi.IsDir():
		// runsv cannot mkdir over it and dies; it is the stale state
		// reset is for.
		if c.dryRun {
			c.would("remove %s (not a directory)", p)
			return nil
		}
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("unable to remove %s: %s", p, cli.ErrStr(err))
		}
		c.say("removed %s (not a directory)", p)
		return nil
	}
	if err := c.clearFiles(p); err != nil {
		return err
	}
	if c.dryRun {
		c.would("remove %s", p)
		return nil
	}
	if err := os.Remove(p); err != nil {
		ents, _ := os.ReadDir(p)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		c.warn("kept %s: %s (not runit's: %s)", p, cli.ErrStr(err), strings.Join(names, " "))
		return nil
	}
	c.say("removed %s", p)
	return nil
}

// clearFiles removes runsv's files from a supervise directory, the lock
// first (after checking nobody holds it).
func (c *command) clearFiles(dir string) error {
	if err := c.removeLock(filepath.Join(dir, supervise.LockFile), "runsv"); err != nil {
		return err
	}
	var gone []string
	for _, n := range superviseFiles[1:] {
		p := filepath.Join(dir, n)
		if _, err := os.Lstat(p); err != nil {
			continue
		}
		if !c.dryRun {
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("unable to remove %s: %s", p, cli.ErrStr(err))
			}
		}
		gone = append(gone, n)
	}
	if len(gone) > 0 {
		if c.dryRun {
			c.would("remove %s/{%s}", dir, strings.Join(gone, ","))
		} else {
			c.say("removed %s/{%s}", dir, strings.Join(gone, ","))
		}
	}
	return nil
}

// removeLock removes a lock file nobody holds: a held flock means who
// (runsv or svlogd) still runs, and its state must not go.
func (c *command) removeLock(p, who string) error {
	if c.dryRun { // runsv still runs: it is only stopped for real
		if _, err := os.Lstat(p); err == nil {
			c.would("remove %s", p)
		}
		return nil
	}
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err == nil {
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		unix.Close(fd)
		if errors.Is(err, unix.EWOULDBLOCK) {
			return fmt.Errorf("%s is locked: a %s still runs for it; not removing any more state", p, who)
		}
	}
	// Not openable (a FIFO, a symlink) or no flock support: it is still
	// stale state in runit's place.
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("unable to remove %s: %s", p, cli.ErrStr(err))
	}
	c.say("removed %s", p)
	return nil
}

// svlogdDirs finds the log directories a log/run script passes to svlogd,
// for the simple scripts people write: `exec svlogd -tt ./main`, `exec
// chpst -ulog svlogd -tt /var/log/x`. Arguments with shell expansions or
// quotes are skipped (they cannot be known without running the shell);
// everything after a shell operator is ignored.
func svlogdDirs(script string) []string {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var dirs []string
	for _, line := range strings.Split(script, "\n") {
		words := strings.Fields(line)
		i := 0
		for i < len(words) && !strings.HasPrefix(words[i], "#") && cli.Basename(words[i]) != "svlogd" {
			i++
		}
		if i == len(words) || strings.HasPrefix(words[i], "#") {
			continue
		}
		for i++; i < len(words); i++ {
			w := words[i]
			if strings.HasPrefix(w, "#") || strings.ContainsAny(w, ";&|<>()") {
				break
			}
			switch {
			case w == "--":
			case w == "-r" || w == "-R" || w == "-l" || w == "-b":
				i++ // the option's argument
			case strings.HasPrefix(w, "-"):
			case strings.ContainsAny(w, "$`'\"*?[~\\"):
			default:
				dirs = append(dirs, w)
			}
		}
	}
	return dirs
}
