package sv

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A static case runs sv once against fake services (supervise/ written by
// the test, see world.fake), so every output shape is deterministic but
// for the seconds, which are masked. Each case is checked against its
// golden files and, when RUNIT_REF is set, against Debian's C sv on an
// identical world.
type staticCase struct {
	name  string
	setup func(w *world)
	inv   invocation
}

func running(pid uint32) rec { return rec{pid: pid, state: 1} }

// svc makes svdir/NAME a fake service with status r, runsv "running".
func svc(name string, r rec) func(w *world) {
	return func(w *world) { w.fake("svdir/"+name, r.bytes(), true) }
}

func both(fs ...func(w *world)) func(w *world) {
	return func(w *world) {
		for _, f := range fs {
			f(w)
		}
	}
}

func args(a ...string) invocation { return invocation{args: a} }

func lsb(name string, a ...string) invocation { return invocation{argv0: name, args: a} }

func withEnv(inv invocation, kv ...string) invocation {
	inv.env = append(inv.env, kv...)
	return inv
}

func nothing(*world) {}

var staticCases = []staticCase{
	// Usage and options.
	{"usage-no-args", nothing, args()},
	{"usage-no-service", svc("x", running(42)), args("status")},
	{"usage-unknown-command", svc("x", running(42)), args("bogus", "x")},
	{"usage-other-r-word", svc("x", running(42)), args("reboot", "x")},
	{"usage-other-f-word", svc("x", running(42)), args("force", "x")},
	{"usage-empty-command", svc("x", running(42)), args("", "x")},
	{"usage-dash-command", svc("x", running(42)), args("-", "x")},
	{"usage-illegal-option", svc("x", running(42)), args("-z", "status", "x")},
	{"usage-option-requires-argument", nothing, args("-w")},
	{"usage-version", nothing, args("-V", "status", "x")},
	{"double-dash-ends-options", svc("x", running(42)), args("--", "status", "x")},

	// Status lines.
	{"status-run-with-log", both(svc("x", running(42)), svc("x/log", running(43))), args("status", "x")},
	{"status-any-s-word", svc("x", running(42)), args("stat", "x")},
	{"status-s-letter", svc("x", running(42)), args("s", "x")},
	{"status-flags", both(
		svc("a", rec{pid: 42, state: 1, want: 'd', paused: 1, term: 1}),
		func(w *world) { w.file("svdir/a/down", "", 0o644) },
		svc("b", rec{state: 0}),
		svc("c", rec{state: 0, want: 'd'}),
		func(w *world) { w.file("svdir/c/down", "", 0o644) },
		svc("d", rec{pid: 44, state: 2}),
		svc("e", rec{pid: 45, state: 7}),
		svc("f", rec{pid: 0x80000001, state: 1}),
		svc("g", rec{pid: 0, state: 1}),
		svc("h", rec{pid: 46, state: 1, age: 100}),
		svc("i", rec{pid: 47, state: 1, paused: 2, term: 9, want: 'x'}),
	), args("status", "a", "b", "c", "d", "e", "f", "g", "h", "i")},
	{"status-log-not-a-dir", both(svc("x", running(42)), func(w *world) { w.file("svdir/x/log", "", 0o644) }),
		args("status", "x")},
	{"status-log-no-supervise", both(svc("x", running(42)), func(w *world) { w.mkdir("svdir/x/log") }),
		args("status", "x")},
	{"status-log-not-running", both(svc("x", running(42)), func(w *world) { w.fake("svdir/x/log", running(43).bytes(), false) }),
		args("status", "x")},
	{"status-log-short-status", both(svc("x", running(42)), func(w *world) { w.fake("svdir/x/log", []byte("0123456789"), true) }),
		args("status", "x")},
	{"status-log-down-unstatable", both(svc("x", running(42)), svc("x/log", running(43)),
		func(w *world) { w.symlink("svdir/x/log/down", "down") }), args("status", "x")},
	{"status-down-unstatable", both(svc("x", running(42)), func(w *world) { w.symlink("svdir/x/down", "down") }),
		args("status", "x")},
	{"runsv-not-running", func(w *world) { w.fake("svdir/x", running(42).bytes(), false) }, args("status", "x")},
	{"no-supervise", func(w *world) { w.mkdir("svdir/x") }, args("status", "x")},
	{"status-file-missing", func(w *world) { w.fake("svdir/x", nil, true) }, args("status", "x")},
	{"status-file-empty", func(w *world) { w.fake("svdir/x", []byte{}, true) }, args("status", "x")},
	{"status-file-short", func(w *world) { w.fake("svdir/x", running(42).bytes()[:19], true) }, args("status", "x")},
	{"status-file-long", func(w *world) { w.fake("svdir/x", append(running(42).bytes(), "extra"...), true) }, args("status", "x")},
	{"status-file-is-dir", func(w *world) {
		w.fake("svdir/x", nil, true)
		w.mkdir("svdir/x/supervise/status")
	}, args("status", "x")},
	{"missing-service", nothing, args("status", "nosuch")},
	{"empty-service-name", nothing, args("status", "")},
	{"name-resolution", both(svc("x", running(42)), func(w *world) { w.fake("y", running(43).bytes(), true) }),
		args("status", "x", "./y", "y", "y/", "x/", "./svdir/../svdir/x", "svdir/x", "../nosuch")},
	{"control-relative-names", both(func(w *world) { w.fake("a", running(42).bytes(), true) },
		func(w *world) { w.fake("b", running(43).bytes(), true) }), args("hup", "./a", "./b", "./a")},
	{"many-failures-capped", nothing, args(append([]string{"status"}, strings.Fields(strings.Repeat("n ", 120))...)...)},
	{"default-svdir", nothing, withEnv(args("status", "gorunit-test-nonexistent"), "SVDIR=<unset>")},
	{"empty-svdir", svc("x", running(42)), withEnv(args("status", "x"), "SVDIR=")},

	{"status-log-no-status-file", both(svc("x", running(42)), func(w *world) { w.fake("svdir/x/log", nil, true) }),
		args("status", "x")},
	{"status-log-dangling-symlink", both(svc("x", running(42)), func(w *world) { w.symlink("svdir/x/log", "nowhere") }),
		args("status", "x")},
	{"relative-svdir", svc("x", running(42)), withEnv(args("status", "x", "svdir"), "SVDIR=svdir")},

	// sv status's fast path (statusFast) and its way back to the exact one.
	{"status-mixed", both(
		func(w *world) { w.mkdir("svdir/nosup") },
		svc("a", running(42)), svc("a/log", running(43)),
		svc("b", running(44)),
		svc("c", running(45)), func(w *world) { w.symlink("svdir/c/down", "down") },
		svc("d", rec{}), svc("d/log", running(46)),
		func(w *world) { w.fake("svdir/e", running(47).bytes()[:7], true) },
		svc("f", running(48)),
		func(w *world) { w.fake("svdir/g", running(49).bytes(), false) },
		svc("h", running(50)), func(w *world) { w.file("svdir/h/log", "", 0o644) },
	), args("status", "nosup", "a", "missing", "b", "c", "d", "e", "f", "g", "h", "a")},
	{"status-nested-name", both(svc("grp/x", running(42)), svc("grp/x/log", running(43))),
		args("status", "grp/x", "grp", "grp/nosuch")},
	{"status-symlinked-service", both(
		func(w *world) { w.fake("sv/x", running(42).bytes(), true) },
		func(w *world) { w.fake("sv/x/log", running(43).bytes(), true) },
		func(w *world) { w.symlink("svdir/x", "../sv/x") },
		func(w *world) { w.symlink("svdir/dangling", "../sv/nosuch") },
	), args("status", "x", "dangling")},
	{"svdir-not-a-dir", func(w *world) { w.file("file", "", 0o644) }, withEnv(args("status", "x"), "SVDIR=file")},

	// Control writes.
	{"up-when-want-up-writes-nothing", svc("x", running(42)), args("up", "x")},
	{"down-writes-d", svc("x", running(42)), args("down", "x")},
	{"down-when-want-down-and-term-writes-nothing", svc("x", rec{pid: 42, state: 1, want: 'd', term: 1}), args("d", "x")},
	{"down-when-want-down-no-term-writes-d", svc("x", rec{want: 'd'}), args("d", "x")},
	{"first-letter-commands", both(svc("x", running(42))), args("hup", "x")},
	{"first-letter-alarm", svc("x", running(42)), args("alarm", "x")},
	{"first-letter-interrupt", svc("x", running(42)), args("interrupt", "x")},
	{"first-letter-quit", svc("x", running(42)), args("quit", "x")},
	{"first-letter-1", svc("x", running(42)), args("1", "x")},
	{"first-letter-2", svc("x", running(42)), args("2x", "x")},
	{"first-letter-term", svc("x", running(42)), args("terminate", "x")},
	{"first-letter-kill", svc("x", running(42)), args("kill", "x")},
	{"first-letter-pause", svc("x", running(42)), args("pause", "x")},
	{"first-letter-cont", svc("x", running(42)), args("cont", "x")},
	{"first-letter-once", svc("x", running(42)), args("once", "x")},
	{"first-letter-ugly", svc("x", rec{want: 'd'}), args("ugly", "x")},
	{"exit-writes-x", svc("x", running(42)), args("exit", "x")},
	{"exit-e-word", svc("x", running(42)), args("end", "x")},
	{"exit-when-not-running-is-ok", func(w *world) { w.fake("svdir/x", running(42).bytes(), false) }, args("exit", "x")},
	{"control-not-running-fails", func(w *world) { w.fake("svdir/x", running(42).bytes(), false) }, args("hup", "x")},
	{"control-bad-status", func(w *world) { w.fake("svdir/x", []byte("short"), true) }, args("hup", "x", "x")},
	{"control-no-reader-on-control", func(w *world) {
		w.fake("svdir/x", running(42).bytes(), false)
		fd, _ := openFIFO(w.path("svdir/x/supervise/ok"))
		w.controls = append(w.controls, heldFIFO{"", fd})
	}, args("hup", "x")},

	// Waiting that ends at once.
	{"verbose-hup", svc("x", running(42)), args("-v", "hup", "x")},
	{"verbose-up-already-up", svc("x", running(42)), args("-v", "up", "x")},
	{"start-already-up", svc("x", running(42)), args("start", "x")},
	{"reload", svc("x", running(42)), args("reload", "x")},
	{"check-down-want-up-passes", svc("x", rec{}), args("check", "x")},
	{"check-no-script", svc("x", running(42)), args("check", "x")},
	{"check-not-executable-passes", both(svc("x", running(42)), func(w *world) { w.file("svdir/x/check", "exit 1\n", 0o644) }),
		args("check", "x")},
	{"check-runs-with-stdout-closed", both(svc("x", running(42)),
		func(w *world) {
			w.file("svdir/x/check", "#!/bin/sh\n[ -e /proc/self/fd/1 ] && exit 1\nexit 0\n", 0o755)
		}),
		args("check", "x")},
	{"check-runs-in-service-dir", both(svc("x", running(42)),
		func(w *world) { w.file("svdir/x/check", "#!/bin/sh\n[ -d supervise ] || exit 1\n", 0o755) }),
		args("check", "x")},
	{"check-not-running-fails", func(w *world) { w.fake("svdir/x", running(42).bytes(), false) }, args("check", "x")},
	{"verbose-status-does-not-wait", svc("x", running(42)), args("-v", "status", "x")},
	{"verbose-exit-not-running", func(w *world) { w.fake("svdir/x", running(42).bytes(), false) }, args("-v", "exit", "x")},
	{"verbose-pause-already-paused", svc("x", rec{pid: 42, state: 1, paused: 1}), args("-v", "p", "x")},
	{"verbose-cont-not-paused", svc("x", running(42)), args("-v", "c", "x")},
	{"term-down-want-down-passes", svc("x", rec{want: 'd'}), args("-v", "t", "x")},
	{"once-running-want-down-passes", svc("x", rec{pid: 42, state: 1, want: 'd'}), args("-v", "o", "x")},

	// Timeouts (-w 0 times out at the second round, 420 ms in).
	{"timeout-up", svc("x", rec{}), args("-w", "0", "up", "x")},
	{"timeout-svwait", svc("x", rec{}), withEnv(args("-v", "up", "x"), "SVWAIT=0")},
	{"timeout-svwait-empty", svc("x", rec{}), withEnv(args("-v", "up", "x"), "SVWAIT=")},
	{"timeout-w-garbage", svc("x", rec{}), args("-wxyz", "up", "x")},
	{"timeout-bundled-options", svc("x", running(42)), args("-vw0", "down", "x")},
	{"timeout-check-fails", both(svc("x", running(42)), func(w *world) { w.file("svdir/x/check", "#!/bin/sh\nexit 1\n", 0o755) }),
		args("-w0", "check", "x")},
	{"timeout-check-unstatable", both(svc("x", running(42)), func(w *world) { w.symlink("svdir/x/check", "check") }),
		args("-w0", "check", "x")},
	{"timeout-exit-runsv-stays", svc("x", running(42)), args("-w0", "-v", "exit", "x")},
	{"force-stop-kills", svc("x", running(42)), withEnv(args("force-stop", "x"), "SVWAIT=0")},
	{"force-restart-kills", svc("x", running(42)), withEnv(args("force-restart", "x"), "SVWAIT=0")},
	{"force-shutdown-kills", svc("x", running(42)), withEnv(args("Exit", "x"), "SVWAIT=0")},
	{"timeout-several", both(svc("x", rec{}), svc("y", running(43)), func(w *world) { w.fake("svdir/z", nil, true) }),
		args("-w0", "up", "x", "y", "z", "nosuch")},

	{"timeout-trailing-slash-resolved-under-svdir-when-waiting", func(w *world) { w.fake("y", rec{}.bytes(), true) },
		args("-w0", "up", "y/")},
	{"check-killed-by-signal-passes", both(svc("x", running(42)),
		func(w *world) { w.file("svdir/x/check", "#!/bin/sh\nkill -9 $$\n", 0o755) }), args("check", "x")},
	{"check-exit-code-fails", both(svc("x", running(42)),
		func(w *world) { w.file("svdir/x/check", "#!/bin/sh\nexit 3\n", 0o755) }), args("-w0", "check", "x")},

	// LSB init-script mode.
	{"lsb-version", svc("x", running(42)), lsb("x", "-V")},
	{"lsb-verbose-control", svc("x", running(42)), lsb("x", "-v", "hup")},
	{"lsb-status-running", svc("x", running(42)), lsb("x", "status")},
	{"lsb-status-down", svc("x", rec{}), lsb("x", "status")},
	{"lsb-status-unknown", func(w *world) { w.fake("svdir/x", []byte("short"), true) }, lsb("x", "status")},
	{"lsb-status-not-running", func(w *world) { w.fake("svdir/x", running(42).bytes(), false) }, lsb("x", "status")},
	{"lsb-status-missing", nothing, lsb("x", "status")},
	{"lsb-status-down-unstatable", both(svc("x", running(42)), func(w *world) { w.symlink("svdir/x/down", "down") }),
		lsb("x", "status")},
	{"lsb-log-overwrites-status-down", both(svc("x", rec{}), svc("x/log", running(43))), lsb("x", "status")},
	{"lsb-log-overwrites-status-up", both(svc("x", running(42)), svc("x/log", rec{})), lsb("x", "status")},
	{"lsb-usage", svc("x", running(42)), lsb("x")},
	{"lsb-other-s-word-is-usage", svc("x", running(42)), lsb("x", "stat")},
	{"lsb-illegal-option", svc("x", running(42)), lsb("x", "-z", "status")},
	{"lsb-extra-args-ignored", svc("x", running(42)), lsb("x", "status", "y", "z")},
	{"lsb-control", svc("x", running(42)), lsb("x", "hup")},
	{"lsb-start-already-up", svc("x", running(42)), lsb("x", "start")},
	{"lsb-timeout", svc("x", running(42)), lsb("x", "-w0", "stop")},

	// Permissions (run as nobody).
	{"unreadable-supervise", func(w *world) {
		w.fake("svdir/x", running(42).bytes(), true)
		os.Chmod(w.path("svdir/x/supervise"), 0)
	}, invocation{args: []string{"status", "x"}, nobody: true}},
	{"unsearchable-service", func(w *world) {
		w.fake("svdir/x", running(42).bytes(), true)
		os.Chmod(w.path("svdir/x"), 0o600)
	}, invocation{args: []string{"status", "x"}, nobody: true}},
	{"status-log-unsearchable", func(w *world) {
		w.fake("svdir/x", running(42).bytes(), true)
		w.fake("svdir/x/log", running(43).bytes(), true)
		os.Chmod(w.path("svdir/x/supervise/ok"), 0o666)
		os.Chmod(w.path("svdir/x/log"), 0o600)
	}, invocation{args: []string{"status", "x"}, nobody: true}},
	{"unreadable-cwd-is-fatal", func(w *world) {
		w.mkdir("cwd")
		os.Chmod(w.path("cwd"), 0o311)
	}, invocation{args: []string{"status", "x"}, nobody: true, cwd: "cwd"}},
	{"lsb-unreadable-cwd-is-fatal", func(w *world) {
		w.mkdir("cwd")
		os.Chmod(w.path("cwd"), 0o311)
	}, invocation{argv0: "x", args: []string{"status"}, nobody: true, cwd: "cwd"}},
}

func openFIFO(p string) (int, error) {
	return unixOpenRead(p)
}

func TestGolden(t *testing.T) {
	sv := gorunitSV(t)
	for _, tc := range staticCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			if tc.inv.nobody {
				openUp(t, w.root)
			}
			tc.setup(w)
			got := w.run(sv, tc.inv).masked(false)
			golden(t, tc.name, tc.inv, got)
		})
	}
}

// TestGoldenAgainstRunit runs every static case through Debian's C sv on
// an identical world and wants the same output, exit code and control
// bytes as gorunit's sv (seconds and the version line masked).
func TestGoldenAgainstRunit(t *testing.T) {
	ref := runitSV(t)
	sv := gorunitSV(t)
	for _, tc := range staticCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wc := newWorld(t)
			wg := newWorld(t)
			if tc.inv.nobody {
				openUp(t, wc.root)
				openUp(t, wg.root)
			}
			tc.setup(wc)
			tc.setup(wg)
			want := wc.run(ref, tc.inv).masked(false)
			got := wg.run(sv, tc.inv).masked(false)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("C sv vs gorunit sv (-C +gorunit):\n%s", diff)
			}
		})
	}
}
