package sv

// Act is what sv does to each service before any waiting.
type Act int

const (
	ActControl Act = iota // write Plan.Acts to supervise/control
	ActStatus             // print the status line
	ActNone               // nothing: check only waits
)

// Plan is a command word decided: what to send, whether and for what to
// wait, and whether a timeout kills. It is runit 2.1.2 sv.c main's switch.
type Plan struct {
	Act  Act
	Acts string // control bytes to send, and the wait conditions in order
	Wait bool   // wait even without -v
	Kill bool   // force-*: on timeout print "kill:" and send 'k'
}

// ParseCommand decides what the command word means. ok is false when it
// is a usage error. lsb is init-script mode, where the only s… word that
// means status is "status" itself. verbose (-v or -w) makes every command
// but status wait.
//
// Only the first character matters, except for the exact words check,
// try-restart, start, stop, shutdown, status (in LSB mode), restart,
// reload and force-{reload,restart,shutdown,stop}.
func ParseCommand(word string, lsb, verbose bool) (p Plan, ok bool) {
	if word == "" {
		return Plan{}, false
	}
	p = Plan{Act: ActControl, Wait: verbose}
	switch c := word[0]; c {
	case 'x', 'e':
		p.Acts = "x"
	case 'X', 'E':
		p.Acts, p.Kill, p.Wait = "x", true, true
	case 'D':
		p.Acts, p.Kill, p.Wait = "d", true, true
	case 'T':
		p.Acts, p.Kill, p.Wait = "tc", true, true
	case 't', 'c', 'u', 'd', 'o', 'p', 'h', 'a', 'i', 'k', 'q', '1', '2':
		// sv.c falls from 't' into 'c' into the single letters.
		switch {
		case word == "try-restart":
			p.Acts, p.Wait = "tc", true
		case word == "check":
			p.Act, p.Acts, p.Wait = ActNone, "C", true
		default:
			p.Acts = string(c)
		}
	case 's':
		switch word {
		case "shutdown":
			p.Acts, p.Wait = "x", true
		case "start":
			p.Acts, p.Wait = "u", true
		case "stop":
			p.Acts, p.Wait = "d", true
		default:
			if lsb && word != "status" {
				return Plan{}, false
			}
			// Any other s… word is status, and status never waits.
			p = Plan{Act: ActStatus, Acts: "s"}
		}
	case 'r':
		switch word {
		case "restart":
			p.Acts, p.Wait = "tcu", true
		case "reload":
			p.Acts, p.Wait = "h", true
		default:
			return Plan{}, false
		}
	case 'f':
		switch word {
		case "force-reload":
			p.Acts = "tc"
		case "force-restart":
			p.Acts = "tcu"
		case "force-shutdown":
			p.Acts = "x"
		case "force-stop":
			p.Acts = "d"
		default:
			return Plan{}, false
		}
		p.Kill, p.Wait = true, true
	default:
		return Plan{}, false
	}
	return p, true
}
