//go:build faulttest

package faulttest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/svtest"
	"golang.org/x/sys/unix"
)

// Garbage and a huge write into supervise/control: runsv reads it one
// byte at a time, ignores what is not a command, and keeps supervising.
func TestControlGarbage(t *testing.T) {
	t.Parallel()
	const name = "control-garbage"
	r := newRig(t)
	dir := filepath.Join(r.sv, "g")
	r.script(dir+"/run", "#!/bin/sh\nexec sleep 100000\n")
	p := r.start("runsv", r.sv, r.env, filepath.Join(r.box, "runsv"), "g")
	var pid int
	svtest.WaitFor(t, 30*time.Second, func() error {
		if pid = upPid(dir); pid == 0 {
			return fmt.Errorf("not running")
		}
		return nil
	})
	// 256 KiB of every byte that is not a command (runsv.c's list).
	var garbage []byte
	for b := 0; b < 256; b++ {
		if !strings.ContainsRune("udoxtkpchaiq12", rune(b)) {
			garbage = append(garbage, byte(b))
		}
	}
	huge := bytes.Repeat(garbage, 256*1024/len(garbage))
	t0 := time.Now()
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(dir+"/supervise/control", os.O_WRONLY, 0)
		if err != nil {
			done <- err
			return
		}
		_, err = f.Write(huge)
		f.Close()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			fail(t, name, "write: %v", err)
			return
		}
	case <-time.After(120 * time.Second):
		fail(t, name, "runsv did not drain %d bytes in 120s", len(huge))
		return
	}
	took := time.Since(t0)
	st, errOut, code := r.sv_("status", dir)
	raw, _ := os.ReadFile(dir + "/supervise/status")
	if p.exited() || code != 0 || !strings.HasPrefix(st, "run: ") || len(raw) != supervise.StatusSize || pidFile(dir) != pid || panicked(p.output()+errOut) {
		fail(t, name, "after garbage: runsv exited %v, sv status %q (exit %d), status %d bytes, pid %d (was %d), stderr %q",
			p.exited(), st, code, len(raw), pidFile(dir), pid, tail(p.output()))
		return
	}
	// It still obeys.
	if out, _, code := r.sv_("-w", "20", "down", dir); code != 0 {
		fail(t, name, "sv down after garbage: %q exit %d", out, code)
		return
	}
	pass(t, name, "(%d bytes of non-command garbage drained in %v; same service pid, status 20 bytes, sv down obeyed)", len(huge), took.Round(time.Millisecond))
}

// A supervise/status of the wrong size: sv says "bad format".
func TestStatusWrongSize(t *testing.T) {
	t.Parallel()
	const name = "status-wrong-size"
	r := newRig(t)
	ims := both(t)
	for _, size := range []int{0, 7, 19, 21, 4096} {
		dir := filepath.Join(r.root, fmt.Sprintf("size%d", size))
		holdOK(t, dir)
		os.WriteFile(dir+"/supervise/status", bytes.Repeat([]byte{0x40}, size), 0o644)
		got, err := sameAcross(ims, func(im impl) string {
			o, e, c := runEnv(r.root, im.env(), im.tool("sv"), "status", dir)
			return mask(outcome{o, e, c}.String(), ims, r.root)
		})
		if err != nil {
			fail(t, name, "size %d: %v", size, err)
			return
		}
		if size < 20 && !strings.Contains(got["gorunit"], "unable to read supervise/status: bad format") {
			fail(t, name, "size %d: %s", size, got["gorunit"])
			return
		}
	}
	pass(t, name, "(sizes 0,7,19: \"warning: …: unable to read supervise/status: bad format\", exit 1; 21 and 4096: the first 20 bytes are used, as runit's read(fd, buf, 20) does%s)", cmpNote(ims))
}

func cmpNote(ims []impl) string {
	if len(ims) > 1 {
		return "; identical to C runit"
	}
	return "; C runit not available for comparison"
}

// supervise as a regular file, a dangling symlink and a symlink loop.
func TestSuperviseOddTypes(t *testing.T) {
	t.Parallel()
	const name = "supervise-file/dangling/loop"
	r := newRig(t)
	ims := both(t)
	kinds := []struct {
		kind string
		make func(dir string)
	}{
		{"file", func(dir string) { os.WriteFile(dir+"/supervise", []byte("x"), 0o644) }},
		{"dangling", func(dir string) { os.Symlink("nowhere/sup", dir+"/supervise") }},
		{"dangling-dir", func(dir string) { os.Symlink("../sup-target", dir+"/supervise") }},
		{"loop", func(dir string) { os.Symlink("supervise", dir+"/supervise") }},
		{"loop2", func(dir string) { os.Symlink("b", dir+"/supervise"); os.Symlink("supervise", dir+"/b") }},
	}
	var figures []string
	for _, k := range kinds {
		got, err := sameAcross(ims, func(im impl) string {
			dir := filepath.Join(r.root, im.name, k.kind)
			r.script(dir+"/run", "#!/bin/sh\nexec sleep 100000\n")
			k.make(dir)
			res := runsvOutcome(t, r, im, dir, filepath.Join(r.root, im.name))
			o, e, c := runEnv(dir, im.env(), im.tool("sv"), "status", ".")
			return res + " | sv status: " + mask(outcome{o, e, c}.String(), ims, filepath.Join(r.root, im.name))
		})
		if err != nil {
			fail(t, name, "%s: %v", k.kind, err)
			return
		}
		if panicked(got["gorunit"]) {
			fail(t, name, "%s: panic: %s", k.kind, got["gorunit"])
			return
		}
		g := got["gorunit"]
		figures = append(figures, k.kind+": "+g[:strings.Index(g, ",")])
	}
	pass(t, name, "(%s%s)", strings.Join(figures, "; "), cmpNote(ims))
}

// ./run is a directory: runsv reports it once per second and lives on.
func TestRunIsDirectory(t *testing.T) {
	t.Parallel()
	const name = "run-is-a-directory"
	r := newRig(t)
	ims := both(t)
	got, err := sameAcross(ims, func(im impl) string {
		dir := filepath.Join(r.root, im.name, "rundir")
		os.MkdirAll(dir+"/run", 0o755)
		p := r.start(im.name+"-rundir", filepath.Dir(dir), im.env(), im.tool("runsv"), "rundir")
		var line string
		svtest.Poll(30*time.Second, func() error {
			out := p.output()
			if strings.Count(out, "unable to start ./run") < 2 {
				return fmt.Errorf("waiting")
			}
			line = strings.SplitN(out, "\n", 2)[0]
			return nil
		})
		alive := !p.exited()
		// sv status sees run (a child that is about to fail its exec) or
		// down (the 1 s throttle), in either implementation.
		o, e, c := runEnv(dir, im.env(), im.tool("sv"), "status", ".")
		st := "ok"
		if c != 0 || e != "" || !(strings.HasPrefix(o, "run: .: (pid ") || strings.HasPrefix(o, "down: .: ")) {
			st = fmt.Sprintf("exit %d, %q, %q", c, o, e)
		}
		return fmt.Sprintf("first message %q, alive %v, sv status %s", line, alive, st)
	})
	switch {
	case err != nil:
		fail(t, name, "%v", err)
	case !strings.Contains(got["gorunit"], "alive true") || !strings.Contains(got["gorunit"], "unable to start ./run"):
		fail(t, name, "%s", got["gorunit"])
	default:
		pass(t, name, "(%s%s)", got["gorunit"], cmpNote(ims))
	}
}

// The service directory vanishes under a running runsv: runsvdir notices,
// TERMs runsv, which stops the service and exits; nothing panics.
func TestServiceDirVanishes(t *testing.T) {
	t.Parallel()
	const name = "service-dir-vanishes"
	r := newRig(t)
	dir := r.addWriter("v", logConfig, "")
	keep := filepath.Join(r.sv, "keep")
	r.script(keep+"/run", "#!/bin/sh\nexec sleep 100000\n")
	r.startRunsvdir()
	r.waitRunning(dir, 30*time.Second)
	dir = svtest.RemoveLive(t, dir)
	err := svtest.Poll(60*time.Second, func() error {
		var left []int
		for _, p := range procsUnder(r.root) {
			cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", p))
			if strings.HasPrefix(cwd, dir) {
				left = append(left, p)
			}
		}
		if len(left) > 0 {
			var d []string
			for _, p := range left {
				cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
				d = append(d, fmt.Sprintf("%d %q", p, cmd))
			}
			return fmt.Errorf("still running for the removed service: %v", d)
		}
		return nil
	})
	out := r.rsd.output()
	switch {
	case err != nil:
		fail(t, name, "%v; runsvdir's output: %s", err, tail(out))
	case r.rsd.exited() || pidFile(keep) == 0 || !alive(pidFile(keep)):
		fail(t, name, "runsvdir or the other service died: %s", tail(out))
	case panicked(out):
		fail(t, name, "panic: %s", tail(out))
	default:
		msgs := strings.Count(out, "\n")
		pass(t, name, "(runsv, service and log gone after the dir was removed; runsvdir and the other service unaffected; %d lines of warnings)", msgs)
	}
}

// Names that are not UTF-8, very long, or contain a newline or spaces.
func TestOddNames(t *testing.T) {
	t.Parallel()
	const name = "odd-service-names"
	r := newRig(t)
	ims := both(t)
	names := []string{"\xff\xfe-not-utf8", strings.Repeat("L", 255), "new\nline", " lead space", "-dash", "tab\there", "%s%n"}
	for _, n := range names {
		d := filepath.Join(r.sv, n)
		if err := os.MkdirAll(d+"/log", 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(d+"/run", []byte("#!/bin/sh\nexec sleep 100000\n"), 0o755)
		os.WriteFile(d+"/log/run", []byte("#!/bin/sh\nexec svlogd .\n"), 0o755)
	}
	r.startRunsvdir()
	err := svtest.Poll(60*time.Second, func() error {
		for _, n := range names {
			d := filepath.Join(r.sv, n)
			if upPid(d) == 0 || upPid(d+"/log") == 0 {
				return fmt.Errorf("%q not up", n)
			}
		}
		return nil
	})
	if err != nil {
		fail(t, name, "%v\n%s", err, tail(r.rsd.output()))
		return
	}
	for _, n := range names {
		_, err := sameAcross(ims, func(im impl) string {
			o, e, c := runEnv(r.sv, im.env("SVDIR="+r.sv), im.tool("sv"), "status", n)
			return mask(outcome{o, e, c}.String(), ims, r.root)
		})
		if err != nil {
			fail(t, name, "sv status %q: %v", n, err)
			return
		}
	}
	if panicked(r.rsd.output()) {
		fail(t, name, "panic: %s", tail(r.rsd.output()))
		return
	}
	pass(t, name, "(%d services with non-UTF-8, 255-byte, newline, tab, space, dash and %%-names all run with their logs; sv status prints the names verbatim%s)", len(names), cmpNote(ims))
}

// svlogd with a config holding every malformed line kind, pathological
// patterns, 1 MB lines, NUL bytes and invalid UTF-8: the same files as C
// svlogd, in bounded time.
func TestSvlogdHostile(t *testing.T) {
	t.Parallel()
	const name = "svlogd-hostile-input"
	r := newRig(t)
	ims := both(t)
	longPat := strings.Repeat("*a", 4000)
	config := strings.Join([]string{
		"s", "sabc", "s-5", "s99999999999999999999999", "s0k", "n", "nx", "n-1", "N", "Nq",
		"t", "tx", "t99999999999999999999h", "p", "pPREFIX: ", "+", "-", "e", "E",
		"u", "u999.1.1.1", "uabc:xyz", "\x00", "\xff\xfe", "zunknown", "#comment", "",
		"-" + longPat, "+" + longPat + "*", "+*a*b*c", "-+++", "+*", "-x*", "+x*",
		"s65536", "n3",
	}, "\n") + "\n"
	var in bytes.Buffer
	in.WriteString("plain line\n")
	in.WriteString("x" + strings.Repeat("M", 1<<20) + "\n")
	in.WriteString("nul\x00in\x00the\x00middle\n")
	in.WriteString("\xff\xfe\xfd invalid utf-8\n")
	in.WriteString(strings.Repeat("a", 10000) + "b\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&in, "x%d %s\n", i, strings.Repeat("z", i%300))
	}
	in.WriteString("last line without newline")
	var took []string
	got, err := sameAcross(ims, func(im impl) string {
		dir := filepath.Join(r.root, im.name, "log")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(dir+"/config", []byte(config), 0o644)
		inPath := filepath.Join(r.root, im.name, "in")
		os.WriteFile(inPath, in.Bytes(), 0o644)
		f, _ := os.Open(inPath)
		defer f.Close()
		t0 := time.Now()
		p := r.startStdin(im.name+"-svlogd", dir, im.env(), f, im.tool("svlogd"), "-l", "2000", "-b", "4096", ".")
		code, err := p.wait(120 * time.Second)
		took = append(took, fmt.Sprintf("%s %v", im.name, time.Since(t0).Round(time.Millisecond)))
		if err != nil {
			return err.Error()
		}
		// Compare the files svlogd left: current, and the rotated ones
		// by size (their names are stamps).
		ents, _ := os.ReadDir(dir)
		var files []string
		var all []byte
		for _, e := range ents {
			if e.Name() == "config" || e.Name() == "lock" {
				continue
			}
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			n := e.Name()
			if strings.HasPrefix(n, "@") {
				n = "@" + n[len(n)-2:]
			}
			files = append(files, fmt.Sprintf("%s:%d", n, len(b)))
			all = append(all, b...)
		}
		stderr := mask(p.output(), ims, r.root)
		return fmt.Sprintf("exit %d, files %v, %d bytes (sum %x), stderr %q", code, files, len(all), sum(all), stderr)
	})
	switch {
	case err != nil:
		fail(t, name, "%v", err)
	case panicked(got["gorunit"]):
		fail(t, name, "%s", got["gorunit"])
	default:
		pass(t, name, "(config with %d malformed/odd lines incl. 8000-char patterns, 1 MB line, NULs, invalid UTF-8: %s; took %s%s)",
			strings.Count(config, "\n"), got["gorunit"][:strings.Index(got["gorunit"], ", stderr")], strings.Join(took, ", "), cmpNote(ims))
	}
}

func sum(b []byte) uint32 {
	var h uint32 = 2166136261
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

// envdir with binary files, NULs, an empty file, a subdirectory, a dot
// file and a 1 MB file: chpst -e and envdir give the same environment as
// C runit's (and envdir's subdirectory error).
func TestEnvdirHostile(t *testing.T) {
	t.Parallel()
	const name = "envdir-hostile"
	r := newRig(t)
	ims := both(t)
	e := filepath.Join(r.root, "env")
	os.MkdirAll(e+"/SUBDIR", 0o755)
	var all []byte
	for b := 0; b < 256; b++ {
		all = append(all, byte(b))
	}
	os.WriteFile(e+"/BINARY", all, 0o644)
	os.WriteFile(e+"/NULS", []byte("a\x00b\x00c  \t\nsecond line"), 0o644)
	os.WriteFile(e+"/EMPTY", nil, 0o644)
	os.WriteFile(e+"/.DOT", []byte("hidden"), 0o644)
	os.WriteFile(e+"/BIG", bytes.Repeat([]byte("B"), 100<<10), 0o644) // under MAX_ARG_STRLEN
	os.WriteFile(e+"/UTF8\xff", []byte("bad name"), 0o644)
	os.WriteFile(e+"/A=B", []byte("equals in name"), 0o644)
	// The same without the subdirectory, which is fatal for envdir.
	e2 := filepath.Join(r.root, "env2")
	os.MkdirAll(e2, 0o755)
	ents, _ := os.ReadDir(e)
	for _, f := range ents {
		if !f.IsDir() {
			b, _ := os.ReadFile(filepath.Join(e, f.Name()))
			os.WriteFile(filepath.Join(e2, f.Name()), b, 0o644)
		}
	}
	var figs []string
	for _, argv := range [][]string{{"chpst", "-e", e}, {"envdir", e}, {"envdir", e2}} {
		got, err := sameAcross(ims, func(im impl) string {
			tool := im.tool(argv[0])
			if _, err := os.Stat(tool); err != nil {
				tool = im.tool("chpst") // C runit's envdir is chpst under that name
				link := filepath.Join(r.root, im.name+"-bin", argv[0])
				os.MkdirAll(filepath.Dir(link), 0o755)
				os.Symlink(tool, link)
				tool = link
			}
			a := append([]string{tool}, argv[1:]...)
			a = append(a, "/usr/bin/env", "-0")
			o, se, c := runEnv(r.root, []string{"EMPTY=was set", "KEEP=1"}, a...)
			return fmt.Sprintf("exit %d, stderr %q, env %x", c, mask(se, ims, r.root), sum([]byte(o))) + " " + fmt.Sprintf("%d vars", strings.Count(o, "\x00"))
		})
		if err != nil {
			fail(t, name, "%s: %v", argv[0], err)
			return
		}
		figs = append(figs, argv[0]+": "+got["gorunit"])
	}
	pass(t, name, "(%s%s)", strings.Join(figs, "; "), cmpNote(ims))
}

// chpst -u with unknown, numeric and over-long names.
func TestChpstUser(t *testing.T) {
	t.Parallel()
	const name = "chpst-u-hostile"
	r := newRig(t)
	ims := both(t)
	args := []string{"nosuchuser", "12345", "0", ":12345:12345", ":65534", ":x", "::", ":", "", strings.Repeat("a", 5000),
		"root:nosuchgroup", "nobody:" + strings.Repeat("g", 5000), "root:", "nobody\xff", "nobody\n"}
	var figs []string
	for _, a := range args {
		got, err := sameAcross(ims, func(im impl) string {
			o, e, c := runEnv(r.root, im.env(), im.tool("chpst"), "-u", a, "/usr/bin/id")
			return mask(outcome{o, e, c}.String(), ims, r.root)
		})
		if err != nil {
			fail(t, name, "-u %.40q: %v", a, err)
			return
		}
		if panicked(got["gorunit"]) {
			fail(t, name, "-u %.40q: %s", a, got["gorunit"])
			return
		}
		g := got["gorunit"]
		figs = append(figs, fmt.Sprintf("%.12q→%s", a, g[:strings.Index(g, ",")]))
	}
	pass(t, name, "(%s%s)", strings.Join(figs, " "), cmpNote(ims))
}

// Many sv processes at once on one service: runsv takes the commands
// byte by byte and ends in the state the last one asked for.
func TestControlConcurrent(t *testing.T) {
	t.Parallel()
	const name = "control-concurrent-sv"
	r := newRig(t)
	dir := filepath.Join(r.sv, "c")
	r.script(dir+"/run", "#!/bin/sh\nexec sleep 100000\n")
	p := r.start("runsv", r.sv, r.env, filepath.Join(r.box, "runsv"), "c")
	svtest.WaitFor(t, 30*time.Second, func() error {
		if upPid(dir) == 0 {
			return fmt.Errorf("not running")
		}
		return nil
	})
	const n = 40
	done := make(chan string, n)
	for i := 0; i < n; i++ {
		cmd := []string{"restart", "down", "up", "term", "once", "pause", "cont", "hup"}[i%8]
		go func() {
			_, e, _ := r.sv_("-w", "30", cmd, dir)
			done <- e
		}()
	}
	for i := 0; i < n; i++ {
		if e := <-done; panicked(e) {
			fail(t, name, "sv panicked: %s", e)
			return
		}
	}
	// The dust settles: the last word is ours. Every sv has exited, but
	// runsv reads one byte per loop, so some of their bytes may still wait
	// in the FIFO; a "sv up" now could skip its write (runit's rule: want
	// is already up) and then see an "o" or "d" still queued win. Wait
	// until runsv has read them all, as a careful script would.
	svtest.WaitFor(t, 30*time.Second, func() error {
		fd, err := unix.Open(filepath.Join(dir, "supervise/control"), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		if n, _ := unix.IoctlGetInt(fd, unix.TIOCINQ); n > 0 {
			return fmt.Errorf("%d bytes still in supervise/control", n)
		}
		return nil
	})
	out, e, code := r.sv_("-w", "30", "up", dir)
	st, _, _ := r.sv_("status", dir)
	if code != 0 || p.exited() || panicked(p.output()) || !strings.HasPrefix(st, "run: ") {
		fail(t, name, "after %d concurrent commands: sv up %q %q exit %d, status %q, runsv exited %v: %s", n, out, e, code, st, p.exited(), tail(p.output()))
		return
	}
	if _, _, code := r.sv_("-w", "30", "down", dir); code != 0 {
		fail(t, name, "sv down failed after the storm")
		return
	}
	pass(t, name, "(%d sv commands at once (restart, down, up, term, once, pause, cont, hup): runsv alive, then up and down obeyed)", n)
}

// Entries of supervise/ replaced by the wrong kind of file: runsv and sv
// react as runit's do (sv under `timeout 20`, so a hang shows as exit 124).
func TestSuperviseEntriesOdd(t *testing.T) {
	t.Parallel()
	const name = "supervise-entries-odd-types"
	r := newRig(t)
	ims := both(t)
	kinds := []struct {
		kind string
		make func(sup string)
	}{
		{"control-file", func(sup string) { os.WriteFile(sup+"/control", nil, 0o600) }},
		{"ok-file", func(sup string) { os.WriteFile(sup+"/ok", nil, 0o600) }},
		{"lock-dir", func(sup string) { os.Mkdir(sup+"/lock", 0o700) }},
		{"status-dir", func(sup string) { os.Mkdir(sup+"/status", 0o700) }},
		{"status-fifo", func(sup string) { unix.Mkfifo(sup+"/status", 0o644) }},
		{"pid-dir", func(sup string) { os.Mkdir(sup+"/pid", 0o700) }},
	}
	var figs []string
	for _, k := range kinds {
		got, err := sameAcross(ims, func(im impl) string {
			dir := filepath.Join(r.root, im.name, k.kind)
			r.script(dir+"/run", "#!/bin/sh\nexec sleep 100000\n")
			os.MkdirAll(dir+"/supervise", 0o700)
			k.make(dir + "/supervise")
			res := runsvOutcome(t, r, im, dir, filepath.Join(r.root, im.name))
			o, e, c := runEnv(dir, im.env(), "timeout", "20", im.tool("sv"), "status", ".")
			return res + " | sv status: " + mask(outcome{o, e, c}.String(), ims, filepath.Join(r.root, im.name))
		})
		if err != nil {
			fail(t, name, "%s: %v", k.kind, err)
			return
		}
		if panicked(got["gorunit"]) {
			fail(t, name, "%s: panic: %s", k.kind, got["gorunit"])
			return
		}
		g := got["gorunit"]
		figs = append(figs, k.kind+": "+g[:strings.Index(g, ",")])
	}
	pass(t, name, "(%s%s)", strings.Join(figs, "; "), cmpNote(ims))
}

// A service floods stderr (runsvdir's log pipe) with binary garbage and
// NULs: runsvdir keeps running and its argv (what ps shows) ends with the
// last bytes, as runit's does. The burst stays under the pipe's 64 KiB:
// runit makes the pipe non-blocking, so a bigger one fails in the writer
// with EAGAIN (in both implementations).
func TestReadproctitleFlood(t *testing.T) {
	t.Parallel()
	const name = "runsvdir-log-flood"
	r := newRig(t)
	ims := both(t)
	var junk bytes.Buffer
	for i := 0; i < 32<<10; i++ {
		junk.WriteByte(byte(i*7 + i>>8))
	}
	junk.WriteString("\nMARKER\x00-END\n")
	jpath := filepath.Join(r.root, "junk")
	os.WriteFile(jpath, junk.Bytes(), 0o644)
	logArg := "log: " + strings.Repeat(".", 60)
	got, err := sameAcross(ims, func(im impl) string {
		sv := filepath.Join(r.root, im.name)
		dir := filepath.Join(sv, "noisy")
		r.script(dir+"/run", "#!/bin/sh\ncat "+jpath+" >&2\nexec sleep 100000\n")
		p := r.start(im.name+"-runsvdir", sv, im.env(), im.tool("runsvdir"), "-P", sv, logArg)
		var cmdline string
		svtest.Poll(60*time.Second, func() error {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.pid()))
			cmdline = string(b)
			if !strings.Contains(cmdline, "MARKER-END") {
				return fmt.Errorf("no marker yet")
			}
			return nil
		})
		// The title is the part after "-P\x00DIR\x00".
		title := cmdline
		if i := strings.Index(title, "log: "); i >= 0 {
			title = title[i:]
		}
		return fmt.Sprintf("alive %v, title %q", !p.exited(), strings.TrimRight(title, "\x00"))
	})
	switch {
	case err != nil:
		fail(t, name, "%v", err)
	case !strings.HasPrefix(got["gorunit"], "alive true") || !strings.Contains(got["gorunit"], "MARKER-END"):
		fail(t, name, "%s", got["gorunit"])
	default:
		pass(t, name, "(32 KiB of binary stderr: runsvdir alive, ps shows %s%s)", strings.TrimPrefix(got["gorunit"], "alive true, title "), cmpNote(ims))
	}
}

// The log directory is removed while the service writes, then made
// again. runit's svlogd pauses at its next rotation for ever, reading
// nothing (and runsv's exit waits for it); gorunit's gives the directory
// up and exits 111, runsv restarts it every second while lines wait in
// the pipe, and once the directory is back every line from the first one
// it got on is there, without a gap.
func TestLogDirRemoved(t *testing.T) {
	t.Parallel()
	const name = "log-dir-removed"
	r, dir, svc, _ := setupWriter(t, "")
	logdir := dir + "/log/main"
	svtest.RemoveLive(t, logdir)
	if os.Getenv("FAULTTEST_IMPL") == "runit" {
		// C svlogd pauses for ever at its next rotation.
		const paused = "svlogd: pausing: unable to rename current: main: file does not exist"
		err := svtest.Poll(60*time.Second, func() error {
			if !strings.Contains(r.rsd.output(), paused) {
				return fmt.Errorf("no %q: %s", paused, tail(r.rsd.output()))
			}
			return nil
		})
		if err != nil {
			fail(t, name, "%v", err)
			return
		}
		skip(t, name, "C runit's svlogd pauses for ever (%q), reading nothing; gorunit gives the directory up (docs/COMPATIBILITY.md)", paused)
		return
	}
	const gaveUp = "svlogd: warning: log directory removed, giving it up: main"
	const noDir = "svlogd: fatal: no functional log directories."
	err := svtest.Poll(60*time.Second, func() error {
		out := r.rsd.output()
		if !strings.Contains(out, gaveUp) || strings.Count(out, noDir) < 2 {
			return fmt.Errorf("svlogd did not give the directory up, or was not restarted: %s", tail(out))
		}
		return nil
	})
	if err == nil && (pidFile(dir) != svc || !alive(svc) || r.rsd.exited()) {
		err = fmt.Errorf("service %d -> %d, runsvdir exited %v", svc, pidFile(dir), r.rsd.exited())
	}
	if err != nil {
		fail(t, name, "%v", err)
		return
	}
	restarts := strings.Count(r.rsd.output(), noDir)
	before := sentCounts(dir)[svc]
	if err := os.Mkdir(logdir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(logdir+"/config", []byte(logConfig), 0o644)
	if err := r.growing(dir, 30*time.Second); err != nil {
		fail(t, name, "%v", err)
		return
	}
	n, err := r.drainTo(dir, logdir, true)
	if err != nil {
		fail(t, name, "%v", err)
		return
	}
	first := 1 << 62
	for k := range readLog(logdir).seen[svc] {
		first = min(first, k)
	}
	pass(t, name, "(svlogd gave the removed directory up and exited 111, %d restarts while it was missing, same service process; made again: lines %d..%d there, none lost or doubled; the writer had sent %d when it came back)",
		restarts, first, first+n-1, before)
}
