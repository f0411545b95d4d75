package svlogd

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRandomConfigsSameAsRunit is a differential fuzz of the config
// parser and pattern matcher against C svlogd: random configs (patterns,
// prefixes, sizes) over random lines, 25 directories per run, compared
// byte for byte.
func TestRandomConfigsSameAsRunit(t *testing.T) {
	ims := both(t)
	rng := rand.New(rand.NewPCG(6, 2026))
	pick := func(s string, n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(s[rng.IntN(len(s))])
		}
		return b.String()
	}
	runs := 8
	if testing.Short() {
		runs = 2
	}
	for run := range runs {
		sc := scenario{args: []string{"-l", fmt.Sprint(4 + rng.IntN(8))}, config: map[string]string{}}
		if rng.IntN(2) == 0 {
			sc.args = append(sc.args, "-r", "_", "-R", pick("ab*", 1))
		}
		for d := range 25 {
			name := fmt.Sprintf("d%02d", d)
			sc.dirs = append(sc.dirs, name)
			var c strings.Builder
			for range rng.IntN(6) {
				c.WriteString(pick("+-eE", 1) + pick("ab*+\x00", rng.IntN(5)) + "\n")
			}
			if rng.IntN(4) == 0 {
				c.WriteString("p" + pick("ab: ", rng.IntN(4)) + "\n")
			}
			if rng.IntN(3) == 0 {
				c.WriteString(fmt.Sprintf("s%d\nn%d\n", 5+rng.IntN(60), rng.IntN(4)))
			}
			if rng.IntN(5) == 0 {
				c.WriteString(pick("sntpe+-\n#", 1+rng.IntN(3)))
			}
			sc.config[name] = c.String()
		}
		var in strings.Builder
		for range 40 {
			in.WriteString(pick("ab*+x\x01\xff", rng.IntN(16)) + "\n")
		}
		sc.input = in.String()
		t.Run(fmt.Sprint(run), func(t *testing.T) {
			var want result
			for i, im := range ims {
				got := sc.run(t, im)
				if i == 0 {
					want = got
					continue
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("config %q\ninput %q\nC svlogd vs gorunit (-C +gorunit):\n%s", sc.config, sc.input, d)
				}
			}
		})
	}
}
