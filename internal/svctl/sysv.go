package svctl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorunit/gorunit/internal/cli"
)

// twinScripts names the sysvinit scripts Debian and Devuan ship for daemons
// whose runit service is usually named after the daemon. The service's own
// name is always tried first, so only differing names are listed.
var twinScripts = map[string][]string{
	"sshd":        {"ssh"},
	"ntpd":        {"ntpsec", "ntp", "openntpd"},
	"crond":       {"cron"},
	"rsyslogd":    {"rsyslog"},
	"syslogd":     {"rsyslog", "inetutils-syslogd", "sysklogd"},
	"chronyd":     {"chrony"},
	"dhcpd":       {"isc-dhcp-server"},
	"named":       {"bind9"},
	"dbus-daemon": {"dbus"},
	"avahi":       {"avahi-daemon"},
	"exim":        {"exim4"},
	"mysqld":      {"mariadb", "mysql"},
	"postgres":    {"postgresql"},
	"cupsd":       {"cups"},
	"httpd":       {"apache2"},
	"dnsmasqd":    {"dnsmasq"},
}

// scriptTimeout bounds every run of an init script or of update-rc.d.
const scriptTimeout = 60 * time.Second

// twin is a sysvinit script that would run the same daemon.
type twin struct {
	script  string   // its name in init.d
	path    string   // init.d/script
	enabled []string // its start links: "rc2.d/S01ssh"
	running bool     // `script status` exits 0
}

// candidates lists the script names that may run service name.
func candidates(name string) []string {
	out := []string{name}
	for _, s := range twinScripts[name] {
		if s != name {
			out = append(out, s)
		}
	}
	return out
}

// rcDirs are the runlevel directories beside init.d, and the levels a
// daemon starts in (update-rc.d disable turns 2-5 into K links).
var (
	rcAll     = []string{"0", "1", "2", "3", "4", "5", "6", "S"}
	rcStarted = []string{"2", "3", "4", "5", "S"}
)

func (c *command) rcRoot() string { return filepath.Dir(c.initDir) }

// links lists script's rc links of the given kinds ("S", "SK") in the
// given levels, as "rcN.d/NAME".
func (c *command) links(script, kinds string, levels []string) []string {
	var out []string
	for _, lv := range levels {
		d := "rc" + lv + ".d"
		ents, err := os.ReadDir(filepath.Join(c.rcRoot(), d))
		if err != nil {
			continue
		}
		for _, e := range ents {
			if isRcLink(e.Name(), script, kinds) {
				out = append(out, d+"/"+e.Name())
			}
		}
	}
	return out
}

// isRcLink matches sysv-rc's link names: S or K, two digits, the script.
func isRcLink(n, script, kinds string) bool {
	return len(n) == 3+len(script) && strings.IndexByte(kinds, n[0]) >= 0 &&
		n[1] >= '0' && n[1] <= '9' && n[2] >= '0' && n[2] <= '9' && n[3:] == script
}

// isRunitScript tells an init.d entry that is runit itself (sv's LSB mode:
// /etc/init.d/foo -> /usr/bin/sv) from a sysvinit twin.
func isRunitScript(p string) bool {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return false
	}
	switch filepath.Base(real) {
	case "sv", "gorunit":
		return true
	}
	return false
}

// twins finds the sysvinit scripts for the service that exist, with their
// start links, and (unless skipRunning) whether their status says running.
func (c *command) twins(skipRunning bool) []twin {
	var out []twin
	for _, s := range candidates(c.name) {
		p := filepath.Join(c.initDir, s)
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if isRunitScript(p) {
			c.say("%s runs sv (runit's LSB mode): not a sysvinit twin", p)
			continue
		}
		t := twin{script: s, path: p, enabled: c.links(s, "S", rcStarted)}
		if !skipRunning && fi.Mode()&0o111 != 0 {
			code, _, err := c.runTool([]string{p, "status"})
			t.running = err == nil && code == 0
		}
		out = append(out, t)
	}
	return out
}

// toolPath finds update-rc.d or invoke-rc.d: $GORUNIT_…, else on $PATH,
// else in /usr/sbin and /sbin, where Debian puts them (and where a non-root
// PATH does not look).
func (c *command) toolPath(env, name string) string {
	if p := c.env.Getenv(env); p != "" {
		return p
	}
	return c.lookPath(name)
}

// lookPath finds an executable on $PATH, then in /usr/sbin and /sbin.
func (c *command) lookPath(name string) string {
	path := c.env.Getenv("PATH") + ":/usr/sbin:/sbin"
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// runTool runs argv with stdin /dev/null and its output in a temporary file
// (a daemon an init script starts may keep the descriptor open: a pipe
// would never see EOF), in its own process group so that a ^C meant for
// gorunit does not cut an init script short. It waits at most
// scriptTimeout, then kills it.
func (c *command) runTool(argv []string) (code int, out string, err error) {
	f, err := os.CreateTemp("", "gorunit-svctl-")
	if err != nil {
		return 0, "", err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	var env []string
	if c.env.Environ != nil {
		env = c.env.Environ()
	}
	path := argv[0]
	if !strings.Contains(path, "/") {
		if path = c.lookPath(path); path == "" {
			return -1, "", fmt.Errorf("%s: %w", argv[0], fs.ErrNotExist)
		}
	}
	code, err = spawn(append([]string{path}, argv[1:]...), "", env, f, true, scriptTimeout)
	b, _ := os.ReadFile(f.Name())
	return code, string(b), err
}

// runStep runs one operator-visible command, echoing it and its output.
func (c *command) runStep(argv []string) error {
	line := strings.Join(argv, " ")
	if c.dryRun {
		c.would("run: %s", line)
		return nil
	}
	c.say("running: %s", line)
	code, out, err := c.runTool(argv)
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if l != "" {
			c.say("  | %s", l)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %s", line, cli.ErrStr(err))
	}
	if code != 0 {
		return fmt.Errorf("%s: exit %d", line, code)
	}
	return nil
}

// updateRcD runs update-rc.d SCRIPT ACTION (disable, enable, defaults).
func (c *command) updateRcD(t twin, action string) error {
	p := c.toolPath(EnvUpdateRcD, "update-rc.d")
	if p == "" {
		return errors.New("update-rc.d not found (install sysv-rc, or set " + EnvUpdateRcD + ")")
	}
	return c.runStep([]string{p, t.script, action})
}

// invokeRcD runs invoke-rc.d SCRIPT ACTION, falling back to the script
// itself when invoke-rc.d is missing or fails (its policy layer may refuse
// what the operator asked for explicitly).
func (c *command) invokeRcD(t twin, action string) error {
	if p := c.toolPath(EnvInvokeRcD, "invoke-rc.d"); p != "" {
		err := c.runStep([]string{p, t.script, action})
		if err == nil {
			return nil
		}
		c.say("%s; trying %s %s", err, t.path, action)
	}
	return c.runStep([]string{t.path, action})
}

// disableTwin turns the twin's start links into stop links and checks it
// worked.
func (c *command) disableTwin(t twin) error {
	if err := c.updateRcD(t, "disable"); err != nil {
		return err
	}
	if c.dryRun {
		return nil
	}
	if left := c.links(t.script, "S", rcStarted[:4]); len(left) > 0 {
		return fmt.Errorf("update-rc.d %s disable left start links: %s", t.script, strings.Join(left, " "))
	}
	if left := c.links(t.script, "S", []string{"S"}); len(left) > 0 {
		c.warn("%s still starts in runlevel S: %s", t.script, strings.Join(left, " "))
	}
	return nil
}

// stopTwin stops the twin and checks its status no longer says running.
func (c *command) stopTwin(t twin) error {
	if err := c.invokeRcD(t, "stop"); err != nil {
		return err
	}
	if c.dryRun {
		return nil
	}
	if code, _, err := c.runTool([]string{t.path, "status"}); err == nil && code == 0 {
		return fmt.Errorf("%s status still says running after stop", t.path)
	}
	c.say("%s is stopped", t.script)
	return nil
}

// enableTwin undoes disableTwin: update-rc.d enable, or defaults when the
// script has no rc links at all (enable only renames existing ones).
func (c *command) enableTwin(t twin) error {
	action := "enable"
	if len(c.links(t.script, "SK", rcAll)) == 0 {
		action = "defaults"
	}
	return c.updateRcD(t, action)
}

// scriptExists is for -S: there must be a script to give the daemon back to.
func (c *command) firstTwin() (twin, error) {
	for _, s := range candidates(c.name) {
		p := filepath.Join(c.initDir, s)
		fi, err := os.Stat(p)
		if err == nil && fi.Mode().IsRegular() && !isRunitScript(p) {
			return twin{script: s, path: p}, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return twin{}, fmt.Errorf("unable to stat %s: %s", p, cli.ErrStr(err))
		}
	}
	return twin{}, fmt.Errorf("no sysvinit script for %s in %s (tried %s)", c.name, c.initDir, strings.Join(candidates(c.name), ", "))
}
