package svctl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// procRoot is where the kernel's process table is mounted.
const procRoot = "/proc"

// proc is what the commands need to know of a process.
type proc struct {
	pid, ppid int
	comm      string   // the kernel's name: "runsv" for runsv started as runsv
	argv      []string // empty for kernel threads and zombies
	cwd       string   // "" when unreadable (another user's process)
}

// parseStat reads pid's parent and name from /proc/PID/stat: "PID (COMM)
// S PPID ...". COMM may hold spaces and parentheses, so it ends at the
// last ')'.
func parseStat(b []byte) (comm string, ppid int, err error) {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", 0, errors.New("bad stat line")
	}
	fields := strings.Fields(string(b[end+1:]))
	if len(fields) < 2 {
		return "", 0, errors.New("bad stat line")
	}
	ppid, err = strconv.Atoi(fields[1])
	if err != nil || ppid < 0 {
		return "", 0, errors.New("bad stat line")
	}
	return string(b[open+1 : end]), ppid, nil
}

// readProc reads one process; an error means it is gone (or unreadable).
func readProc(root string, pid int) (proc, error) {
	dir := filepath.Join(root, strconv.Itoa(pid))
	b, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return proc{}, err
	}
	comm, ppid, err := parseStat(b)
	if err != nil {
		return proc{}, fmt.Errorf("%s/stat: %w", dir, err)
	}
	p := proc{pid: pid, ppid: ppid, comm: comm}
	if b, err := readAtMost(filepath.Join(dir, "cmdline"), 4096); err == nil && len(b) > 0 {
		p.argv = strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
	}
	p.cwd, _ = os.Readlink(filepath.Join(dir, "cwd"))
	return p, nil
}

func readAtMost(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

// readProcs reads every process, sorted by pid. Processes that vanish
// while it reads are left out.
func readProcs(root string) ([]proc, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	var out []proc
	for _, pid := range pids {
		if p, err := readProc(root, pid); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// command is how ps would show p: its argv, or [comm] when it has none,
// cut to width.
func (p proc) command(width int) string {
	s := "[" + p.comm + "]"
	if len(p.argv) > 0 {
		s = strings.Join(p.argv, " ")
	}
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	if len(s) > width {
		s = s[:width-3] + "..."
	}
	return s
}

// is tells whether p runs the program name: its kernel name, or the name
// it was started under (gorunit's runsv executes itself again through
// /proc/self/exe, which makes its kernel name "exe").
func (p proc) is(name string) bool {
	return p.comm == name || len(p.argv) > 0 && filepath.Base(p.argv[0]) == name
}

// runsvdirDir is the directory a runsvdir process scans: its first
// argument, or its second after a -P or --... option (runsvdir.c's own
// parsing), taken relative to its working directory.
func (p proc) runsvdirDir() (string, bool) {
	args := p.argv
	if len(args) > 1 && strings.HasPrefix(args[1], "-") && (strings.HasPrefix(args[1], "-P") || strings.HasPrefix(args[1], "--")) {
		args = args[1:]
	}
	if len(args) < 2 {
		return "", false
	}
	dir := args[1]
	if !filepath.IsAbs(dir) {
		if p.cwd == "" {
			return "", false
		}
		dir = filepath.Join(p.cwd, dir)
	}
	return dir, true
}

// findRunsv finds the runsv supervising dir: the parent of the service's or
// the log's pid when one runs, else the runsv process whose working
// directory is dir (runsv chdirs into its service directory).
func findRunsv(procs []proc, sv *service) (proc, bool) {
	byPid := map[int]proc{}
	for _, p := range procs {
		byPid[p.pid] = p
	}
	for _, s := range sv.sides() {
		if st, err := s.status(); err == nil && st.PID != 0 {
			if child, ok := byPid[st.PID]; ok {
				if parent, ok := byPid[child.ppid]; ok && parent.is("runsv") {
					return parent, true
				}
			}
		}
	}
	real, err := filepath.EvalSymlinks(sv.dir)
	if err != nil {
		return proc{}, false
	}
	for _, p := range procs {
		if p.is("runsv") && p.cwd == real {
			return p, true
		}
	}
	return proc{}, false
}

// tree writes the process tree of the service the way the howto's
// `ps axfo ppid,pid,cmd` shows it: runsvdir, its runsv for this service,
// and everything under that runsv.
func tree(w io.Writer, procs []proc, top proc) {
	children := map[int][]proc{}
	byPid := map[int]proc{}
	for _, p := range procs {
		children[p.ppid] = append(children[p.ppid], p)
		byPid[p.pid] = p
	}
	fmt.Fprintf(w, "%7s %7s %s\n", "PPID", "PID", "COMMAND")
	depth := 0
	if parent, ok := byPid[top.ppid]; ok && parent.is("runsvdir") {
		fmt.Fprintf(w, "%7d %7d %s\n", parent.ppid, parent.pid, parent.command(100))
		depth = 1
	}
	var walk func(p proc, depth int)
	walk = func(p proc, depth int) {
		indent := ""
		if depth > 0 {
			indent = strings.Repeat("    ", depth-1) + " \\_ "
		}
		fmt.Fprintf(w, "%7d %7d %s%s\n", p.ppid, p.pid, indent, p.command(100))
		if depth > 64 { // a loop in a racing read of /proc
			return
		}
		for _, ch := range children[p.pid] {
			walk(ch, depth+1)
		}
	}
	walk(top, depth)
}
