package svctl

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorunit/gorunit/internal/cli"
)

// Report is what `summary --json` prints: the link directory and every
// service in it, in name order.
type Report struct {
	SvDir    string  `json:"svdir"`
	Services []Entry `json:"services"`
}

// Entry is one service: runsvdir's view of the link directory entry, the
// service's state and its log's (Log is null when it has none).
type Entry struct {
	Name string `json:"name"`
	Dir  string `json:"dir"` // the service directory the link leads to
	Side
	Log *Side `json:"log"`
}

// Side is the state of one supervised process, from supervise/status.
type Side struct {
	// Runsv is whether a runsv holds supervise/ok open; without one the
	// other fields are zero.
	Runsv bool `json:"runsv"`
	// State is "run", "down" or "finish" ("" without runsv).
	State string `json:"state"`
	PID   int    `json:"pid"`
	// Seconds since the state began (since ./run started, for run and
	// finish), as sv prints it.
	Seconds      int64  `json:"seconds"`
	Want         string `json:"want"` // "up" or "down"
	Paused       bool   `json:"paused"`
	Term         bool   `json:"term"`          // TERM sent, process not gone yet
	NormallyDown bool   `json:"normally_down"` // ./down exists
	Error        string `json:"error,omitempty"`
}

// summary prints every service in the link directory in one table, or as
// JSON with --json.
func (c *command) summary() int {
	r, err := collect(c.linkDir, time.Now())
	if err != nil {
		cli.Say(c.errw, c.prog(), ": fatal: unable to read ", c.linkDir, ": ", cli.ErrStr(err))
		return ExitFail
	}
	if c.json {
		if _, err := c.out.Write(appendJSON(nil, r)); err != nil {
			cli.Say(c.errw, c.prog(), ": fatal: unable to write: ", cli.ErrStr(err))
			return ExitFail
		}
		return ExitOK
	}
	writeTable(c.out, r)
	return ExitOK
}

// collect reads the link directory the way runsvdir scans it: dot names are
// skipped, entries are followed, and non-directories are left out. A
// dangling link is listed with its error, since that is what an operator
// wants to see.
func collect(linkDir string, now time.Time) (Report, error) {
	r := Report{SvDir: linkDir, Services: []Entry{}}
	ents, err := os.ReadDir(linkDir)
	if err != nil {
		return r, err
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(linkDir, e.Name())
		en := Entry{Name: e.Name(), Dir: p}
		if t, err := filepath.EvalSymlinks(p); err == nil {
			en.Dir = t
		}
		fi, err := os.Stat(p)
		if err != nil {
			en.Error = "unable to stat " + p + ": " + cli.ErrStr(err)
			r.Services = append(r.Services, en)
			continue
		}
		if !fi.IsDir() {
			continue
		}
		sv := &service{name: e.Name(), dir: p}
		en.Side = readSide(sv.main(), now)
		if sv.hasLog() {
			l := readSide(sv.log(), now)
			en.Log = &l
		}
		r.Services = append(r.Services, en)
	}
	return r, nil
}

func readSide(s side, now time.Time) Side {
	out := Side{NormallyDown: s.normallyDown()}
	if err := s.alive(); err != nil {
		if !notRunning(err) {
			out.Error = "unable to open supervise/ok: " + cli.ErrStr(err)
		}
		return out
	}
	out.Runsv = true
	st, err := s.status()
	if err != nil {
		out.Error = "unable to read supervise/status: " + cli.ErrStr(err)
		return out
	}
	out.State = st.State.String()
	out.PID = st.PID
	out.Seconds = age(st, now)
	out.Want = "down"
	if st.Want == 'u' {
		out.Want = "up"
	}
	out.Paused, out.Term = st.Paused, st.Term
	return out
}

// writeTable prints the report as aligned columns, two spaces apart.
func writeTable(w io.Writer, r Report) {
	rows := [][]string{{"NAME", "STATE", "PID", "TIME", "LOG", "LOGPID", "LOGTIME", "NOTES"}}
	for _, e := range r.Services {
		state, pid, tm, notes := sideColumns(e.Side)
		lstate, lpid, ltm := "-", "-", "-"
		if e.Log != nil {
			var ln []string
			lstate, lpid, ltm, ln = sideColumns(*e.Log)
			for _, x := range ln {
				notes = append(notes, "log "+x)
			}
		}
		rows = append(rows, []string{e.Name, state, pid, tm, lstate, lpid, ltm, strings.Join(notes, ", ")})
	}
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		var line strings.Builder
		for i, cell := range row {
			line.WriteString(cell)
			if i < len(row)-1 {
				line.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell)+2))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}

func sideColumns(s Side) (state, pid, tm string, notes []string) {
	if s.Error != "" {
		notes = append(notes, s.Error)
	}
	if !s.Runsv {
		if s.Error == "" {
			notes = append(notes, "runsv not running")
		}
		return "-", "-", "-", notes
	}
	state, pid, tm = s.State, "-", duration(s.Seconds)
	if s.State == "" {
		state = "-"
	}
	if s.PID != 0 {
		pid = strconv.Itoa(s.PID)
	}
	if s.NormallyDown {
		notes = append(notes, "normally down")
	}
	if s.PID == 0 && s.Want == "up" && s.State != "" {
		notes = append(notes, "want up")
	}
	if s.PID != 0 && s.Want == "down" {
		notes = append(notes, "want down")
	}
	if s.PID != 0 && s.Paused {
		notes = append(notes, "paused")
	}
	if s.PID != 0 && s.Term {
		notes = append(notes, "got TERM")
	}
	return state, pid, tm, notes
}

// duration is a short human form: 42s, 5m07s, 2h03m, 3d04h.
func duration(sec int64) string {
	switch {
	case sec < 60:
		return fmt.Sprintf("%ds", sec)
	case sec < 3600:
		return fmt.Sprintf("%dm%02ds", sec/60, sec%60)
	case sec < 86400:
		return fmt.Sprintf("%dh%02dm", sec/3600, sec%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", sec/86400, sec%86400/3600)
}
