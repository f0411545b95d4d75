// Package netisup is gorunit's netisup: is a TCP service reachable? It is
// the network readiness test of the Devuan runit howto ("netisup.sh", a
// shell wrapper around nc -w2 -z), made a tool of its own. Not in runit.
//
//	netisup [-v] [-w seconds] host port
//
// Exits 0 when a TCP connection to host:port is established within the
// timeout (default 2 seconds, covering name lookup and connect), else 1.
// The connection is closed at once; nothing is sent. Nothing is printed
// unless -v, which reports "netisup: host port: up" or "... down: reason"
// on stderr. Options may come before or after the operands. host is a
// name or an address (names resolve through /etc/hosts and DNS, no NSS);
// port is a number or a service name from /etc/services.
//
// Exit codes: 0 up, 1 down, 100 usage or bad arguments.
package netisup

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gorunit/gorunit/internal/cli"
)

// Exit codes.
const (
	ExitUp    = 0
	ExitDown  = 1
	ExitUsage = 100
)

// DefaultTimeout is nc -w2's, as the howto's netisup.sh uses it.
const DefaultTimeout = 2 * time.Second

const usageText = " [-v] [-w seconds] host port"

// Args is a parsed command line.
type Args struct {
	Host, Port string
	Timeout    time.Duration
	Verbose    bool
}

// Parse reads argv. On a problem it returns a message for stderr
// (without the newline) and whether the usage should follow it.
func Parse(argv []string) (a Args, msg string, usage bool) {
	a.Timeout = DefaultTimeout
	prog := "netisup"
	if len(argv) > 0 {
		prog = cli.Basename(argv[0])
	}
	var operands []string
	args := argv[1:]
	for i := 0; i < len(args); i++ {
		w := args[i]
		if w == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		if len(w) < 2 || w[0] != '-' {
			operands = append(operands, w)
			continue
		}
		for j := 1; j < len(w); j++ {
			switch c := w[j]; c {
			case 'v':
				a.Verbose = true
			case 'w':
				v := w[j+1:]
				if v == "" {
					if i+1 >= len(args) {
						return a, prog + ": option requires an argument -- w", true
					}
					i++
					v = args[i]
				}
				d, ok := seconds(v)
				if !ok {
					return a, prog + ": fatal: invalid seconds: " + v, false
				}
				a.Timeout = d
				j = len(w)
			case 'V':
				return a, cli.ID(), true
			default:
				return a, prog + ": illegal option -- " + string(c), true
			}
		}
	}
	if len(operands) != 2 {
		return a, "", true
	}
	a.Host, a.Port = operands[0], operands[1]
	if a.Host == "" {
		return a, prog + ": fatal: invalid host: (empty)", false
	}
	if !validPort(a.Port) {
		return a, prog + ": fatal: invalid port: " + a.Port, false
	}
	return a, "", false
}

// seconds reads a positive timeout: whole or decimal seconds.
func seconds(s string) (time.Duration, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f > 0) || f > 1e9 || strings.ContainsAny(s, "eExXpPnNiI_") {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

func validPort(p string) bool {
	if p == "" {
		return false
	}
	if n, err := strconv.Atoi(p); err == nil {
		return n > 0 && n < 65536 && p[0] != '+' && p[0] != '-'
	}
	_, err := net.LookupPort("tcp", p)
	return err == nil
}

// Main runs netisup.
func Main(env cli.Env) int {
	argv := env.Args
	if len(argv) == 0 {
		argv = []string{"netisup"}
	}
	a, msg, usage := Parse(argv)
	if msg != "" {
		cli.Say(env.Stderr, msg)
	}
	if usage {
		cli.Usage(env.Stderr, cli.Basename(argv[0]), usageText)
	}
	if msg != "" || usage {
		return ExitUsage
	}
	err := Probe(context.Background(), a.Host, a.Port, a.Timeout)
	if a.Verbose {
		prog := cli.Basename(argv[0])
		if err == nil {
			cli.Say(env.Stderr, prog, ": ", a.Host, " ", a.Port, ": up")
		} else {
			cli.Say(env.Stderr, prog, ": ", a.Host, " ", a.Port, ": down: ", reason(err))
		}
	}
	if err != nil {
		return ExitDown
	}
	return ExitUp
}

// Probe connects to host:port over TCP within timeout and closes the
// connection at once.
func Probe(ctx context.Context, host, port string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	return c.Close()
}

// reason words err as runit would where it can.
func reason(err error) string {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return "timed out"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if dns.IsTimeout {
			return "timed out"
		}
		return "unable to resolve " + dns.Name + ": " + dns.Err
	}
	return cli.ErrStr(err)
}
