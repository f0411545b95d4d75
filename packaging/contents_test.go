package main

import (
	"os"
	"path/filepath"
	"regexp"
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
	IDs         []string       `yaml:"ids"`
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

// goreleaserBuild is one entry of .goreleaser.yaml's builds.
type goreleaserBuild struct {
	ID           string   `yaml:"id"`
	Main         string   `yaml:"main"`
	Binary       string   `yaml:"binary"`
	Env          []string `yaml:"env"`
	Goos         []string `yaml:"goos"`
	Goarch       []string `yaml:"goarch"`
	Goarm        []string `yaml:"goarm"`
	Flags        []string `yaml:"flags"`
	Ldflags      []string `yaml:"ldflags"`
	ModTimestamp string   `yaml:"mod_timestamp"`
}

type goreleaserConfig struct {
	Builds   []goreleaserBuild `yaml:"builds"`
	Archives []struct {
		IDs []string `yaml:"ids"`
	} `yaml:"archives"`
	Nfpms []goreleaserNfpm `yaml:"nfpms"`
}

func readGoreleaser(t *testing.T) goreleaserConfig {
	t.Helper()
	b, err := os.ReadFile("../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg goreleaserConfig
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Nfpms) != 1 {
		t.Fatalf("%d nfpms entries, want 1", len(cfg.Nfpms))
	}
	return cfg
}

// TestGoreleaserBuilds: goreleaser builds the same binaries as `make
// build`, each from cmd/NAME with the Makefile's flags, for the arches of
// `make cross`, and packs every one of them into the archive and the .deb.
func TestGoreleaserBuilds(t *testing.T) {
	cfg := readGoreleaser(t)
	var ids []string
	for _, b := range cfg.Builds {
		ids = append(ids, b.ID)
		if b.Binary != b.ID || b.Main != "./cmd/"+b.ID {
			t.Errorf("build %s: binary %s from %s, want %s from ./cmd/%s", b.ID, b.Binary, b.Main, b.ID, b.ID)
		}
	}
	if diff := cmp.Diff(binaries(), ids); diff != "" {
		t.Fatalf("builds (-packaging +goreleaser):\n%s", diff)
	}
	mk, err := os.ReadFile("packaging.mk")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^CROSS_GOARCH\s*:=(.*)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("packaging.mk: no CROSS_GOARCH := line")
	}
	want := goreleaserBuild{
		Env:          []string{"CGO_ENABLED=0"},
		Goos:         []string{"linux"},
		Goarch:       strings.Fields(string(m[1])),
		Goarm:        []string{"7"},
		Flags:        []string{"-trimpath"},
		Ldflags:      []string{"-s -w -X github.com/gorunit/gorunit/internal/cli.Version={{ .Version }}"},
		ModTimestamp: "{{ .CommitTimestamp }}",
	}
	for _, b := range cfg.Builds {
		got := b
		got.ID, got.Main, got.Binary = "", "", ""
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("build %s (-want +got):\n%s", b.ID, diff)
		}
	}
	for i, a := range cfg.Archives {
		if diff := cmp.Diff(binaries(), a.IDs); diff != "" {
			t.Errorf("archives[%d] ids (-want +got):\n%s", i, diff)
		}
	}
	if diff := cmp.Diff(binaries(), cfg.Nfpms[0].IDs); diff != "" {
		t.Errorf("nfpms ids (-want +got):\n%s", diff)
	}
}

// TestGoreleaserMatches: goreleaser's .deb has the same files, modes,
// metadata and scripts as `make deb`'s. goreleaser adds the binaries itself
// (bindir); the generated files come from the "-stage build/pkgroot" hook.
func TestGoreleaserMatches(t *testing.T) {
	g := readGoreleaser(t).Nfpms[0]

	p := Package{Root: ".", Stage: "build/pkgroot", BinDir: "."}
	info := p.Info()
	for _, b := range p.Binaries() {
		if want := g.Bindir + "/" + filepath.Base(b.Source); b.Destination != want {
			t.Errorf("binary at %s, goreleaser puts it at %s", b.Destination, want)
		}
		if b.FileInfo.Mode != 0o755 {
			t.Errorf("%s: mode %o, goreleaser's is 755", b.Destination, b.FileInfo.Mode)
		}
	}
	if diff := cmp.Diff(p.Rest(), g.Contents); diff != "" {
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
