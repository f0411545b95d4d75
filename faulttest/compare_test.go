//go:build faulttest

package faulttest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/svtest"
	"golang.org/x/sys/unix"
)

// impl is one implementation of the tools: gorunit's box or C runit.
type impl struct {
	name string
	dir  string
}

// both returns gorunit and, when $RUNIT_REF is set, C runit.
func both(t *testing.T) []impl {
	im := []impl{{"gorunit", svtest.Box(t)}}
	if d := os.Getenv("RUNIT_REF"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "runsv")); err == nil {
			im = append(im, impl{"runit", d})
		}
	}
	return im
}

func (im impl) tool(name string) string { return filepath.Join(im.dir, name) }

// env is a small clean environment with im first on PATH.
func (im impl) env(extra ...string) []string {
	return append([]string{"PATH=" + im.dir + ":/usr/sbin:/usr/bin:/sbin:/bin"}, extra...)
}

var (
	pidRe  = regexp.MustCompile(`\(pid [0-9]+\)`)
	secsRe = regexp.MustCompile(`\b[0-9]+s\b`)
)

// mask replaces what differs between runs: the temp root, pids, seconds,
// and the tools' own directories.
func mask(s string, ims []impl, roots ...string) string {
	for _, r := range roots {
		s = strings.ReplaceAll(s, r, "ROOT")
	}
	for _, im := range ims {
		s = strings.ReplaceAll(s, im.dir, "TOOLS")
	}
	s = pidRe.ReplaceAllString(s, "(pid N)")
	return secsRe.ReplaceAllString(s, "Ns")
}

// outcome is what a command did, masked, for comparison.
type outcome struct {
	stdout, stderr string
	code           int
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", o.code, o.stdout, o.stderr)
}

// sameAcross runs f for each implementation and reports the first
// difference (nil when C runit is not available or all agree).
func sameAcross(ims []impl, f func(im impl) string) (map[string]string, error) {
	got := map[string]string{}
	for _, im := range ims {
		got[im.name] = f(im)
	}
	if c, ok := got["runit"]; ok && c != got["gorunit"] {
		return got, fmt.Errorf("gorunit and C runit differ:\n gorunit: %s\n runit:   %s", got["gorunit"], c)
	}
	return got, nil
}

// holdOK makes dir/supervise look like a live runsv to sv: a FIFO ok
// opened for reading by the test.
func holdOK(t *testing.T, dir string) {
	t.Helper()
	os.MkdirAll(dir+"/supervise", 0o700)
	if err := unix.Mkfifo(dir+"/supervise/ok", 0o600); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(dir+"/supervise/ok", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
}

// runsvOutcome starts runsv on dir and returns how it ended: exited (with
// its code and stderr) or alive with a working supervise/ok after a
// while, then stopped.
func runsvOutcome(t *testing.T, r *rig, im impl, dir string, roots ...string) string {
	t.Helper()
	p := r.start(im.name+"-runsv-"+filepath.Base(dir), filepath.Dir(dir), im.env(), im.tool("runsv"), filepath.Base(dir))
	var res string
	var okSince time.Time
	svtest.Poll(20*time.Second, func() error {
		if p.exited() {
			res = fmt.Sprintf("exit %d", p.cmd.ProcessState.ExitCode())
			return nil
		}
		fd, err := unix.Open(dir+"/supervise/ok", unix.O_WRONLY|unix.O_NONBLOCK, 0)
		if err != nil {
			return err
		}
		unix.Close(fd)
		// An ok that is a regular file opens before runsv has even
		// started: wait for runsv's first status write too (stat comes
		// with it), unless the case breaks that write, then give it 5 s.
		if okSince.IsZero() {
			okSince = time.Now()
		}
		if _, err := os.Stat(dir + "/supervise/stat"); err != nil && time.Since(okSince) < 5*time.Second {
			return err
		}
		res = "running"
		return nil
	})
	if res == "running" {
		p.cmd.Process.Signal(syscall.SIGTERM)
		if _, err := p.wait(10 * time.Second); err != nil {
			p.cmd.Process.Kill()
			p.wait(10 * time.Second)
		}
	}
	return res + ", stderr " + fmt.Sprintf("%q", mask(p.output(), []impl{im}, roots...))
}
