package netisup

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/svtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	svtest.Cleanup()
	os.Exit(code)
}

func run(args ...string) (string, string, int) {
	var out, errb strings.Builder
	code := Main(cli.Env{Args: args, Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Environ: os.Environ})
	return out.String(), errb.String(), code
}

// listener is a TCP listener on 127.0.0.1 that accepts and closes.
func listener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// closedPort is a loopback port nothing listens on (bound, then released).
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return strconv.Itoa(p)
}

// blackhole is a loopback port whose SYNs are dropped: a socket listening
// with backlog 0 that never accepts, its queue filled by one connection.
// Linux drops SYNs to a full accept queue, so a further connect neither
// succeeds nor fails until it times out. Traffic stays on loopback.
func blackhole(t *testing.T) string {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(sa.(*unix.SockaddrInet4).Port)
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return port
}

func TestProbe(t *testing.T) {
	up := listener(t)
	closed := closedPort(t)
	hole := blackhole(t)
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
		code   int
	}{
		{"up", []string{"netisup", "127.0.0.1", up}, "", 0},
		{"up verbose", []string{"netisup", "-v", "127.0.0.1", up}, "netisup: 127.0.0.1 " + up + ": up\n", 0},
		{"options last", []string{"netisup.sh", "127.0.0.1", up, "-w", "5", "-v"}, "netisup.sh: 127.0.0.1 " + up + ": up\n", 0},
		{"closed", []string{"netisup", "127.0.0.1", closed}, "", 1},
		{"closed verbose", []string{"netisup", "-v", "127.0.0.1", closed}, "netisup: 127.0.0.1 " + closed + ": down: connection refused\n", 1},
		{"timeout", []string{"netisup", "-w", "0.3", "127.0.0.1", hole}, "", 1},
		{"timeout verbose", []string{"netisup", "-vw0.3", "127.0.0.1", hole}, "netisup: 127.0.0.1 " + hole + ": down: timed out\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := run(tc.args...)
			if stdout != "" || stderr != tc.stderr || code != tc.code {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit %d, stderr %q", code, stdout, stderr, tc.code, tc.stderr)
			}
		})
	}
}

// TestTimeoutIsHonoured checks the timeout path ends: a generous upper
// bound only (no timing assertion beyond "it did not hang").
func TestTimeoutIsHonoured(t *testing.T) {
	hole := blackhole(t)
	done := make(chan int, 1)
	go func() { _, _, code := run("netisup", "-w", "0.2", "127.0.0.1", hole); done <- code }()
	select {
	case code := <-done:
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("netisup -w 0.2 still running after 20s")
	}
}

func TestBadArguments(t *testing.T) {
	const usage = "usage: netisup [-v] [-w seconds] host port\n\n"
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no operands", []string{"netisup"}, usage},
		{"one operand", []string{"netisup", "127.0.0.1"}, usage},
		{"three operands", []string{"netisup", "a", "1", "b"}, usage},
		{"bad port", []string{"netisup", "127.0.0.1", "99999"}, "netisup: fatal: invalid port: 99999\n"},
		{"zero port", []string{"netisup", "127.0.0.1", "0"}, "netisup: fatal: invalid port: 0\n"},
		{"signed port", []string{"netisup", "127.0.0.1", "+80"}, "netisup: fatal: invalid port: +80\n"},
		{"unknown service", []string{"netisup", "127.0.0.1", "no-such-service"}, "netisup: fatal: invalid port: no-such-service\n"},
		{"empty host", []string{"netisup", "", "80"}, "netisup: fatal: invalid host: (empty)\n"},
		{"bad seconds", []string{"netisup", "-w", "soon", "127.0.0.1", "80"}, "netisup: fatal: invalid seconds: soon\n"},
		{"zero seconds", []string{"netisup", "-w", "0", "127.0.0.1", "80"}, "netisup: fatal: invalid seconds: 0\n"},
		{"negative seconds", []string{"netisup", "127.0.0.1", "80", "-w", "-1"}, "netisup: fatal: invalid seconds: -1\n"},
		{"missing seconds", []string{"netisup", "127.0.0.1", "80", "-w"}, "netisup: option requires an argument -- w\n" + usage},
		{"illegal option", []string{"netisup", "-x", "127.0.0.1", "80"}, "netisup: illegal option -- x\n" + usage},
		{"version", []string{"netisup", "-V"}, cli.ID() + "\n" + usage},
		{"as netisup.sh", []string{"/usr/bin/netisup.sh"}, "usage: netisup.sh [-v] [-w seconds] host port\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := run(tc.args...)
			if code != ExitUsage || stdout != "" {
				t.Errorf("exit %d stdout %q, want %d and nothing", code, stdout, ExitUsage)
			}
			if diff := cmp.Diff(tc.stderr, stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Args
	}{
		{[]string{"netisup", "h", "80"}, Args{Host: "h", Port: "80", Timeout: DefaultTimeout}},
		{[]string{"netisup", "-w", "5", "h", "80"}, Args{Host: "h", Port: "80", Timeout: 5 * time.Second}},
		{[]string{"netisup", "h", "80", "-w1.5"}, Args{Host: "h", Port: "80", Timeout: 1500 * time.Millisecond}},
		{[]string{"netisup", "-vw", "3", "h", "ssh"}, Args{Host: "h", Port: "ssh", Timeout: 3 * time.Second, Verbose: true}},
		{[]string{"netisup", "--", "h", "80"}, Args{Host: "h", Port: "80", Timeout: DefaultTimeout}},
		{[]string{"netisup", "::1", "80"}, Args{Host: "::1", Port: "80", Timeout: DefaultTimeout}},
	} {
		got, msg, usage := Parse(tc.args)
		if msg != "" || usage {
			t.Errorf("Parse(%q): %q, usage %v", tc.args, msg, usage)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tc.args, diff)
		}
	}
}

// TestBox runs the real binary under both names against loopback.
func TestBox(t *testing.T) {
	box := svtest.Box(t)
	up := listener(t)
	closed := closedPort(t)
	for _, name := range []string{"netisup", "netisup.sh"} {
		for port, want := range map[string]int{up: 0, closed: 1} {
			cmd := exec.Command(filepath.Join(box, name), "127.0.0.1", port)
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != want || len(out) != 0 {
				t.Errorf("%s 127.0.0.1 %s: exit %d output %q, want exit %d, silent", name, port, code, out, want)
			}
		}
	}
}

// TestNetns runs netisup in a network namespace of its own, where
// loopback is down: the connection fails at once, and nothing leaves the
// namespace. Needs root and unshare(1).
func TestNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare")
	}
	box := svtest.Box(t)
	cmd := exec.Command(unshare, "-n", filepath.Join(box, "netisup"), "-v", "127.0.0.1", "80")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		if strings.Contains(string(out), "unshare failed") {
			t.Skipf("cannot make a network namespace: %s", out)
		}
		t.Fatalf("got %v, %q; want exit 1", err, out)
	}
	if want := "netisup: 127.0.0.1 80: down: network unreachable\n"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}
