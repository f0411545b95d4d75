package sv

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gorunit/gorunit/internal/svtest"
)

// sv writing to a pipe nobody reads any more (`sv status ... | head -1`)
// ends by SIGPIPE and says nothing, as C sv does: cmd/sv writes through
// cli.FD, not os.Stdout, which would have done that for it.
func TestClosedStdoutLikeC(t *testing.T) {
	ref := svtest.RunitRef(t)
	for name, bin := range map[string]string{"C": filepath.Join(ref, "sv"), "gorunit": filepath.Join(svtest.Box(t), "sv")} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		cmd := exec.Command(bin, "status", "nosuchservice")
		cmd.Env = []string{"SVDIR=" + t.TempDir()}
		cmd.Stdout = w
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err = cmd.Run()
		w.Close()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%s sv: %v, want death by SIGPIPE", name, err)
		}
		if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGPIPE {
			t.Errorf("%s sv ended with %v, want SIGPIPE", name, ee)
		}
		if s := stderr.String(); s != "" {
			t.Errorf("%s sv said %q", name, s)
		}
	}
}
