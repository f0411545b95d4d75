package chpst

import (
	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/uidgid"
)

// Limits are indexed in the order chpst.c's slimit applies them.
const (
	limData = iota
	limStack
	limMemlock
	limAS
	limNofile
	limNproc
	limFsize
	limCore
	limRSS
	limCPU
	numLimits
)

// Limit values as chpst.c keeps them in longs: unset is -2, -1 means "the
// hard limit" (softlimit's "="). A number is stored as scan_ulong read it
// and then converted to long, so a huge one can become negative: -1
// behaves as "=", anything below -1 as unset. Kept for fidelity.
const (
	limUnset = -2
	limHard  = -1
)

// Plan is what chpst will do, decided from argv before anything is done.
type Plan struct {
	Prog    string // the name chpst goes by (Progname)
	Verbose bool
	Setsid  bool

	// A nil string option was not given; an empty one was (runit
	// tests its pointers, so "-e ''" tries to read the directory "").
	EnvDir       *string
	EnvDirStrict bool // envdir alias: a subdirectory entry is fatal

	Root *string
	Nice int64 // 0: leave alone

	EnvUser    *string // -U / envuidgid
	EnvUserExt bool    // user[:group...] (chpst -U) rather than an account
	SetUser    *string // -u / setuidgid
	SetUserExt bool

	Lock      *string
	LockWait  bool
	LockQuiet bool // setlock -x: exit 0 silently on lock or exec failure

	Close [3]bool // -0 -1 -2

	Limits [numLimits]int64

	File string   // what to execute (searched on PATH), argv[0] as given
	Argv []string // the program's argv, argv[0] replaced by -b
}

func newPlan(prog string) Plan {
	p := Plan{Prog: prog}
	for i := range p.Limits {
		p.Limits[i] = limUnset
	}
	return p
}

// number parses a numeric option as chpst.c does: scan_ulong must read the
// whole argument (an empty one reads as 0), the result is a long.
func number(s string) (int64, bool) {
	n, i := uidgid.ScanUlong(s)
	return int64(n), i == len(s)
}

// Parse reads argv into a Plan. When ok is false, it has printed its
// message and code is the exit code.
func Parse(env cli.Env) (p Plan, code int, ok bool) {
	argv := env.Args
	argv0 := "chpst"
	if len(argv) > 0 {
		argv0 = argv[0]
	} else {
		argv = []string{argv0}
	}
	prog := Progname(argv0)
	switch prog {
	case "setuidgid", "envuidgid":
		return parseAccount(env, prog, argv)
	case "envdir":
		return parseEnvdir(env, prog, argv)
	case "pgrphack":
		return parsePgrphack(env, prog, argv)
	case "setlock":
		return parseSetlock(env, prog, argv)
	case "softlimit":
		return parseSoftlimit(env, prog, argv)
	}
	return parseMain(env, prog, argv)
}

func usage(env cli.Env, prog, u string) (Plan, int, bool) {
	cli.Usage(env.Stderr, prog, u)
	return Plan{}, ExitUsage, false
}

func parseMain(env cli.Env, prog string, argv []string) (Plan, int, bool) {
	p := newPlan(prog)
	var argv0 *string
	g := cli.NewGetopt(argv, "u:U:b:e:m:d:o:p:f:c:r:t:/:n:l:L:vP012V", env.Stderr)
	for {
		c := g.Next()
		if c == 0 {
			break
		}
		set := func(i int) bool {
			n, ok := number(g.Arg)
			p.Limits[i] = n
			return ok
		}
		ok := true
		switch c {
		case 'u':
			p.SetUser, p.SetUserExt = ptr(g.Arg), true
		case 'U':
			p.EnvUser, p.EnvUserExt = ptr(g.Arg), true
		case 'b':
			argv0 = ptr(g.Arg)
		case 'e':
			p.EnvDir = ptr(g.Arg)
		case 'm':
			var n int64
			n, ok = number(g.Arg)
			p.Limits[limStack], p.Limits[limMemlock], p.Limits[limAS], p.Limits[limData] = n, n, n, n
		case 'd':
			ok = set(limData)
		case 'o':
			ok = set(limNofile)
		case 'p':
			ok = set(limNproc)
		case 'f':
			ok = set(limFsize)
		case 'c':
			ok = set(limCore)
		case 'r':
			ok = set(limRSS)
		case 't':
			ok = set(limCPU)
		case '/':
			p.Root = ptr(g.Arg)
		case 'n':
			p.Nice, ok = niceArg(g.Arg)
		case 'l', 'L':
			// A second lock option is a usage error (chpst.c).
			if p.Lock != nil {
				ok = false
			}
			p.Lock, p.LockWait = ptr(g.Arg), c == 'l'
		case 'v':
			p.Verbose = true
		case 'P':
			p.Setsid = true
		case '0', '1', '2':
			p.Close[c-'0'] = true
		case 'V':
			// Prints the version, then falls through to usage.
			cli.Say(env.Stderr, cli.ID())
			ok = false
		default: // '?'
			ok = false
		}
		if !ok {
			return usage(env, prog, usageMain)
		}
	}
	rest := g.Rest()
	if len(rest) == 0 {
		return usage(env, prog, usageMain)
	}
	p.File = rest[0]
	p.Argv = append([]string(nil), rest...)
	if argv0 != nil {
		p.Argv[0] = *argv0
	}
	return p, 0, true
}

// niceArg reads -n's argument: "-N", "+N" or "N" (chpst.c).
func niceArg(s string) (int64, bool) {
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	} else if s != "" && s[0] == '+' {
		s = s[1:]
	}
	n, ok := number(s)
	if neg {
		n = -n
	}
	return n, ok
}

func parseAccount(env cli.Env, prog string, argv []string) (Plan, int, bool) {
	u := usageSetuidgid
	if prog == "envuidgid" {
		u = usageEnvuidgid
	}
	if len(argv) < 3 {
		return usage(env, prog, u)
	}
	p := newPlan(prog)
	if prog == "setuidgid" {
		p.SetUser = ptr(argv[1])
	} else {
		p.EnvUser = ptr(argv[1])
	}
	p.File, p.Argv = argv[2], argv[2:]
	return p, 0, true
}

func parseEnvdir(env cli.Env, prog string, argv []string) (Plan, int, bool) {
	if len(argv) < 3 {
		return usage(env, prog, usageEnvdir)
	}
	p := newPlan(prog)
	p.EnvDir, p.EnvDirStrict = ptr(argv[1]), true
	p.File, p.Argv = argv[2], argv[2:]
	return p, 0, true
}

func parsePgrphack(env cli.Env, prog string, argv []string) (Plan, int, bool) {
	if len(argv) < 2 {
		return usage(env, prog, usagePgrphack)
	}
	p := newPlan(prog)
	p.Setsid = true
	p.File, p.Argv = argv[1], argv[1:]
	return p, 0, true
}

func parseSetlock(env cli.Env, prog string, argv []string) (Plan, int, bool) {
	p := newPlan(prog)
	g := cli.NewGetopt(argv, "nNxX", env.Stderr)
	for {
		c := g.Next()
		if c == 0 {
			break
		}
		switch c {
		case 'n':
			p.LockWait = true
		case 'N':
			p.LockWait = false
		case 'x':
			p.LockQuiet = true
		case 'X':
			p.LockQuiet = false
		default:
			return usage(env, prog, usageSetlock)
		}
	}
	rest := g.Rest()
	if len(rest) < 2 {
		return usage(env, prog, usageSetlock)
	}
	p.Lock = ptr(rest[0])
	p.File, p.Argv = rest[1], rest[1:]
	return p, 0, true
}

func parseSoftlimit(env cli.Env, prog string, argv []string) (Plan, int, bool) {
	p := newPlan(prog)
	g := cli.NewGetopt(argv, "a:c:d:f:l:m:o:p:r:s:t:", env.Stderr)
	for {
		c := g.Next()
		if c == 0 {
			break
		}
		if c == '?' {
			return usage(env, prog, usageSoftlimit)
		}
		// getlarg: "=" is the hard limit; a bad number prints chpst's
		// main usage (under softlimit's name), not softlimit's.
		n := int64(limHard)
		if g.Arg != "=" {
			var ok bool
			if n, ok = number(g.Arg); !ok {
				return usage(env, prog, usageMain)
			}
		}
		switch c {
		case 'a':
			p.Limits[limAS] = n
		case 'c':
			p.Limits[limCore] = n
		case 'd':
			p.Limits[limData] = n
		case 'f':
			p.Limits[limFsize] = n
		case 'l':
			p.Limits[limMemlock] = n
		case 'm':
			p.Limits[limData], p.Limits[limStack], p.Limits[limMemlock], p.Limits[limAS] = n, n, n, n
		case 'o':
			p.Limits[limNofile] = n
		case 'p':
			p.Limits[limNproc] = n
		case 'r':
			p.Limits[limRSS] = n
		case 's':
			p.Limits[limStack] = n
		case 't':
			p.Limits[limCPU] = n
		}
	}
	rest := g.Rest()
	if len(rest) == 0 {
		return usage(env, prog, usageSoftlimit)
	}
	p.File, p.Argv = rest[0], rest
	return p, 0, true
}

func ptr(s string) *string { return &s }
