package logdir

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParse(t *testing.T) {
	def := Default()
	with := func(f func(c *Config)) Config { c := Default(); f(&c); return c }
	for name, tc := range map[string]struct {
		in   string
		want Config
	}{
		"empty":                      {"", def},
		"comment and blank":          {"# s5\n\n", def},
		"size":                       {"s123\n", with(func(c *Config) { c.Size = 123 })},
		"size k":                     {"s3k\n", with(func(c *Config) { c.Size = 3072 })},
		"size m":                     {"s2m\n", with(func(c *Config) { c.Size = 2 << 20 })},
		"size without digits":        {"sx\n", with(func(c *Config) { c.Size = 0 })},
		"last size wins":             {"s1\ns2\n", with(func(c *Config) { c.Size = 2 })},
		"size wraps":                 {"s18446744073709551617\n", with(func(c *Config) { c.Size = 1 })},
		"num and min":                {"n3\nN1\n", with(func(c *Config) { c.Num, c.Min = 3, 1 })},
		"age seconds":                {"t30\n", with(func(c *Config) { c.Age = 30 })},
		"age minutes":                {"t2m\n", with(func(c *Config) { c.Age = 120 })},
		"age hours":                  {"t2h\n", with(func(c *Config) { c.Age = 7200 })},
		"age days unsupported":       {"t2d\n", with(func(c *Config) { c.Age = 2 })},
		"processor":                  {"!gzip -9\n", with(func(c *Config) { c.Processor, c.HasProcessor = "gzip -9", true })},
		"bare bang ignored":          {"!\ns5\n", with(func(c *Config) { c.Size = 5 })},
		"processor up to NUL":        {"!a\x00b\n", with(func(c *Config) { c.Processor, c.HasProcessor = "a", true })},
		"empty processor":            {"!\x00b\n", with(func(c *Config) { c.HasProcessor = true })},
		"prefix keeps spaces":        {"pfoo: \n", with(func(c *Config) { c.Prefix = "foo: " })},
		"patterns in order":          {"+a*\n-b\ne*\nE*x\n", with(func(c *Config) { c.Inst = []byte("+a*\x00-b\x00e*\x00E*x\x00") })},
		"pattern without newline":    {"-x\n+ab", with(func(c *Config) { c.Inst = []byte("-x\x00+ab\x00") })},
		"one-char last line skipped": {"s5\n+", with(func(c *Config) { c.Size = 5 })},
		"udp":                        {"u10.0.0.1\n", with(func(c *Config) { c.UDPAddr, c.UDPPort = [4]byte{10, 0, 0, 1}, 514 })},
		"udp port":                   {"u1.2.3.4:99\n", with(func(c *Config) { c.UDPAddr, c.UDPPort = [4]byte{1, 2, 3, 4}, 99 })},
		"udp only":                   {"U1.2.3.4\n", with(func(c *Config) { c.UDPAddr, c.UDPPort, c.UDPOnly = [4]byte{1, 2, 3, 4}, 514, true })},
		"udp octets wrap":            {"u1.2.3.260\n", with(func(c *Config) { c.UDPAddr, c.UDPPort = [4]byte{1, 2, 3, 4}, 514 })},
		"udp port wraps":             {"u1.2.3.4:65536\n", with(func(c *Config) { c.UDPAddr, c.UDPPort = [4]byte{1, 2, 3, 4}, 0 })},
		"udp bad address": {"u1.2.3\n", with(func(c *Config) {
			c.UDPAddr = [4]byte{1, 2, 3, 0}
			c.Warnings = []string{"unable to scan ip address: 1.2.3"}
		})},
		"U bad address still only": {"Ux\n", with(func(c *Config) {
			c.UDPOnly = true
			c.Warnings = []string{"unable to scan ip address: x"}
		})},
		"udp bad port": {"u1.2.3.4:x\n", with(func(c *Config) {
			c.UDPAddr = [4]byte{1, 2, 3, 4}
			c.Warnings = []string{"unable to scan port number: x"}
		})},
		"unknown lines ignored": {"xyz\n s5\n", def},
	} {
		t.Run(name, func(t *testing.T) {
			got := Parse([]byte(tc.in))
			if d := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tc.in, d)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "s100\nn3\nN1\nt5m\n", "!cat\npX: \n+a*\n-*b\ne+c\nE*\n", "u1.2.3.4:5\nU9.9.9.9\n", "s\x00\n+\x00-\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := Parse(b)
		if c.HasProcessor == false && c.Processor != "" {
			t.Errorf("processor %q without HasProcessor", c.Processor)
		}
		if n := len(c.Inst); n > 0 && c.Inst[n-1] != 0 {
			t.Errorf("Inst %q does not end in NUL", c.Inst)
		}
		// Selecting any line must not panic either.
		c.Select(b)
	})
}
