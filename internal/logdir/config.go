// Package logdir is one svlogd log directory: its config file, the
// patterns that select lines, the current file and its rotation into
// @TAI64N.s/.u files, deletion of old files and the processor.
//
// Layout of a log directory (runit 2.1.2's svlogd):
//
//	lock          locked (flock) while an svlogd owns the directory
//	config        optional, read at start and on HUP (see Parse)
//	current       the file being written: mode 0644 while open, 0744
//	              once cleanly closed; a non-empty current without the
//	              owner x bit found at start is saved as @TAI64N.u
//	@TAI64N.s     a rotated file (.u while the processor has to see it,
//	              .t while it writes the processed copy)
//	state         processor state, given on fd 4; newstate on fd 5
//
// Parsing the config is a pure function; everything that touches the
// directory lives on Dir.
//
// logdir uses package syscall and no package time, unlike the rest of
// gorunit (shared/STYLE.md asks for x/sys/unix): x/sys/unix imports
// package time, which costs every svlogd about 116 KiB of RSS
// (docs/BENCHMARKS.md). The clock is a tai64n.Stamp, as in svlogd.c, and
// durations are plain seconds.
package logdir

import (
	"bytes"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/tai64n"
)

// Defaults for a directory without config lines (svlogd.c logdir_open).
const (
	DefaultSize = 1000000
	DefaultNum  = 10
	DefaultMin  = 10
	DefaultPort = 514
)

// Config is what a log directory's config file says.
type Config struct {
	Size uint64 // s: rotate when current reaches this size; 0: never
	Num  uint64 // n: keep at most this many old files; 0: no limit
	Min  uint64 // N: on a full disk delete old files down to this many
	Age  uint64 // t: rotate when current is this many seconds old; 0: never

	// Processor is the shell command of a "!" line; HasProcessor tells an
	// empty command (runit still runs "sh -c ''") from none.
	Processor    string
	HasProcessor bool

	Prefix string // p: written before every line

	// Inst holds the +, -, e and E lines as runit keeps them: each line
	// (its kind and pattern) followed by a NUL, in file order.
	Inst []byte

	UDPAddr [4]byte
	UDPPort uint16 // 0: no UDP copy
	UDPOnly bool   // U: the line goes only to UDP

	// Warnings are runit's messages about lines it could not scan, without
	// the "svlogd: warning: " lead.
	Warnings []string
}

// Default is the config of a directory without a config file.
func Default() Config {
	return Config{Size: DefaultSize, Num: DefaultNum, Min: DefaultMin}
}

// Parse reads a config file's contents exactly as svlogd.c's logdir_open
// does, quirks included: a line's first character picks its meaning,
// numbers are leading decimal digits (wrapping like unsigned long), a
// one-character last line is skipped, and "!" and "p" values end at the
// first NUL byte.
func Parse(data []byte) Config {
	c := Default()
	// runit terminates each line with a NUL in place and may read the byte
	// after the data, which its stralloc always has: a trailing 0.
	sa := make([]byte, len(data)+1)
	copy(sa, data)
	n := len(data)
	for i := 0; i+1 < n; i++ {
		l := bytes.IndexByte(sa[i:n], '\n')
		if l < 0 {
			l = n - i
		}
		sa[i+l] = 0
		line := sa[i : i+l]
		switch sa[i] {
		case '+', '-', 'e', 'E':
			c.Inst = append(c.Inst, line...)
			c.Inst = append(c.Inst, 0)
		case 's':
			k, v := cli.ScanUlong(sa[i+1:])
			c.Size = v
			switch sa[i+1+k] {
			case 'm':
				c.Size *= 1024
				c.Size *= 1024
			case 'k':
				c.Size *= 1024
			}
		case 'n':
			_, c.Num = cli.ScanUlong(sa[i+1:])
		case 'N':
			_, c.Min = cli.ScanUlong(sa[i+1:])
		case 't':
			k, v := cli.ScanUlong(sa[i+1:])
			c.Age = v
			switch sa[i+1+k] {
			case 'h':
				c.Age *= 60
				c.Age *= 60
			case 'm':
				c.Age *= 60
			}
		case '!':
			if l > 1 {
				c.Processor, c.HasProcessor = cstring(sa[i+1:]), true
			}
		case 'U', 'u':
			if sa[i] == 'U' {
				c.UDPOnly = true
			}
			k := ip4Scan(sa[i+1:], &c.UDPAddr)
			if k == 0 {
				c.Warnings = append(c.Warnings, "unable to scan ip address: "+cstring(sa[i+1:]))
				break
			}
			port := uint64(DefaultPort)
			if sa[i+1+k] == ':' {
				_, port = cli.ScanUlong(sa[i+k+2:])
				if port == 0 {
					c.Warnings = append(c.Warnings, "unable to scan port number: "+cstring(sa[i+k+2:]))
					break
				}
			}
			c.UDPPort = uint16(port) // runit's htons truncates too
		case 'p':
			if l > 1 {
				c.Prefix = cstring(sa[i+1:])
			}
		}
		i += l
	}
	return c
}

// AgeDeadline is when a current opened at now must be rotated by age:
// now + t as svlogd.c adds them, TAI64 seconds in a uint64 that wraps. A
// huge t is centuries away; a sum that wraps below now is in the past,
// and C svlogd then rotates at every check, as gorunit does.
func (c *Config) AgeDeadline(now tai64n.Stamp) tai64n.Stamp {
	return tai64n.Stamp{Sec: now.Sec + c.Age, Nano: now.Nano}
}

// ip4Scan is libdjbdns' ip4_scan as svlogd.c has it: four dot-separated
// numbers, each kept modulo 256; it returns the length scanned, 0 if none.
func ip4Scan(s []byte, ip *[4]byte) int {
	n := 0
	for k := range 4 {
		if k > 0 {
			if n >= len(s) || s[n] != '.' {
				return 0
			}
			n++
		}
		j, u := cli.ScanUlong(s[n:])
		if j == 0 {
			return 0
		}
		ip[k] = byte(u)
		n += j
	}
	return n
}

// cstring is s up to its first NUL.
func cstring(s []byte) string {
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return string(s)
}
