package runsv_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/gorunit/gorunit/internal/supervise"
)

// The log pipe is made once and held by runsv, so neither a restart of
// the service nor one of the log loses a line: the writer continues its
// count after each restart, and the log must hold 1..N, each once, in
// order.
func TestLogPipeLosesNoLineAcrossRestarts(t *testing.T) {
	s := newSvc(t, map[string]string{
		"run":     helperScript(t, "writer"),
		"log/run": helperScript(t, "logger"),
	})
	t.Parallel()
	s.start(runsvBin(t, ""))
	s.waitOK("log/supervise")

	lines := func() int { return strings.Count(s.read("log/out"), "\n") }
	progress := func(min int) {
		t.Helper()
		s.waitFile("log/out", hasLines(min))
	}
	restart := func(sup string) {
		t.Helper()
		old := s.waitRun(sup)
		s.send(sup, "t")
		s.waitStatus(sup, "restarted", func(st supervise.Status) bool {
			return st.State == supervise.Run && st.PID != 0 && st.PID != old.PID
		})
	}
	for i := 0; i < 4; i++ {
		progress(lines() + 100)
		restart("supervise")
		progress(lines() + 100)
		restart("log/supervise")
	}
	progress(lines() + 100)

	// Stop the writer, then let the log drain the pipe and exit on EOF.
	s.send("supervise", "d")
	s.waitDown("supervise")
	s.stop()

	got := strings.Split(strings.TrimSuffix(s.read("log/out"), "\n"), "\n")
	last, err := strconv.Atoi(strings.TrimSpace(s.read("seq")))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != last {
		t.Errorf("log has %d lines, the writers wrote %d", len(got), last)
	}
	for i, l := range got {
		if l != strconv.Itoa(i+1) {
			t.Fatalf("line %d is %q, want %d (lost or repeated lines)", i+1, l, i+1)
		}
	}
}
