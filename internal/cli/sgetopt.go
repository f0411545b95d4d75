package cli

import "io"

// Getopt is djb's sgetopt as runit uses it (subgetopt.c, sgetopt.c):
// bundled flags ("-vP"), an option's argument either glued ("-uroot") or
// the next word ("-u root", even when that word starts with "-"), "--"
// ends the options and is skipped, a lone "-" or the first word not
// starting with "-" ends them and is kept. There are no long options and
// no permutation: "chpst -u nobody prog -x" leaves "-x" to prog.
//
// On a problem Next prints runit's message to W and returns '?':
// "PROG: illegal option -- X" or "PROG: option requires an argument -- X",
// PROG being basename(argv[0]) (observed with Debian's binaries). The
// caller then prints its usage.
type Getopt struct {
	Args []string  // argv, Args[0] included
	Opts string    // runit's option string, e.g. "u:U:vP"
	W    io.Writer // where problems are reported (nil: nowhere)

	Ind     int    // index in Args of the next word to look at (starts at 1)
	Arg     string // the argument of the option Next just returned
	Problem byte   // the option character of the last '?'
	pos     int    // position inside Args[Ind] of a bundle being read
}

// NewGetopt starts parsing argv with runit's option string opts.
func NewGetopt(argv []string, opts string, w io.Writer) *Getopt {
	return &Getopt{Args: argv, Opts: opts, W: w, Ind: 1}
}

// Next returns the next option character, '?' on a problem, or 0 when the
// options are done; g.Args[g.Ind:] are then the operands.
func (g *Getopt) Next() byte {
	c := g.next()
	if c == '?' && g.W != nil {
		prog := "getopt"
		if len(g.Args) > 0 {
			prog = Basename(g.Args[0])
		}
		what := ": illegal option -- "
		if g.Ind >= len(g.Args) {
			what = ": option requires an argument -- "
		}
		io.WriteString(g.W, prog+what+string([]byte{g.Problem, '\n'}))
	}
	return c
}

// Rest returns the operands left after the options.
func (g *Getopt) Rest() []string {
	if g.Ind >= len(g.Args) {
		return nil
	}
	return g.Args[g.Ind:]
}

func (g *Getopt) next() byte {
	g.Arg = ""
	if g.Ind >= len(g.Args) {
		return 0
	}
	if g.pos > 0 && g.pos >= len(g.Args[g.Ind]) {
		g.Ind++
		g.pos = 0
		if g.Ind >= len(g.Args) {
			return 0
		}
	}
	w := g.Args[g.Ind]
	if g.pos == 0 {
		if len(w) == 0 || w[0] != '-' {
			return 0
		}
		g.pos = 1
		if len(w) == 1 || w[1] == '-' {
			// "-" is an operand; "--" (or "--anything", as in
			// subgetopt.c) ends the options and is skipped.
			if len(w) > 1 {
				g.Ind++
			}
			g.pos = 0
			return 0
		}
	}
	c := w[g.pos]
	g.pos++
	for i := 0; i < len(g.Opts); i++ {
		o := g.Opts[i]
		if o == ':' {
			continue
		}
		if c != o {
			continue
		}
		if i+1 < len(g.Opts) && g.Opts[i+1] == ':' {
			arg := w[g.pos:]
			g.Ind++
			g.pos = 0
			if arg == "" {
				if g.Ind >= len(g.Args) {
					g.Problem = c
					return '?'
				}
				arg = g.Args[g.Ind]
				g.Ind++
			}
			g.Arg = arg
		}
		return c
	}
	g.Problem = c
	return '?'
}
