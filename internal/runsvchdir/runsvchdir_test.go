package runsvchdir

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/svtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	svtest.Cleanup()
	os.Exit(code)
}

// tree is a fake /etc for one run: what setup leaves in runit/runsvdir.
type setup func(t *testing.T, svdir string)

func links(t *testing.T, svdir string, pairs ...string) {
	for i := 0; i < len(pairs); i += 2 {
		if err := os.Symlink(pairs[i+1], filepath.Join(svdir, pairs[i])); err != nil {
			t.Fatal(err)
		}
	}
}

func standard(t *testing.T, svdir string) {
	for _, d := range []string{"default", "single", "solo"} {
		os.MkdirAll(filepath.Join(svdir, d), 0o755)
	}
	os.WriteFile(filepath.Join(svdir, "file"), nil, 0o644)
	links(t, svdir, "current", "default")
}

// state lists what is in svdir: names, and where the links point.
func state(t *testing.T, svdir string) string {
	ents, err := os.ReadDir(svdir)
	if err != nil {
		return "unreadable"
	}
	var out []string
	for _, e := range ents {
		s := e.Name()
		if target, err := os.Readlink(filepath.Join(svdir, e.Name())); err == nil {
			s += " -> " + target
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

type outcome struct {
	Stdout, Stderr string
	Code           int
	State          string
}

var cases = []struct {
	name  string
	setup setup
	args  []string
}{
	{"switch", standard, []string{"single"}},
	{"already current", standard, []string{"default"}},
	{"switch twice keeps one previous", func(t *testing.T, d string) {
		standard(t, d)
		links(t, d, "previous", "solo")
	}, []string{"single"}},
	{"stale current.new", func(t *testing.T, d string) {
		standard(t, d)
		links(t, d, "current.new", "solo")
	}, []string{"single"}},
	{"missing", standard, []string{"nonexistent"}},
	{"not a directory", standard, []string{"file"}},
	{"dot", standard, []string{".hidden"}},
	{"dot dot", standard, []string{"../runsvdir/single"}},
	{"empty", standard, []string{""}},
	{"absolute", standard, []string{"/etc/runit/runsvdir/solo"}},
	{"no current", func(t *testing.T, d string) {
		os.MkdirAll(filepath.Join(d, "single"), 0o755)
	}, []string{"single"}},
	{"no runsvdir dir", nil, []string{"single"}},
	{"usage", standard, nil},
	{"extra arguments ignored", standard, []string{"single", "solo"}},
}

// TestInProcess runs Main's body against a temporary directory.
func TestInProcess(t *testing.T) {
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svdir := filepath.Join(t.TempDir(), "runsvdir")
			if tc.setup != nil {
				os.Mkdir(svdir, 0o755)
				tc.setup(t, svdir)
			}
			var out, errb bytes.Buffer
			code := run(cli.Env{Args: append([]string{"runsvchdir"}, tc.args...), Stdout: &out, Stderr: &errb}, svdir)
			os.Chdir(wd)
			if code != 0 && code != ExitFatal && code != ExitUsage {
				t.Errorf("exit %d", code)
			}
			if code == 0 && !strings.HasPrefix(out.String(), "runsvchdir: ") {
				t.Errorf("stdout %q", out.String())
			}
		})
	}
}

// TestSideBySide runs Debian's C runsvchdir and gorunit's, each in a
// mount namespace of its own where a fake /etc is bind-mounted over the
// real one, and compares output, exit codes and the resulting links.
func TestSideBySide(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ref := svtest.RunitRef(t)
	box := svtest.Box(t)
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare")
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got [2]outcome
			for i, bin := range []string{filepath.Join(ref, "runsvchdir"), filepath.Join(box, "runsvchdir")} {
				etc := filepath.Join(t.TempDir(), "etc")
				svdir := filepath.Join(etc, "runit", "runsvdir")
				os.MkdirAll(filepath.Join(etc, "runit"), 0o755)
				if tc.setup != nil {
					os.Mkdir(svdir, 0o755)
					tc.setup(t, svdir)
				}
				// argv[0] is "runsvchdir" for both: found on PATH.
				script := `mount --bind "$1" /etc || exit 99; shift; exec runsvchdir "$@"`
				cmd := exec.Command(unshare, append([]string{"-m", "/bin/sh", "-c", script, "sh", etc}, tc.args...)...)
				cmd.Env = []string{"PATH=" + filepath.Dir(bin) + ":/usr/bin:/bin"}
				var out, errb bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errb
				err := cmd.Run()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				if code == 99 || strings.HasPrefix(errb.String(), "unshare: ") {
					t.Skipf("cannot bind-mount in a mount namespace: %s", errb.String())
				}
				got[i] = outcome{out.String(), errb.String(), code, state(t, svdir)}
			}
			if diff := cmp.Diff(got[0], got[1]); diff != "" {
				t.Errorf("C (-) and gorunit (+) differ:\n%s", diff)
			}
		})
	}
}
