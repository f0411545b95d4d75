package logdir

// Match is runit's pmatch: does pattern p (up to its first NUL) match all
// of s? An ordinary character matches itself; "*X" skips to the first X
// (not consuming it), a trailing "*" matches anything, "+X" matches one or
// more X.
//
// runit's "+X" compares X with the byte after the text when the text is
// used up. svlogd's line buffer still holds an older, longer line there,
// so Match reads s[len(s)] when s has the capacity (the caller passes its
// persistent line buffer) and 0 otherwise.
func Match(p, s []byte) bool {
	at := func(i int) byte {
		if i < cap(s) {
			return s[:cap(s)][i]
		}
		return 0
	}
	pat := func(i int) byte {
		if i < len(p) {
			return p[i]
		}
		return 0
	}
	pi, si, n := 0, 0, len(s)
	for {
		c := pat(pi)
		pi++
		if c == 0 {
			return n == 0
		}
		switch c {
		case '*':
			c = pat(pi)
			if c == 0 {
				return true
			}
			for {
				if n == 0 {
					return false
				}
				if at(si) == c {
					break
				}
				si++
				n--
			}
		case '+':
			c = pat(pi)
			pi++
			if c != at(si) {
				return false
			}
			for {
				if n == 0 {
					return true
				}
				if at(si) != c {
					break
				}
				si++
				n--
			}
		default:
			if n == 0 || at(si) != c {
				return false
			}
			si++
			n--
		}
	}
}

// Select runs the config's +, -, e and E lines over line as svlogd.c's
// logmatch does: the last matching line of each kind wins. log is true for
// '+' (write to the directory), toStderr for 'e'.
func (c *Config) Select(line []byte) (log, toStderr bool) {
	match, matcherr := byte('+'), byte('E')
	inst := c.Inst
	for i := 0; i < len(inst); i++ {
		kind := inst[i]
		end := i // byte_chr from the kind: a NUL kind ends at once
		for end < len(inst) && inst[end] != 0 {
			end++
		}
		switch kind {
		case '+', '-':
			if Match(inst[i+1:end], line) {
				match = kind
			}
		case 'e', 'E':
			if Match(inst[i+1:end], line) {
				matcherr = kind
			}
		}
		i = end
	}
	return match == '+', matcherr == 'e'
}
