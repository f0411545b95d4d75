package svlogd

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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
