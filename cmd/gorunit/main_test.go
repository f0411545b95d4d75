package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/svtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	svtest.Cleanup()
	os.Exit(code)
}

func TestEveryToolNameIsAnApplet(t *testing.T) {
	for _, n := range svtest.Tools {
		if applets[n] == nil {
			t.Errorf("svtest.Tools lists %q but the box has no such applet", n)
		}
	}
	for n := range applets {
		if !slices.Contains(svtest.Tools, n) && !(n[0] == 'd' && slices.Contains(svtest.Tools, n[1:])) {
			t.Errorf("applet %q is missing from svtest.Tools", n)
		}
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	box := filepath.Join(dir, "gorunit")
	os.WriteFile(box, nil, 0o755)
	os.Symlink("gorunit", filepath.Join(dir, "sv"))
	os.MkdirAll(filepath.Join(dir, "init.d"), 0o755)
	os.Symlink("../sv", filepath.Join(dir, "init.d", "foo"))
	os.Symlink(filepath.Join(dir, "init.d", "foo"), filepath.Join(dir, "bar"))
	os.Symlink("gorunit", filepath.Join(dir, "other"))
	for _, tc := range []struct {
		argv0, want string
		ok          bool
	}{
		{"runsv", "runsv", true},
		{"/usr/bin/svlogd", "svlogd", true},
		{filepath.Join(dir, "init.d", "foo"), "sv", true},
		{filepath.Join(dir, "bar"), "sv", true},
		{"foo", "foo", false}, // not on PATH
		{filepath.Join(dir, "other"), "other", false},
	} {
		got, ok := applets.Resolve(tc.argv0, "")
		if got != tc.want || ok != tc.ok {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %v", tc.argv0, got, ok, tc.want, tc.ok)
		}
	}
	// A bare name is looked up on PATH.
	if got, ok := applets.Resolve("foo", filepath.Join(dir, "init.d")); got != "sv" || !ok {
		t.Errorf("Resolve(foo on PATH) = %q, %v; want sv, true", got, ok)
	}
}

// run executes the real built box under argv0 and returns stdout, stderr
// and the exit code.
func run(t *testing.T, path string, argv0 string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Args[0] = argv0
	cmd.Env = append(os.Environ(), "SVDIR="+t.TempDir())
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestBinaryDispatch(t *testing.T) {
	box := svtest.Box(t)
	dir := t.TempDir()
	initd := filepath.Join(dir, "init.d")
	os.MkdirAll(initd, 0o755)
	os.Symlink(filepath.Join(box, "sv"), filepath.Join(initd, "foo"))

	t.Run("unknown applet", func(t *testing.T) {
		other := filepath.Join(dir, "frobnicate")
		os.Symlink(filepath.Join(box, "gorunit"), other)
		_, stderr, code := run(t, other, other)
		if code != 100 || stderr != "gorunit: fatal: unknown applet: frobnicate\n" {
			t.Errorf("got exit %d, stderr %q", code, stderr)
		}
		_, stderr, code = run(t, filepath.Join(box, "gorunit"), "gorunit", "frobnicate")
		if code != 100 || stderr != "gorunit: fatal: unknown applet: frobnicate\n" {
			t.Errorf("gorunit frobnicate: exit %d, stderr %q", code, stderr)
		}
	})
	// /etc/init.d/foo -> .../sv -> gorunit: sv runs in LSB init-script mode
	// for foo, exactly as Debian's sv does (usage exit 2).
	t.Run("init.d symlink chain", func(t *testing.T) {
		foo := filepath.Join(initd, "foo")
		_, stderr, code := run(t, foo, foo)
		if code != 2 || stderr != "usage: foo [-w sec] command\n\n" {
			t.Errorf("got exit %d, stderr %q", code, stderr)
		}
		stdout, _, code := run(t, foo, foo, "status")
		if code != 1 || stdout != "fail: foo: unable to change to service directory: file does not exist\n" {
			t.Errorf("status: got exit %d, stdout %q", code, stdout)
		}
	})
	// runit's chpst strips one leading "d" from its name: dsetlock linked
	// straight to the box acts as setlock, as it does linked to C chpst.
	t.Run("d-prefixed chpst name", func(t *testing.T) {
		ref := svtest.RunitRef(t)
		for _, n := range []string{"dsetlock", "denvdir", "dsoftlimit"} {
			ours, theirs := filepath.Join(dir, n), filepath.Join(t.TempDir(), n)
			os.Symlink(filepath.Join(box, "gorunit"), ours)
			cchpst, err := filepath.EvalSymlinks(filepath.Join(ref, "chpst"))
			if err != nil {
				t.Fatal(err)
			}
			os.Symlink(cchpst, theirs)
			_, e1, c1 := run(t, ours, ours)
			_, e2, c2 := run(t, theirs, theirs)
			if strings.Contains(e1, "unknown applet") || e1 != e2 || c1 != c2 {
				t.Errorf("%s: gorunit (%d %q) != C chpst (%d %q)", n, c1, e1, c2, e2)
			}
		}
	})
	t.Run("no applet", func(t *testing.T) {
		_, stderr, code := run(t, filepath.Join(box, "gorunit"), "gorunit")
		if code != 100 || !strings.HasPrefix(stderr, "usage: gorunit applet") {
			t.Errorf("got exit %d, stderr %q", code, stderr)
		}
	})
	// Each tool is reached under its own name, through "gorunit NAME", and
	// the init.d chain reaches sv. The tools' own tests check what they do;
	// here it is enough that the right one answered, which a call without
	// arguments (a usage message, for every tool) shows without side effects.
	t.Run("tools", func(t *testing.T) {
		for _, n := range svtest.Tools {
			_, e1, c1 := run(t, filepath.Join(box, n), n)
			_, e2, c2 := run(t, filepath.Join(box, "gorunit"), "gorunit", n)
			if strings.Contains(e1, "unknown applet") || e1 != e2 || c1 != c2 {
				t.Errorf("%s: direct (%d %q) != via gorunit (%d %q)", n, c1, e1, c2, e2)
			}
		}
	})
}
