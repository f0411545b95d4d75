package main

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/goreleaser/nfpm/v2/files"
	"go.yaml.in/yaml/v3"
)

// goreleaserNfpm is the part of .goreleaser.yaml's nfpms entry that must
// agree with this program.
type goreleaserNfpm struct {
	PackageName string         `yaml:"package_name"`
	Bindir      string         `yaml:"bindir"`
	Maintainer  string         `yaml:"maintainer"`
	Homepage    string         `yaml:"homepage"`
	License     string         `yaml:"license"`
	Section     string         `yaml:"section"`
	Priority    string         `yaml:"priority"`
	Description string         `yaml:"description"`
	Umask       uint32         `yaml:"umask"`
	Conflicts   []string       `yaml:"conflicts"`
	Replaces    []string       `yaml:"replaces"`
	Suggests    []string       `yaml:"suggests"`
	Provides    []string       `yaml:"provides"`
	Contents    files.Contents `yaml:"contents"`
	Scripts     struct {
		PostInstall string `yaml:"postinstall"`
		PreRemove   string `yaml:"preremove"`
		PostRemove  string `yaml:"postremove"`
	} `yaml:"scripts"`
	Deb struct {
		Compression string `yaml:"compression"`
	} `yaml:"deb"`
}

// TestGoreleaserMatches: goreleaser's .deb has the same files, modes,
// metadata and scripts as `make deb`'s. goreleaser adds the binary itself
// (bindir); the generated files come from the "-stage build/pkgroot" hook.
func TestGoreleaserMatches(t *testing.T) {
	b, err := os.ReadFile("../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Nfpms []goreleaserNfpm `yaml:"nfpms"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Nfpms) != 1 {
		t.Fatalf("%d nfpms entries, want 1", len(cfg.Nfpms))
	}
	g := cfg.Nfpms[0]

	p := Package{Root: ".", Stage: "build/pkgroot", Bin: "gorunit"}
	info := p.Info()
	want := info.Contents[1:] // the binary, which goreleaser puts in bindir
	if bin := info.Contents[0].Destination; bin != g.Bindir+"/gorunit" {
		t.Errorf("binary at %s, goreleaser bindir %s", bin, g.Bindir)
	}
	if diff := cmp.Diff(want, g.Contents); diff != "" {
		t.Errorf("contents (-packaging +goreleaser):\n%s", diff)
	}

	trim := func(s string) string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			out = append(out, strings.TrimSpace(l))
		}
		return strings.Join(out, "\n")
	}
	type meta struct {
		Name, Maintainer, Homepage, License, Section, Priority, Description string
		Umask                                                               uint32
		Conflicts, Replaces, Suggests, Provides                             []string
		PostInstall, PreRemove, PostRemove, Compression                     string
	}
	wantMeta := meta{info.Name, info.Maintainer, info.Homepage, info.License, info.Section, info.Priority,
		trim(info.Description), uint32(info.Umask), info.Conflicts, info.Replaces, info.Suggests, info.Provides,
		info.Scripts.PostInstall, info.Scripts.PreRemove, info.Scripts.PostRemove, info.Deb.Compression}
	gotMeta := meta{g.PackageName, g.Maintainer, g.Homepage, g.License, g.Section, g.Priority,
		trim(g.Description), g.Umask, g.Conflicts, g.Replaces, g.Suggests, g.Provides,
		g.Scripts.PostInstall, g.Scripts.PreRemove, g.Scripts.PostRemove, g.Deb.Compression}
	if diff := cmp.Diff(wantMeta, gotMeta); diff != "" {
		t.Errorf("metadata (-packaging +goreleaser):\n%s", diff)
	}
}
