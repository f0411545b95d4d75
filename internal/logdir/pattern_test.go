package logdir

import "testing"

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"", "", true},
		{"", "a", false},
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"abc", "ab", false},
		{"*", "", true},
		{"*", "anything", true},
		{"a*", "abc", true},
		{"*c", "abc", true},
		{"*c", "abcd", false},
		{"*c", "ab", false},
		{"*b*", "abc", true},
		{"a*b*c", "axxbyyc", true},
		{"*x", "x", true},
		{"*xy", "xxy", false}, // *x stops at the first x
		{"+a", "aaa", true},
		{"+ab", "aaab", true},
		{"+ab", "b", false},
		{"a+b", "abbb", true},
		{"a+bc", "abbbc", true},
		{"*+a", "xa", false}, // "*+" skips to a literal "+"
		{"x+", "x", true},    // "+" then NUL: compares NUL with the byte after
	} {
		if got := Match([]byte(tc.p), []byte(tc.s)); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

// TestMatchReadsPastText pins runit's read of the byte after the text for
// "+X" once the text is used up: svlogd's line buffer still holds a
// longer, older line there.
func TestMatchReadsPastText(t *testing.T) {
	buf := []byte("abcc")
	if !Match([]byte("ab+c"), buf[:2]) {
		t.Error(`"ab+c" on "ab" with a stale "c" after it: want a match, as runit`)
	}
	buf = []byte("abxc")
	if Match([]byte("ab+c"), buf[:2]) {
		t.Error(`"ab+c" on "ab" with a stale "x" after it: want no match`)
	}
}

func TestSelect(t *testing.T) {
	c := Parse([]byte("-*\n+a*\n-*b\ne*x*\nE*xy*\n"))
	for _, tc := range []struct {
		line          string
		log, toStderr bool
	}{
		{"q", false, false},
		{"a1", true, false},
		{"ab", false, false},
		{"axq", true, true},
		{"axy", true, false},
	} {
		log, e := c.Select([]byte(tc.line))
		if log != tc.log || e != tc.toStderr {
			t.Errorf("Select(%q) = %v, %v; want %v, %v", tc.line, log, e, tc.log, tc.toStderr)
		}
	}
}

func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{{"*", "x"}, {"a*b", "ab"}, {"+a*", "aab"}, {"x+", "x"}, {"*\x00", ""}} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, p, s []byte) {
		got := Match(p, s)
		// Properties of runit's matcher: a pattern of ordinary
		// characters matches only itself; "*" matches everything.
		plain := true
		for _, c := range p {
			if c == '*' || c == '+' || c == 0 {
				plain = false
			}
		}
		if plain && got != (string(p) == string(s)) {
			t.Errorf("Match(%q, %q) = %v for a plain pattern", p, s, got)
		}
		if string(p) == "*" && !got {
			t.Errorf(`Match("*", %q) = false`, s)
		}
	})
}

func BenchmarkSelect(b *testing.B) {
	c := Parse([]byte("-*\n+*error*\n+*warn*\ne*fatal*\n"))
	line := []byte("2026-11-24 something happened: a warning about nothing in particular")
	b.ReportAllocs()
	for b.Loop() {
		c.Select(line)
	}
}
