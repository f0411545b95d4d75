package svlogd

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/gorunit/gorunit/internal/cli"
)

// TestUDPSameAsRunit sends lines to a local UDP socket through "u" (log
// and send) and "U" (send only) and compares the datagrams and the log
// directories with C svlogd's.
func TestUDPSameAsRunit(t *testing.T) {
	ims := both(t)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no UDP: %v", err)
	}
	defer pc.Close()
	port := pc.LocalAddr().(*net.UDPAddr).Port
	sc := scenario{
		args: []string{"-t", "-l", "6"},
		dirs: []string{"u", "U"},
		config: map[string]string{
			"u": fmt.Sprintf("u127.0.0.1:%d\npU:\n", port),
			"U": fmt.Sprintf("U127.0.0.1:%d\n-*b*\n", port),
		},
		input: "one\ntwo\nabc\nlong line here\n",
	}
	var want []string
	var wantRes result
	for i, im := range ims {
		res := sc.run(t, im)
		var got []string
		buf := make([]byte, 2000)
		for {
			// The datagrams are queued before svlogd exits (loopback).
			pc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				break
			}
			got = append(got, mask(string(buf[:n])))
		}
		if i == 0 {
			want, wantRes = got, res
			if len(want) == 0 {
				t.Fatal("C svlogd sent nothing")
			}
			continue
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("datagrams (-C +gorunit):\n%s", d)
		}
		if d := cmp.Diff(wantRes, res); d != "" {
			t.Errorf("log directories (-C +gorunit):\n%s", d)
		}
	}
}

// TestVersion: -V prints gorunit's $Id$ line, then the usage (exit 111),
// where runit prints its own $Id$.
func TestVersion(t *testing.T) {
	res := scenario{args: []string{"-V"}, dirs: []string{"log"}}.run(t, gorunit(t))
	want := cli.ID() + "\nusage: svlogd" + Usage + "\n\n"
	if res.Exit != ExitUsage || res.Stderr != want {
		t.Errorf("svlogd -V: exit %d, stderr %q; want %d, %q", res.Exit, res.Stderr, ExitUsage, want)
	}
}

// TestExitCodes pins runit's svlogd exit codes.
func TestExitCodes(t *testing.T) {
	if ExitOK != 0 || ExitUsage != 111 || ExitFatal != 111 {
		t.Errorf("exit codes %d/%d/%d, want runit's 0/111/111", ExitOK, ExitUsage, ExitFatal)
	}
	if !strings.HasPrefix(Usage, " [-ttv]") {
		t.Errorf("usage %q", Usage)
	}
}

// TestUDPFullSendBuffer: when the kept socket's send buffer is full
// (datagrams still queued below it, for a busy interface or a neighbour
// not yet resolved), sendto says EAGAIN. runit sends every line from a
// fresh blocking socket, which never finds its buffer full, so it never
// logs "failure sending through udp" for that; gorunit sends the line
// from a fresh socket then, and does not either. The full buffer is real:
// a socket with the smallest SO_SNDBUF sends to an address on a local
// subnet that answers no ARP, whose datagrams wait in the neighbour queue.
func TestUDPFullSendBuffer(t *testing.T) {
	to, ok := unresolvedNeighbour()
	if !ok {
		t.Skip("no IPv4 subnet on a local link")
	}
	full, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.SetsockoptInt(full, unix.SOL_SOCKET, unix.SO_SNDBUF, 1)
	small, _ := unix.GetsockoptInt(full, unix.SOL_SOCKET, unix.SO_SNDBUF)
	filled := false
	for i := 0; i < 1000 && !filled; i++ {
		err := unix.Sendto(full, []byte("fill\n"), 0, to)
		filled = err == unix.EAGAIN
	}
	if !filled {
		unix.Close(full)
		t.Skipf("%v answered: its queue drains", to.Addr)
	}
	a := to.Addr
	l := newTestLogger(t, options{}, fmt.Sprintf("u%d.%d.%d.%d:%d\n", a[0], a[1], a[2], a[3], to.Port))
	l.udp = full
	l.process([]byte("one\ntwo\n"))
	l.flushAll()
	// A fresh socket may get full's number again: tell them apart by
	// their send buffers.
	if l.udp < 0 {
		t.Error("no socket kept")
	} else if n, err := unix.GetsockoptInt(l.udp, unix.SOL_SOCKET, unix.SO_SNDBUF); err != nil || n <= small {
		t.Errorf("kept socket's SO_SNDBUF %d, %v: still the full one (%d)", n, err, small)
	}
	unix.Close(l.udp)
	b, err := os.ReadFile(filepath.Join(l.dirs[0].Name, "current"))
	if err != nil || string(b) != "one\ntwo\n" {
		t.Errorf("current %q, %v; want the two lines and no warning", b, err)
	}
}

// unresolvedNeighbour is the discard port of an address, near the top of
// an IPv4 subnet on a local link (from /proc/net/route), that is not in
// the neighbour table.
func unresolvedNeighbour() (*unix.SockaddrInet4, bool) {
	routes, err := os.ReadFile("/proc/net/route")
	if err != nil {
		return nil, false
	}
	neigh, _ := os.ReadFile("/proc/net/arp")
	for _, line := range strings.Split(string(routes), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 8 || f[0] == "lo" || f[2] != "00000000" {
			continue
		}
		var dst, mask uint32
		if _, err := fmt.Sscanf(f[1]+" "+f[7], "%x %x", &dst, &mask); err != nil || mask == 0 {
			continue
		}
		// /proc/net/route is in host order of a little-endian machine's
		// network-order words: byte 0 is the first octet.
		net4 := [4]byte{byte(dst), byte(dst >> 8), byte(dst >> 16), byte(dst >> 24)}
		m4 := [4]byte{byte(mask), byte(mask >> 8), byte(mask >> 16), byte(mask >> 24)}
		if m4[3] >= 0xf8 { // under 8 addresses: none to spare
			continue
		}
		for host := byte(250); host > 200; host-- {
			a := net4
			a[3] |= host &^ m4[3]
			if a == net4 || strings.Contains(string(neigh), fmt.Sprintf("%d.%d.%d.%d ", a[0], a[1], a[2], a[3])) {
				continue
			}
			return &unix.SockaddrInet4{Port: 9, Addr: a}, true
		}
	}
	return nil, false
}
