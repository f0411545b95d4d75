//go:build faulttest

package faulttest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/svtest"
)

// openUp makes the temp root reachable for nobody (t.TempDir is 0700).
func openUp(t *testing.T, dir string) {
	for d := dir; d != "/tmp" && d != "/" && d != "."; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
}

// asNobody runs argv as uid/gid 65534 without supplementary groups.
func asNobody(env []string, dir string, argv ...string) (string, string, int) {
	a := append([]string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"}, argv...)
	return runEnv(dir, env, a...)
}

// supervise/ is 0700 and its FIFOs 0600: nobody can neither read the
// status nor control a root service, and sv says so as runit does.
func TestPermissions(t *testing.T) {
	t.Parallel()
	const name = "permissions-nonroot"
	if os.Geteuid() != 0 {
		skip(t, name, "needs root")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		skip(t, name, "no setpriv")
	}
	r := newRig(t)
	ims := both(t)
	openUp(t, r.root)
	dir := filepath.Join(r.sv, "p")
	r.script(dir+"/run", "#!/bin/sh\nexec sleep 100000\n")
	r.script(dir+"/log/run", "#!/bin/sh\nexec sleep 100000\n")
	r.startRunsvdir()
	pid, _ := r.waitRunning(dir, 30*time.Second)
	want := map[string]os.FileMode{
		"supervise": os.ModeDir | 0o700, "supervise/control": os.ModeNamedPipe | 0o600,
		"supervise/ok": os.ModeNamedPipe | 0o600, "supervise/lock": 0o600,
		"supervise/pid": 0o644, "supervise/stat": 0o644, "supervise/status": 0o644,
	}
	for _, base := range []string{dir, dir + "/log"} {
		for f, m := range want {
			fi, err := os.Lstat(filepath.Join(base, f))
			if err != nil || fi.Mode() != m {
				fail(t, name, "%s/%s: mode %v, want %v (%v)", base, f, fi.Mode(), m, err)
				return
			}
		}
	}
	var figs []string
	for _, cmd := range []string{"status", "down", "exit", "kill"} {
		got, err := sameAcross(ims, func(im impl) string {
			o, e, c := asNobody(im.env(), "/", im.tool("sv"), cmd, dir)
			return mask(outcome{o, e, c}.String(), ims, r.root)
		})
		if err != nil {
			fail(t, name, "sv %s as nobody: %v", cmd, err)
			return
		}
		if !strings.Contains(got["gorunit"], "access denied") || panicked(got["gorunit"]) {
			fail(t, name, "sv %s as nobody: %s", cmd, got["gorunit"])
			return
		}
		figs = append(figs, cmd+": "+got["gorunit"])
	}
	// Writing to the FIFO directly is refused too.
	o, e, c := asNobody(r.env, "/", "sh", "-c", "printf x > "+dir+"/supervise/control")
	if c == 0 {
		fail(t, name, "nobody wrote to supervise/control: %q %q", o, e)
		return
	}
	if p := pidFile(dir); p != pid || !alive(pid) {
		fail(t, name, "service pid %d -> %d after nobody's attempts", pid, p)
		return
	}
	pass(t, name, "(modes as runit: supervise 0700, FIFOs and lock 0600; as nobody %s%s; service untouched)", strings.Join(figs, "; "), cmpNote(ims))
}

// fdKind describes where an fd points, without the parts that differ
// between runs.
func fdKind(target string) string {
	switch {
	case strings.HasPrefix(target, "pipe:"):
		return "pipe"
	case strings.HasPrefix(target, "socket:"):
		return "socket"
	case strings.HasPrefix(target, "anon_inode:"):
		return target
	case target == "/dev/null":
		return target
	default:
		return "file"
	}
}

// procView is what a service inherits from runsv: fds, environment,
// signal dispositions, limits, session.
func procView(pid int, ims []impl, roots ...string) (fds, env, rest string) {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	var f []string
	for _, e := range ents {
		tgt, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name()))
		f = append(f, e.Name()+"="+fdKind(tgt))
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	vars := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
	sort.Strings(vars)
	st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	var keep []string
	for _, l := range strings.Split(string(st), "\n") {
		for _, k := range []string{"SigBlk", "SigIgn", "Umask", "NoNewPrivs"} {
			if strings.HasPrefix(l, k+":") {
				keep = append(keep, strings.Join(strings.Fields(l), " "))
			}
		}
	}
	lim, _ := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	for _, l := range strings.Split(string(lim), "\n") {
		if strings.HasPrefix(l, "Max open files") || strings.HasPrefix(l, "Max processes") || strings.HasPrefix(l, "Max stack") {
			keep = append(keep, strings.Join(strings.Fields(l), " "))
		}
	}
	stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	s := string(stat)
	fl := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	leader := fl[3] == fmt.Sprint(pid) // session id == pid
	pgl := fl[2] == fmt.Sprint(pid)
	keep = append(keep, fmt.Sprintf("session-leader=%v pgrp-leader=%v nice=%s", leader, pgl, fl[16]))
	return strings.Join(f, " "), mask(strings.Join(vars, " "), ims, roots...), strings.Join(keep, "; ")
}

// No fd of runsvdir, runsv or svlogd leaks into a service or its log
// service, and the service's environment, signal dispositions and limits
// are exactly what C runit gives it.
func TestServiceInheritance(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ims := both(t)
	type view struct{ fds, env, rest, logFds string }
	views := map[string]view{}
	for _, im := range ims {
		sv := filepath.Join(r.root, im.name)
		dir := filepath.Join(sv, "e")
		r.script(dir+"/run", "#!/bin/sh\nexec sleep 100000\n")
		r.script(dir+"/log/run", "#!/bin/sh\nexec sleep 100000\n")
		env := im.env("FOO=bar", "MULTI=a\nb", "EMPTY=")
		// A soft fd limit under the hard one: Go raises its own soft limit
		// at start-up, and must not pass that on.
		r.start(im.name+"-runsvdir", sv, env, "prlimit", "--nofile=1024:4096", "--", im.tool("runsvdir"), "-P", sv, "log: ..............................")
		pid, lpid := r.waitRunning(dir, 30*time.Second)
		// The pid file is written right after fork: wait for the exec.
		svtest.WaitFor(t, 30*time.Second, func() error {
			if comm(pid) != "sleep" || comm(lpid) != "sleep" {
				return fmt.Errorf("%d and %d have not exec'd sleep yet", pid, lpid)
			}
			return nil
		})
		fds, envs, rest := procView(pid, ims, sv)
		lfds, _, _ := procView(lpid, ims, r.root)
		views[im.name] = view{fds, envs, rest, lfds}
	}
	g := views["gorunit"]
	check := func(name, got, want, field string) bool {
		if want != "" && got != want {
			fail(t, name, "%s differs:\n gorunit: %s\n runit:   %s", field, got, want)
			return false
		}
		return true
	}
	c, haveC := views["runit"]
	if !haveC && (g.fds != "0=/dev/null 1=pipe 2=pipe" || g.logFds != "0=pipe 1=file 2=pipe") {
		fail(t, "no-fd-leak", "service fds %q, log service fds %q", g.fds, g.logFds)
	} else if !haveC || check("no-fd-leak", g.fds+" | "+g.logFds, c.fds+" | "+c.logFds, "fds") {
		pass(t, "no-fd-leak", "(service: %s; log service: %s%s)", g.fds, g.logFds, cmpNote(ims))
	}
	if !haveC {
		skip(t, "service-environment", "C runit not available for comparison (set RUNIT_REF)")
	}
	if check("service-environment", g.env, c.env, "environment") && check("service-environment", g.rest, c.rest, "process attributes") {
		pass(t, "service-environment", "(environ identical to C runit's: %q; %s)", g.env, g.rest)
	}
}

// svlogd's processor gets runit's fds and nothing more: 0 the rotated
// file, 1 the new .t, 2 svlogd's stderr, 4 state, 5 newstate.
func TestProcessorFds(t *testing.T) {
	t.Parallel()
	const name = "no-fd-leak-processor"
	r := newRig(t)
	ims := both(t)
	stampRe := regexp.MustCompile(`@[0-9a-f]{24}\.[a-z]`)
	inodeRe := regexp.MustCompile(`:\[[0-9]+\]`)
	got, err := sameAcross(ims, func(im impl) string {
		base := filepath.Join(r.root, im.name)
		dir := filepath.Join(base, "log")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(dir+"/config", []byte(fmt.Sprintf("s300\n!%s=fds exec %s %s/pfds\n", helperEnv, r.bin, base)), 0o644)
		var in strings.Builder
		for i := 0; i < 40; i++ {
			fmt.Fprintf(&in, "line %d of the processor test\n", i)
		}
		inPath := filepath.Join(base, "in")
		os.WriteFile(inPath, []byte(in.String()), 0o644)
		f, _ := os.Open(inPath)
		defer f.Close()
		p := r.startStdin(im.name+"-svlogd", dir, im.env(), f, im.tool("svlogd"), ".")
		if _, err := p.wait(60 * time.Second); err != nil {
			return err.Error()
		}
		b, _ := os.ReadFile(filepath.Join(base, "pfds"))
		// One line per processor run; keep the first, masked.
		s := strings.SplitN(string(b), "\n", 2)[0]
		s = strings.ReplaceAll(s, dir, "LOGDIR")
		s = strings.ReplaceAll(s, base+"-svlogd.out", "ROOT/IMPL-svlogd.out")
		s = stampRe.ReplaceAllString(s, "@STAMP")
		s = inodeRe.ReplaceAllString(s, "")
		return mask(s, ims, r.root)
	})
	switch {
	case err != nil:
		fail(t, name, "%v", err)
	case got["gorunit"] == "":
		fail(t, name, "the processor did not run")
	default:
		pass(t, name, "(%s%s)", got["gorunit"], cmpNote(ims))
	}
}
