package sv

// getopt is djb's sgetopt/subgetopt as runit links it (src/sgetopt.c,
// src/subgetopt.c), kept byte for byte because its messages and its
// quirks are visible: flags bundle ("-vw5"), an option argument may be
// attached or the next word, "--" ends the options and is consumed, a lone
// "-" ends them and stays an operand, and the first operand ends them too
// (no permutation).
type getopt struct {
	args    []string
	optind  int // index of the word being parsed; starts at 1
	optpos  int // position inside args[optind]; 0 between words
	optarg  string
	problem byte // the offending option character after '?'
}

const optDone = -1

// next returns the next option character, '?' for an unknown option or a
// missing argument (problem is set), or optDone.
func (g *getopt) next(opts string) int {
	g.optarg = ""
	if g.optind >= len(g.args) {
		return optDone
	}
	if g.optpos > 0 && g.optpos >= len(g.args[g.optind]) {
		g.optind++
		g.optpos = 0
		if g.optind >= len(g.args) {
			return optDone
		}
	}
	w := g.args[g.optind]
	if g.optpos == 0 {
		if len(w) == 0 || w[0] != '-' {
			return optDone
		}
		g.optpos++
		if len(w) == 1 || w[1] == '-' {
			if len(w) > 1 {
				g.optind++ // "--" (or "--anything") is consumed
			}
			g.optpos = 0
			return optDone
		}
	}
	c := w[g.optpos]
	g.optpos++
	for i := 0; i < len(opts); i++ {
		if opts[i] == ':' {
			continue
		}
		if c != opts[i] {
			continue
		}
		if i+1 < len(opts) && opts[i+1] == ':' {
			g.optarg = w[g.optpos:]
			g.optind++
			g.optpos = 0
			if g.optarg == "" {
				if g.optind >= len(g.args) {
					g.problem = c
					return '?'
				}
				g.optarg = g.args[g.optind]
				g.optind++
			}
		}
		return int(c)
	}
	g.problem = c
	return '?'
}

// complaint is what sgetopt prints to stderr after '?': an unknown option
// leaves optind on its word ("illegal option"), a missing argument has run
// past the end ("option requires an argument").
func (g *getopt) complaint(progname string) string {
	if g.optind < len(g.args) {
		return progname + ": illegal option -- " + string([]byte{g.problem}) + "\n"
	}
	return progname + ": option requires an argument -- " + string([]byte{g.problem}) + "\n"
}

// scanUlong is runit's scan_ulong: the leading decimal digits of s as an
// unsigned long (wrapping like C), 0 when there are none.
func scanUlong(s string) uint64 {
	var u uint64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		u = u*10 + uint64(s[i]-'0')
	}
	return u
}
