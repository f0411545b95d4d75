package svlogd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/svtest"
)

// TestRemovedLogDir: a log directory removed while svlogd uses it. runit's
// svlogd pauses at its next rotation for ever ("pausing: unable to rename
// current"), reading nothing, and runsv waits for it for ever;
// gorunit's gives the directory up (docs/COMPATIBILITY.md). With no
// directory left it exits 111 as at start, leaving the unread input in
// the pipe; with another one left it goes on logging there.
func TestRemovedLogDir(t *testing.T) {
	const gaveUp = "svlogd: warning: log directory removed, giving it up: "
	lines := func(from, to int) string {
		var b strings.Builder
		for i := from; i <= to; i++ {
			fmt.Fprintf(&b, "line %03d\n", i)
		}
		return b.String()
	}

	t.Run("the only one", func(t *testing.T) {
		t.Parallel()
		ims := []impl{gorunit(t)}
		if os.Getenv("RUNIT_REF") != "" {
			ims = both(t)
		}
		for _, im := range ims {
			sc := scenario{config: map[string]string{"log": "s100\n"}}
			l := sc.start(t, im)
			l.write(lines(1, 12)) // 108 bytes: one rotation
			l.waitOld("log", 1)
			svtest.RemoveLive(t, filepath.Join(l.root, "log"))
			l.write(lines(13, 30)) // the next rotation needs the directory
			if im.name == "C" {
				// It pauses, and goes on pausing, whatever comes.
				// Input closed after the first pause, it pauses again
				// 3 s later rather than see EOF.
				const paused = "svlogd: pausing: unable to rename current: log: file does not exist"
				l.waitStderr(paused, 1)
				l.w.Close()
				l.waitStderr(paused, 2)
				l.p.cmd.Process.Kill()
				l.p.wait(20 * time.Second)
				continue
			}
			code, err := l.p.wait(20 * time.Second)
			if err != nil {
				t.Fatalf("%v; stderr: %q", err, l.p.Stderr())
			}
			want := gaveUp + "log\nsvlogd: fatal: no functional log directories.\n"
			if code != 111 || l.p.Stderr() != want {
				t.Errorf("exit %d, stderr %q; want exit 111, stderr %q", code, l.p.Stderr(), want)
			}
		}
	})

	t.Run("one of two", func(t *testing.T) {
		t.Parallel()
		sc := scenario{dirs: []string{"a", "b"}, config: map[string]string{"a": "s100\n"}}
		l := sc.start(t, gorunit(t))
		l.write(lines(1, 12)) // 108 bytes: one rotation
		l.waitOld("a", 1)
		svtest.RemoveLive(t, filepath.Join(l.root, "a"))
		l.write(lines(13, 30))
		l.waitStderr(gaveUp+"a", 1)
		l.write(lines(31, 40))
		r := l.finish([]string{"b"})
		want := fmt.Sprintf("b/current -rwxr--r-- %d: %q", len(lines(1, 40)), lines(1, 40))
		if r.Exit != 0 || len(r.Files) != 2 || r.Files[0] != want || r.Stderr != gaveUp+"a\n" {
			t.Errorf("exit %d, files %q, stderr %q; want exit 0, %q, the lock and one warning", r.Exit, r.Files, r.Stderr, want)
		}
	})
}
