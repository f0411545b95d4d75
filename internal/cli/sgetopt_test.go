package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type opt struct {
	C   string
	Arg string
}

func parseAll(argv []string, opts string) ([]opt, []string, string) {
	var w strings.Builder
	g := NewGetopt(argv, opts, &w)
	var got []opt
	for {
		c := g.Next()
		if c == 0 {
			break
		}
		got = append(got, opt{string(c), g.Arg})
		if c == '?' {
			break
		}
	}
	return got, g.Rest(), w.String()
}

func TestGetopt(t *testing.T) {
	const opts = "u:U:vP012"
	for _, tc := range []struct {
		name string
		argv []string
		opts []opt
		rest []string
		msg  string
	}{
		{"none", []string{"chpst", "prog", "-v"}, nil, []string{"prog", "-v"}, ""},
		{"bundle", []string{"chpst", "-vP0", "prog"}, []opt{{"v", ""}, {"P", ""}, {"0", ""}}, []string{"prog"}, ""},
		{"glued argument", []string{"chpst", "-unobody", "prog"}, []opt{{"u", "nobody"}}, []string{"prog"}, ""},
		{"separate argument", []string{"chpst", "-u", "nobody", "prog"}, []opt{{"u", "nobody"}}, []string{"prog"}, ""},
		{"argument after bundle", []string{"chpst", "-vu", "nobody", "prog"}, []opt{{"v", ""}, {"u", "nobody"}}, []string{"prog"}, ""},
		{"argument looking like an option", []string{"chpst", "-u", "-v", "prog"}, []opt{{"u", "-v"}}, []string{"prog"}, ""},
		{"empty argument", []string{"chpst", "-u", "", "prog"}, []opt{{"u", ""}}, []string{"prog"}, ""},
		{"double dash", []string{"chpst", "-v", "--", "-P"}, []opt{{"v", ""}}, []string{"-P"}, ""},
		{"double dash word", []string{"chpst", "--long", "x"}, nil, []string{"x"}, ""},
		{"lone dash", []string{"chpst", "-", "x"}, nil, []string{"-", "x"}, ""},
		{"stops at operand", []string{"chpst", "prog", "-u", "x"}, nil, []string{"prog", "-u", "x"}, ""},
		{"nothing left", []string{"chpst", "-v"}, []opt{{"v", ""}}, nil, ""},
		{"illegal", []string{"/usr/bin/chpst", "-vX", "prog"}, []opt{{"v", ""}, {"?", ""}}, []string{"-vX", "prog"},
			"chpst: illegal option -- X\n"},
		{"colon is not an option", []string{"chpst", "-:", "prog"}, []opt{{"?", ""}}, []string{"-:", "prog"},
			"chpst: illegal option -- :\n"},
		{"missing argument", []string{"dsetlock", "-vu"}, []opt{{"v", ""}, {"?", ""}}, nil,
			"dsetlock: option requires an argument -- u\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, rest, msg := parseAll(tc.argv, opts)
			if diff := cmp.Diff(tc.opts, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.rest, rest); diff != "" {
				t.Errorf("rest (-want +got):\n%s", diff)
			}
			if msg != tc.msg {
				t.Errorf("message %q, want %q", msg, tc.msg)
			}
		})
	}
}

func FuzzGetopt(f *testing.F) {
	f.Add("-vu\x00nobody\x00prog", "u:U:vP012")
	f.Add("--\x00-x", "nNxX")
	f.Add("-a\x00=\x00-m", "a:c:d:f:l:m:o:p:r:s:t:")
	f.Fuzz(func(t *testing.T, args, opts string) {
		argv := append([]string{"prog"}, strings.Split(args, "\x00")...)
		g := NewGetopt(argv, opts, nil)
		for i := 0; i <= len(args)+1; i++ {
			if c := g.Next(); c == 0 || c == '?' {
				if g.Ind > len(argv) {
					t.Fatalf("Ind %d past %d", g.Ind, len(argv))
				}
				g.Rest()
				return
			}
		}
		t.Fatal("Next never finished")
	})
}
