package logdir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorunit/gorunit/internal/tai64n"
)

// TestRemovedDirGivenUp: a log directory removed while open is given up
// at the first step that needs a name in it (runit's svlogd pauses there
// forever): a warning, the directory closed, Options.Removed set, and no
// pause. Each case removes the directory at a different point.
func TestRemovedDirGivenUp(t *testing.T) {
	line := []byte(strings.Repeat("x", 99))
	for _, tc := range []struct {
		name, config string
		// before runs before the directory is removed, act after: it
		// makes the directory need a name in it.
		before, act func(d *Dir)
	}{
		{"rotate by size", "s1000\n", nil, func(d *Dir) {
			for i := 0; i < 20 && d.IsOpen(); i++ {
				d.PutLine(nil, nil, line, true)
			}
		}},
		{"rotate on ALRM", "", nil, func(d *Dir) {
			d.PutLine(nil, nil, line, true)
			d.Rotate()
		}},
		{"processor done", "!cat\n", func(d *Dir) {
			d.PutLine(nil, nil, line, true)
			d.Rotate() // the processor runs on @….u
		}, func(d *Dir) {
			d.WaitProcessor() // renames @….t: gone
		}},
		{"close", "", nil, func(d *Dir) {
			d.PutLine(nil, nil, line, true)
			d.Close()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "main")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "config"), []byte(tc.config), 0o644); err != nil {
				t.Fatal(err)
			}
			var msgs strings.Builder
			now := tai64n.FromUnix(1_800_000_000, 0)
			opt := &Options{
				LineMax: 100,
				BufSize: 4096,
				Stderr:  &Stderr{W: &msgs},
				Now:     func() tai64n.Stamp { now.Nano++; return now },
				Sleep:   func(int) { t.Fatalf("svlogd paused: %q", msgs.String()) },
			}
			d := New(dir, opt)
			if !d.Open(now) {
				t.Fatalf("open failed: %q", msgs.String())
			}
			t.Cleanup(d.Close)
			if tc.before != nil {
				tc.before(d)
			}
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			tc.act(d)
			opt.Stderr.Flush()
			if tc.name == "close" {
				// Closing needs no name: current is sealed as usual.
				if opt.Removed || msgs.Len() != 0 {
					t.Errorf("Removed %v, messages %q", opt.Removed, msgs.String())
				}
				return
			}
			if d.IsOpen() || !opt.Removed {
				t.Errorf("IsOpen %v, Removed %v after the directory was removed", d.IsOpen(), opt.Removed)
			}
			if want := "svlogd: warning: log directory removed, giving it up: " + dir + "\n"; msgs.String() != want {
				t.Errorf("messages %q, want %q", msgs.String(), want)
			}
			// Given up, it takes lines without writing or pausing.
			d.PutLine(nil, nil, line, true)
			d.Flush()
			d.Rotate()
		})
	}
}

// TestRemovedOnlyWhenGone: ENOENT from a name inside a directory that is
// still there (current deleted by hand) is no reason to give up.
func TestRemovedOnlyWhenGone(t *testing.T) {
	dir := t.TempDir()
	pauses := 0
	opt := &Options{LineMax: 100, BufSize: 4096, Stderr: &Stderr{W: &strings.Builder{}},
		Now: tai64n.Now, Sleep: func(int) {
			// Put current back, so that the retry succeeds.
			pauses++
			os.WriteFile(filepath.Join(dir, "current"), nil, 0o644)
		}}
	d := New(dir, opt)
	if !d.Open(tai64n.Now()) {
		t.Fatal("open failed")
	}
	defer d.Close()
	if d.removed(os.ErrNotExist) {
		t.Error("removed: an error that is not ENOENT")
	}
	if err := os.Remove(filepath.Join(dir, "current")); err != nil {
		t.Fatal(err)
	}
	d.PutLine(nil, nil, []byte("a line"), true)
	d.Rotate() // current is gone: a pause, as in runit
	if !d.IsOpen() || opt.Removed || pauses != 1 {
		t.Errorf("IsOpen %v, Removed %v, %d pauses with the directory still there", d.IsOpen(), opt.Removed, pauses)
	}
}
