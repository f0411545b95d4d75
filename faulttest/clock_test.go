//go:build faulttest

package faulttest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/svtest"
)

// faketime works through LD_PRELOAD, which static Go binaries never load:
// this checks whether it reaches the box's svlogd at all.
func TestClockFaketime(t *testing.T) {
	const name = "clock-faketime"
	if _, err := exec.LookPath("faketime"); err != nil {
		skip(t, name, "faketime not installed (wall-clock jumps are tested in the VM: make vmtest, clock-back and clock-forward)")
	}
	box := svtest.Box(t)
	// svlogd -tt stamps lines "YYYY-MM-DD_...".
	dir := t.TempDir()
	cmd := exec.Command("faketime", "2001-01-01 00:00:00", filepath.Join(box, "svlogd"), "-tt", dir)
	cmd.Stdin = strings.NewReader("x\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		fail(t, name, "svlogd under faketime: %v %s", err, out)
		return
	}
	b, _ := os.ReadFile(dir + "/current")
	if !strings.HasPrefix(string(b), "2001-") {
		skip(t, name, "faketime does not reach static Go binaries (no LD_PRELOAD; stamp %.25q): wall-clock jumps are tested in the VM instead: make vmtest, clock-back and clock-forward", b)
	}
	pass(t, name, "(faketime reaches svlogd: %q)", b)
}

// runsv and svlogd in a time namespace whose monotonic and boot clocks are
// far ahead of (or just above zero in) the host's: the restart throttle
// neither sticks nor disappears, and age rotation (t2) neither storms nor
// stops.
func TestClockNamespace(t *testing.T) {
	up, _ := os.ReadFile("/proc/uptime")
	upSecs, _ := strconv.ParseFloat(strings.Fields(string(up))[0], 64)
	for _, c := range []struct {
		name   string
		offset int64
	}{
		{"clock-monotonic+10y", 315360000},
		{"clock-monotonic-near-zero", -int64(upSecs) + 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := c.name
			if err := exec.Command("unshare", "-T", "--fork", "--monotonic", fmt.Sprint(c.offset), "true").Run(); err != nil {
				skip(t, name, "no time namespace (unshare -T): %v", err)
			}
			r := newRig(t)
			dir := filepath.Join(r.sv, "tick")
			r.script(dir+"/run", "#!/bin/sh\necho \"tick $$\"\necho $$ >>starts\nexit 1\n")
			r.script(dir+"/log/run", "#!/bin/sh\nexec svlogd main\n")
			os.MkdirAll(dir+"/log/main", 0o755)
			os.WriteFile(dir+"/log/main/config", []byte("t2\n"), 0o644)
			off := fmt.Sprint(c.offset)
			r.rsd = r.start("runsvdir", r.sv, r.env, "unshare", "-T", "--fork", "--monotonic", off, "--boottime", off, "--",
				filepath.Join(r.box, "runsvdir"), "-P", r.sv)
			starts := func() int {
				b, _ := os.ReadFile(dir + "/starts")
				return strings.Count(string(b), "\n")
			}
			rotated := func() int {
				ents, _ := os.ReadDir(dir + "/log/main")
				n := 0
				for _, e := range ents {
					if strings.HasPrefix(e.Name(), "@") {
						n++
					}
				}
				return n
			}
			svtest.WaitFor(t, 30*time.Second, func() error {
				if starts() < 1 {
					return fmt.Errorf("not started")
				}
				return nil
			})
			t0, s0, r0 := time.Now(), starts(), rotated()
			svtest.Poll(60*time.Second, func() error {
				if time.Since(t0) < 6*time.Second || starts() < s0+3 {
					return fmt.Errorf("measuring")
				}
				return nil
			})
			el := time.Since(t0).Seconds()
			n, rot := starts()-s0, rotated()-r0
			switch {
			case n < 2:
				fail(t, name, "%d restarts in %.1fs: throttle stuck", n, el)
			case float64(n) > el+2:
				fail(t, name, "%d restarts in %.1fs: throttle gone", n, el)
			case rot < 1:
				fail(t, name, "no age rotation (t2) in %.1fs", el)
			case float64(rot) > el/2+2:
				fail(t, name, "%d rotations in %.1fs with t2: storm", rot, el)
			default:
				pass(t, name, "(offset %ss: %.2f restarts/s, %d age rotations in %.1fs with t2)", off, float64(n)/el, rot, el)
			}
		})
	}
}
