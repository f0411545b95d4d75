package svlogd

import "io"

// getopt is djb's sgetopt as runit links it: bundled flags, an option's
// argument attached or in the next word, "--" ends the options, and so
// does the first word not starting with "-" (a lone "-" is an operand). On
// a problem it prints "PROG: illegal option -- X" or "PROG: option
// requires an argument -- X" (PROG the basename of argv[0]) and returns
// '?'.
type getopt struct {
	args   []string
	opts   string
	ind    int
	pos    int
	arg    string
	stderr io.Writer
	prog   string
}

const optDone = 0

func (g *getopt) next() byte {
	g.arg = ""
	if g.ind >= len(g.args) {
		return optDone
	}
	if g.pos > 0 && g.pos >= len(g.args[g.ind]) {
		g.ind++
		g.pos = 0
		if g.ind >= len(g.args) {
			return optDone
		}
	}
	a := g.args[g.ind]
	if g.pos == 0 {
		if len(a) == 0 || a[0] != '-' {
			return optDone
		}
		g.pos = 1
		if len(a) == 1 || a[1] == '-' {
			if len(a) > 1 {
				g.ind++
			}
			g.pos = 0
			return optDone
		}
	}
	c := a[g.pos]
	g.pos++
	for i := 0; i < len(g.opts); i++ {
		if g.opts[i] == ':' {
			continue
		}
		if g.opts[i] != c {
			continue
		}
		if i+1 < len(g.opts) && g.opts[i+1] == ':' {
			g.arg = a[g.pos:]
			g.ind++
			g.pos = 0
			if g.arg == "" {
				if g.ind >= len(g.args) {
					io.WriteString(g.stderr, g.prog+": option requires an argument -- "+string(c)+"\n")
					return '?'
				}
				g.arg = g.args[g.ind]
				g.ind++
			}
		}
		return c
	}
	io.WriteString(g.stderr, g.prog+": illegal option -- "+string(c)+"\n")
	return '?'
}
