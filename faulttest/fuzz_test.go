package faulttest

// Fuzz targets for the parsers that had none in their own packages
// (logdir's config and patterns, sv's command words and status lines).
// They carry no build tag: their seeds run with every `go test ./...`,
// and scripts/fuzz-all fuzzes them for a bounded time.

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gorunit/gorunit/internal/logdir"
	"github.com/gorunit/gorunit/internal/supervise"
	"github.com/gorunit/gorunit/internal/sv"
)

func FuzzLogdirConfig(f *testing.F) {
	for _, s := range []string{
		"", "s4096\nn10\nN3\nt60\n", "s1k\nn\nN\nt5m\nt2h\n", "!gzip\np: prefix \n", "+*\n-x*\ne*\nEfoo*\n",
		"u127.0.0.1:514\nU10.0.0.1\n", "s99999999999999999999999\n", "\x00\xff\n\n#c\nz\n", "s", "+",
		"uabc:xyz\nu1.2.3.4:99999\n", "+" + strings.Repeat("*a", 100) + "\n",
	} {
		f.Add([]byte(s), []byte("a line"))
	}
	f.Fuzz(func(t *testing.T, config, line []byte) {
		c := logdir.Parse(config)
		d := logdir.Parse(config)
		if c.Size != d.Size || c.Num != d.Num || c.Min != d.Min || c.Age != d.Age || c.Prefix != d.Prefix ||
			!bytes.Equal(c.Inst, d.Inst) || c.UDPPort != d.UDPPort || c.UDPOnly != d.UDPOnly {
			t.Fatalf("Parse is not deterministic for %q", config)
		}
		c.Select(line)
		c.Select(line[:0])
	})
}

func FuzzLogdirMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"*", ""}, {"a*", "abc"}, {"*c", "abc"}, {"+a", "aaa"}, {"+a*", "aab"}, {"a+b*c", "abbbc"},
		{"**", "x"}, {"*+", "x"}, {"+", ""}, {"+*", "**"}, {"\x00", ""}, {"abc", "abc"}, {"a\x00b", "a"},
	} {
		f.Add([]byte(s[0]), []byte(s[1]), uint8(0))
	}
	f.Fuzz(func(t *testing.T, p, s []byte, extra uint8) {
		// Match may read one byte past the text when the buffer has room,
		// as svlogd's persistent line buffer does.
		buf := make([]byte, len(s), len(s)+int(extra))
		copy(buf, s)
		got := logdir.Match(p, buf)
		if bytes.IndexAny(p, "*+") < 0 {
			lit := p
			if i := bytes.IndexByte(lit, 0); i >= 0 {
				lit = lit[:i]
			}
			if want := bytes.Equal(lit, s); got != want {
				t.Fatalf("Match(%q, %q) = %v, literal pattern wants %v", p, s, got, want)
			}
		}
	})
}

func FuzzSvCommand(f *testing.F) {
	for _, w := range []string{"up", "down", "status", "check", "try-restart", "force-stop", "x", "", "s", "restart", "reload", "r", "T", "\xff"} {
		f.Add(w, false, false)
		f.Add(w, true, true)
	}
	f.Fuzz(func(t *testing.T, word string, lsb, verbose bool) {
		sv.ParseCommand(word, lsb, verbose)
	})
}

func FuzzSvStatusLine(f *testing.F) {
	f.Add([]byte("\x40\x00\x00\x00\x6b\x05\x77\xc4\x38\xe1\xe9\x9c\x1a\x19\x00\x00\x00\x75\x00\x01"), "svc", uint64(0x400000006b0577c8), true)
	f.Add(bytes.Repeat([]byte{0xff}, 20), "\xff\n", uint64(0), false)
	f.Add(make([]byte, 20), "", uint64(1<<63), true)
	f.Fuzz(func(t *testing.T, raw []byte, name string, now uint64, normallyUp bool) {
		var b [supervise.StatusSize]byte
		copy(b[:], raw)
		out, _ := sv.AppendStatus(nil, name, &b, now, normallyUp)
		if !bytes.HasPrefix(out, []byte("down: ")) && !bytes.HasPrefix(out, []byte("run: ")) &&
			!bytes.HasPrefix(out, []byte("finish: ")) && !bytes.Contains(out, []byte(name)) {
			t.Fatalf("odd status line %q", out)
		}
	})
}
