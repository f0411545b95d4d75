package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gorunit/gorunit/internal/svtest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var testMTime = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// testPackage is the package built from this checkout's files with
// stand-ins for the binaries, so the test does not depend on the tools.
func testPackage(t *testing.T) Package {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range binaries() {
		stub := "#!/bin/sh\n# " + b + " stand-in\nexit 0\n"
		if err := os.WriteFile(filepath.Join(bin, b), []byte(stub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	stage := filepath.Join(dir, "stage")
	if err := writeStage(root, stage); err != nil {
		t.Fatal(err)
	}
	return Package{Root: root, Stage: stage, BinDir: bin, Arch: "amd64", Version: "0.0.0~test", MTime: testMTime}
}

func build(t *testing.T, p Package) (string, []byte) {
	t.Helper()
	path, err := p.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

func TestBuildIsReproducible(t *testing.T) {
	p := testPackage(t)
	_, a := build(t, p)
	_, b := build(t, p)
	if !bytes.Equal(a, b) {
		t.Fatalf("two builds differ (%d and %d bytes)", len(a), len(b))
	}
}

// TestMembersAreGzip: dpkg 1.17 (Devuan Jessie) knows gzip and xz, not zstd.
func TestMembersAreGzip(t *testing.T) {
	_, b := build(t, testPackage(t))
	got, _ := arMembers(t, b)
	want := []string{"debian-binary", "control.tar.gz", "data.tar.gz"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ar members (-want +got):\n%s", diff)
	}
}

// arMembers splits an ar archive (a .deb) into its members, in order.
func arMembers(t *testing.T, b []byte) (names []string, data map[string][]byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("!<arch>\n")) {
		t.Fatal("not an ar archive")
	}
	data = map[string][]byte{}
	for off := 8; off+60 <= len(b); {
		h := b[off : off+60]
		name := strings.TrimRight(strings.TrimSpace(string(h[:16])), "/")
		size, err := strconv.Atoi(strings.TrimSpace(string(h[48:58])))
		if err != nil || off+60+size > len(b) {
			t.Fatalf("bad ar header %q", h)
		}
		names = append(names, name)
		data[name] = b[off+60 : off+60+size]
		off += 60 + size + size%2
	}
	return names, data
}

func dpkgDeb(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("no dpkg-deb")
	}
	cmd := exec.Command("dpkg-deb", args...)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dpkg-deb %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// TestContents checks `dpkg-deb -c` against testdata/contents.golden:
// every path with its mode, owner and link target (sizes vary and are
// left out), and every entry stamped with the build's mtime.
func TestContents(t *testing.T) {
	path, _ := build(t, testPackage(t))
	stamp := testMTime.Format("2006-01-02 15:04")
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(dpkgDeb(t, "-c", path)), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			t.Fatalf("odd line %q", line)
		}
		if d := f[3] + " " + f[4]; d != stamp {
			t.Errorf("%s: mtime %s, want %s", f[5], d, stamp)
		}
		got = append(got, strings.Join(append(f[:2:2], f[5:]...), " "))
	}
	golden(t, "contents.golden", strings.Join(got, "\n")+"\n")
}

// TestControl checks the control fields (`dpkg-deb -f`, with Version and
// Installed-Size masked), the control members and the conffiles.
func TestControl(t *testing.T) {
	path, b := build(t, testPackage(t))
	fields := dpkgDeb(t, "-f", path)
	fields = regexp.MustCompile(`(?m)^(Version|Installed-Size): .*$`).ReplaceAllString(fields, "$1: *")
	_, ar := arMembers(t, b)
	zr, err := gzip.NewReader(bytes.NewReader(ar["control.tar.gz"]))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var members []string
	var conffiles []byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, fmt.Sprintf("%s %s/%s %s", h.FileInfo().Mode(), h.Uname, h.Gname, h.Name))
		if h.Name == "./conffiles" || h.Name == "conffiles" {
			if conffiles, err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	golden(t, "control.golden", fields+"\n# control members\n"+strings.Join(members, "\n")+
		"\n\n# conffiles\n"+string(conffiles))
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", file, diff)
	}
}

// TestStageIsGzip9n: man pages and the changelog are gzipped without a
// name or a timestamp (lintian: package-contains-timestamped-gzip).
func TestStageIsGzip9n(t *testing.T) {
	p := testPackage(t)
	for _, rel := range append([]string{changelogGz}, mapSlice(manPages, manGz)...) {
		b, err := os.ReadFile(filepath.Join(p.Stage, rel))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if zr.Name != "" || !zr.ModTime.IsZero() {
			t.Errorf("%s: gzip header has name %q, mtime %v", rel, zr.Name, zr.ModTime)
		}
	}
}

func mapSlice(s []string, f func(string) string) []string {
	var out []string
	for _, v := range s {
		out = append(out, f(v))
	}
	return out
}

// TestEveryManPageShips: each page in man/ is in manPages, and the other
// way round.
func TestEveryManPageShips(t *testing.T) {
	got, err := filepath.Glob("../man/*.8")
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range got {
		got[i] = strings.TrimSuffix(filepath.Base(g), ".8")
	}
	if diff := cmp.Diff(manPages, got); diff != "" {
		t.Errorf("man/*.8 vs manPages (-want +got):\n%s", diff)
	}
}

// TestInstalledNamesAreTools: every tool name the package installs is a
// name the multi-call binary answers to (its table in
// cmd/gorunit/applets.go) and has a man page; each standalone tool also
// has its own main in cmd/NAME, which `make build` and .goreleaser.yaml
// build. The box keeps the standalone names as applets, so
// "gorunit sv status x" works whatever /usr/bin/sv is.
func TestInstalledNamesAreTools(t *testing.T) {
	src, err := os.ReadFile("../cmd/gorunit/applets.go")
	if err != nil {
		t.Fatal(err)
	}
	var applets []string
	for _, m := range regexp.MustCompile(`(?m)^\s*"([^"]+)":`).FindAllSubmatch(src, -1) {
		applets = append(applets, string(m[1]))
	}
	for _, name := range slices.Concat(standalone, binTools, chpstAka, extras, sbinTools) {
		if !slices.Contains(applets, name) {
			t.Errorf("%s is installed but is not an applet of cmd/gorunit", name)
		}
		if !slices.Contains(manPages, name) && manLinks[name] == "" {
			t.Errorf("%s has no man page", name)
		}
	}
	for _, name := range standalone {
		if _, err := os.Stat(filepath.Join("..", "cmd", name, "main.go")); err != nil {
			t.Errorf("standalone %s has no main: %v", name, err)
		}
	}
}

// TestStandaloneAgrees: the tests' box (internal/svtest) and the Makefile
// build the same standalone tools as the package ships.
func TestStandaloneAgrees(t *testing.T) {
	if diff := cmp.Diff(standalone, svtest.Standalone); diff != "" {
		t.Errorf("svtest.Standalone (-packaging +svtest):\n%s", diff)
	}
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^STANDALONE\s*:=(.*)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("Makefile: no STANDALONE := line")
	}
	if diff := cmp.Diff(standalone, strings.Fields(string(m[1]))); diff != "" {
		t.Errorf("Makefile STANDALONE (-packaging +Makefile):\n%s", diff)
	}
}
