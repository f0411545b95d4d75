// Package svctl holds gorunit's operator commands: the steps of the Devuan
// runit howto that are easy to get wrong, each made one safe command of the
// multi-call binary.
//
//	gorunit enable  [-n] [-w sec] [dirs] name   move a daemon from sysvinit to runit
//	gorunit disable [-n] [-w sec] [-k] [-S] [dirs] name
//	gorunit reset   [-n] [-w sec] [-k] [dirs] name   the howto's "state smasher"
//	gorunit summary [--json] [dirs]             one table of every service
//
// where dirs are --svdir DIR (the link directory, $SVDIR, default
// /etc/svlnk), --sv-root DIR (service directories, $GORUNIT_SVROOT, default
// /etc/sv) and --initd DIR (sysvinit scripts, $GORUNIT_INITD, default
// /etc/init.d; the rc?.d directories are its siblings). update-rc.d and
// invoke-rc.d are found on $PATH, then in /usr/sbin and /sbin, unless
// $GORUNIT_UPDATE_RC_D / $GORUNIT_INVOKE_RC_D name them.
//
// They drive runsv only through its supervise/ contract (package supervise):
// the ok FIFO for liveness, status for state, control for commands. No
// `ps | grep`: processes are found in /proc. Every wait is bounded by -w;
// -n prints what would be done and changes nothing. SIGINT and SIGTERM are
// caught: the step under way is finished or undone (a removed link is
// restored, a half-done enable is rolled back), never left half-done.
//
// Progress goes to stdout as "NAME: what happened" lines (with -n, "NAME:
// would ..."); failures go to stderr as "gorunit CMD: fatal: ...". Exit
// codes: 0 done, 1 failed (or interrupted), 100 usage. docs/OPERATOR.md is
// the manual.
package svctl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorunit/gorunit/internal/cli"
)

// Exit codes (s6's scheme, as the brief for new commands asks).
const (
	ExitOK    = 0
	ExitFail  = 1
	ExitUsage = 100
)

// Defaults of the Devuan layout gorunit installs.
const (
	DefaultLinkDir = "/etc/svlnk"
	DefaultSvRoot  = "/etc/sv"
	DefaultInitDir = "/etc/init.d"
	DefaultWait    = 20 * time.Second
)

// Environment variables that override the defaults (flags override them).
const (
	EnvLinkDir   = "SVDIR"
	EnvSvRoot    = "GORUNIT_SVROOT"
	EnvInitDir   = "GORUNIT_INITD"
	EnvUpdateRcD = "GORUNIT_UPDATE_RC_D"
	EnvInvokeRcD = "GORUNIT_INVOKE_RC_D"
)

// pollEvery is how often waits look at supervise/ again.
const pollEvery = 20 * time.Millisecond

var (
	errInterrupted = errors.New("interrupted")
	errTimeout     = errors.New("timed out")
)

// command is one run of one of the commands.
type command struct {
	verb string // enable, disable, reset, summary
	name string // the service

	dryRun, kill, sysv, json bool
	wait                     time.Duration
	linkDir, svRoot, initDir string

	env       cli.Env
	out, errw io.Writer

	// intr delivers SIGINT/SIGTERM; once one arrived, interrupted is set
	// and every later wait returns errInterrupted at once.
	intr        <-chan os.Signal
	interrupted bool
	// hook, when set (tests), is called at the start of each named step.
	hook func(step string)
}

var usages = map[string]string{
	"enable":  " [-n] [-w sec] [--svdir dir] [--sv-root dir] [--initd dir] name",
	"disable": " [-n] [-k] [-S] [-w sec] [--svdir dir] [--sv-root dir] [--initd dir] name",
	"reset":   " [-n] [-k] [-w sec] [--svdir dir] [--sv-root dir] name",
	"summary": " [--json] [--svdir dir]",
}

// Enable is `gorunit enable`.
func Enable(env cli.Env) int { return runMain("enable", env) }

// Disable is `gorunit disable`.
func Disable(env cli.Env) int { return runMain("disable", env) }

// Reset is `gorunit reset`.
func Reset(env cli.Env) int { return runMain("reset", env) }

// Summary is `gorunit summary`.
func Summary(env cli.Env) int { return runMain("summary", env) }

func runMain(verb string, env cli.Env) int {
	c, code := parse(verb, env)
	if c == nil {
		return code
	}
	if verb != "summary" && !c.dryRun {
		ch := make(chan os.Signal, 4)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(ch)
		c.intr = ch
	}
	return c.run()
}

// parse reads the command line; a nil command means exit with code.
func parse(verb string, env cli.Env) (*command, int) {
	c := &command{verb: verb, env: env, out: env.Stdout, errw: env.Stderr, wait: DefaultWait}
	c.linkDir = orDefault(env.Getenv(EnvLinkDir), DefaultLinkDir)
	c.svRoot = orDefault(env.Getenv(EnvSvRoot), DefaultSvRoot)
	c.initDir = orDefault(env.Getenv(EnvInitDir), DefaultInitDir)
	var wait string
	var help bool
	opts := []option{
		{'n', "dry-run", &c.dryRun, nil},
		{'w', "wait", nil, &wait},
		{0, "svdir", nil, &c.linkDir},
		{0, "sv-root", nil, &c.svRoot},
		{0, "initd", nil, &c.initDir},
		{'h', "help", &help, nil},
	}
	switch verb {
	case "disable":
		opts = append(opts, option{'k', "kill", &c.kill, nil}, option{'S', "sysv", &c.sysv, nil})
	case "reset":
		opts = append(opts, option{'k', "kill", &c.kill, nil})
	case "summary":
		opts = append(opts, option{0, "json", &c.json, nil})
	}
	usage := func(msg string) (*command, int) {
		if msg != "" {
			cli.Say(env.Stderr, c.prog(), ": ", msg)
		}
		cli.Usage(env.Stderr, "gorunit "+verb, usages[verb])
		return nil, ExitUsage
	}
	args, err := parseOptions(env.Args[1:], opts)
	if err != nil {
		return usage(err.Error())
	}
	if help {
		return usage("")
	}
	if wait != "" {
		n, err := strconv.Atoi(wait)
		if err != nil || n < 1 || n > 1<<20 {
			return usage("-w wants a number of seconds, at least 1: " + wait)
		}
		c.wait = time.Duration(n) * time.Second
	}
	if verb == "summary" {
		if len(args) != 0 {
			return usage("")
		}
	} else {
		if len(args) != 1 {
			return usage("")
		}
		c.name = args[0]
		if !validName(c.name) {
			cli.Say(env.Stderr, c.prog(), ": fatal: bad service name: ", strconv.Quote(c.name))
			return nil, ExitUsage
		}
	}
	for _, d := range []*string{&c.linkDir, &c.svRoot, &c.initDir} {
		if abs, err := filepath.Abs(*d); err == nil {
			*d = abs
		}
	}
	return c, ExitOK
}

// option is one command-line option: a flag (set) or one taking a value.
type option struct {
	short byte // 0: long form only
	long  string
	set   *bool
	value *string
}

// parseOptions reads options up to the first operand, getopt-style (as
// runit's tools do: "-nk", "-w5", "-w 5", "--" ends options), plus
// "--long" and "--long=value". It returns the operands.
func parseOptions(args []string, opts []option) ([]string, error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return args[i+1:], nil
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			o := findOption(opts, 0, name)
			if o == nil {
				return nil, fmt.Errorf("unknown option --%s", name)
			}
			if o.set != nil {
				if hasVal {
					return nil, fmt.Errorf("option --%s takes no value", name)
				}
				*o.set = true
				continue
			}
			if !hasVal {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("option requires an argument -- %s", name)
				}
				i++
				val = args[i]
			}
			*o.value = val
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				o := findOption(opts, a[j], "")
				if o == nil {
					return nil, fmt.Errorf("illegal option -- %c", a[j])
				}
				if o.set != nil {
					*o.set = true
					continue
				}
				if j+1 < len(a) {
					*o.value = a[j+1:]
				} else if i+1 < len(args) {
					i++
					*o.value = args[i]
				} else {
					return nil, fmt.Errorf("option requires an argument -- %c", a[j])
				}
				break
			}
		default:
			return args[i:], nil
		}
	}
	return nil, nil
}

func findOption(opts []option, short byte, long string) *option {
	for i := range opts {
		if short != 0 && opts[i].short == short || long != "" && opts[i].long == long {
			return &opts[i]
		}
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// validName accepts the names runsvdir would run: a single path element
// that does not start with a dot (runsvdir skips those).
func validName(n string) bool {
	return n != "" && !strings.ContainsRune(n, '/') && n[0] != '.' && !strings.ContainsRune(n, 0)
}

func (c *command) prog() string { return "gorunit " + c.verb }

func (c *command) run() int {
	switch c.verb {
	case "enable":
		return c.enable()
	case "disable":
		return c.disable()
	case "reset":
		return c.reset()
	case "summary":
		return c.summary()
	}
	cli.Say(c.errw, c.prog(), ": fatal: unknown command")
	return cli.ExitBug
}

// say reports a step on stdout as "NAME: pieces".
func (c *command) say(format string, a ...any) {
	cli.Say(c.out, c.name, ": ", fmt.Sprintf(format, a...))
}

// would reports a step -n skips.
func (c *command) would(format string, a ...any) {
	cli.Say(c.out, c.name, ": would ", fmt.Sprintf(format, a...))
}

// warn prints a warning on stderr.
func (c *command) warn(format string, a ...any) {
	cli.Say(c.errw, c.prog(), ": warning: ", c.name, ": ", fmt.Sprintf(format, a...))
}

// fail prints a fatal message on stderr and returns ExitFail.
func (c *command) fail(format string, a ...any) int {
	cli.Say(c.errw, c.prog(), ": fatal: ", c.name, ": ", fmt.Sprintf(format, a...))
	return ExitFail
}

// step marks the start of a named step for tests.
func (c *command) step(s string) {
	if c.hook != nil {
		c.hook(s)
	}
}

// pollIntr notes a pending interrupt without blocking and reports whether
// one has arrived so far.
func (c *command) pollIntr() bool {
	if c.interrupted || c.intr == nil {
		return c.interrupted
	}
	select {
	case <-c.intr:
		c.interrupted = true
	default:
	}
	return c.interrupted
}

// ignoreIntr stops waits from returning early on interrupts: undoing a step
// must run to its end. It returns a function restoring the previous mode.
func (c *command) ignoreIntr() func() {
	saved, was := c.intr, c.interrupted
	c.pollIntr()
	c.intr, c.interrupted = nil, false
	return func() {
		got := c.interrupted
		c.intr, c.interrupted = saved, was || got
	}
}

// waitFor calls f until it returns nil, the wait d is over (errTimeout,
// with f's last error) or an interrupt arrives (errInterrupted).
func (c *command) waitFor(d time.Duration, f func() error) error {
	deadline := time.Now().Add(d)
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		if c.pollIntr() {
			return errInterrupted
		}
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w after %s: %w", errTimeout, d, err)
		}
		select {
		case <-c.intr: // nil channel: never
			c.interrupted = true
		case <-t.C:
		}
	}
}
