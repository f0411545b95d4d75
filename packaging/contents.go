package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	"github.com/goreleaser/nfpm/v2/files"
)

// The package's fixed metadata. .goreleaser.yaml repeats it
// (contents_test.go compares the two).
const (
	pkgName     = "gorunit"
	maintainer  = "gorunit maintainers <maintainers@gorunit.example.org>"
	homepage    = "https://github.com/gorunit/gorunit"
	description = `runit process supervision, reimplemented in Go
 gorunit is runit 2.1.2, the process supervisor, reimplemented in Go:
 runsvdir, runsv, sv, svlogd, chpst (with its envdir, envuidgid, pgrphack,
 setuidgid, softlimit and setlock names), runsvchdir and utmpset, installed
 where Debian's runit puts them and compatible with it in arguments,
 output, exit codes and supervise/ files. They are static binaries: runsv,
 sv and svlogd small ones of their own, the rest one multi-call binary.
 .
 It is for machines that boot with sysvinit: the init script
 /etc/init.d/gorunit runs runsvdir on the link directory /etc/svlnk at
 boot, so every service linked there from /etc/sv is started, restarted
 when it dies, and logged with timestamps by svlogd. The package also
 ships netisup, a network readiness test for run scripts, and service
 templates for sshd and ntpd (not enabled).`
)

// standalone are the tools shipped as static binaries of their own in
// /usr/bin, each built from cmd/NAME without package os: one runsv and one
// svlogd run per service, and their private memory counts per service
// (README.md says why). The box answers to these names too, so
// "gorunit sv status x" works; internal/svtest.Standalone is the same list.
var standalone = []string{"runsv", "sv", "svlogd"}

// Every other tool name, where Debian's runit installs it. Each is a
// relative symlink to /usr/bin/gorunit, which picks the tool from argv[0].
var (
	binTools  = []string{"chpst", "runsvdir"}
	chpstAka  = []string{"envdir", "envuidgid", "pgrphack", "setlock", "setuidgid", "softlimit"}
	extras    = []string{"netisup", "netisup.sh"}
	sbinTools = []string{"runsvchdir", "utmpset"}
)

// manPages are the pages in man/ (section 8), installed gzipped; manLinks
// are extra names pointing at one of them.
var (
	manPages = []string{"chpst", "gorunit", "netisup", "runsv", "runsvchdir", "runsvdir", "sv", "svlogd", "utmpset"}
	manLinks = map[string]string{
		"envdir": "chpst", "envuidgid": "chpst", "pgrphack": "chpst", "setlock": "chpst",
		"setuidgid": "chpst", "softlimit": "chpst", "netisup.sh": "netisup",
	}
)

// templates are the service directories shipped in /etc/sv (conffiles,
// not linked into /etc/svlnk).
var templates = []string{"ntpd", "sshd"}

// Package is one build of the .deb.
type Package struct {
	Root    string    // repository root (absolute)
	Stage   string    // directory written by writeStage (absolute)
	BinDir  string    // holds gorunit and the standalone binaries (absolute)
	Arch    string    // Debian architecture
	Version string    // Debian version, verbatim
	MTime   time.Time // every mtime in the package
}

func file(src, dst string, mode os.FileMode) *files.Content {
	return &files.Content{Source: src, Destination: dst, FileInfo: &files.ContentFileInfo{Mode: mode}}
}

func conffile(src, dst string, mode os.FileMode) *files.Content {
	c := file(src, dst, mode)
	c.Type = files.TypeConfig
	return c
}

func symlink(target, dst string) *files.Content {
	return &files.Content{Source: target, Destination: dst, Type: files.TypeSymlink,
		FileInfo: &files.ContentFileInfo{Mode: 0o777}}
}

func dir(dst string) *files.Content {
	return &files.Content{Destination: dst, Type: files.TypeDir, FileInfo: &files.ContentFileInfo{Mode: 0o755}}
}

// binaries are the built programs: the multi-call gorunit, then the
// standalone tools, each /usr/bin/NAME from BinDir/NAME.
func binaries() []string { return append([]string{"gorunit"}, standalone...) }

// Binaries are the package's executables, the files goreleaser puts in
// its bindir itself.
func (p Package) Binaries() files.Contents {
	var c files.Contents
	for _, b := range binaries() {
		c = append(c, file(filepath.Join(p.BinDir, b), "/usr/bin/"+b, 0o755))
	}
	return c
}

// Contents lists every file, link and directory of the package with its
// mode. Parent directories not listed are added by nfpm as root:root 0755.
func (p Package) Contents() files.Contents {
	return append(p.Binaries(), p.Rest()...)
}

// Rest is Contents without Binaries: what .goreleaser.yaml lists.
func (p Package) Rest() files.Contents {
	r := func(rel string) string { return filepath.Join(p.Root, rel) }
	s := func(rel string) string { return filepath.Join(p.Stage, rel) }
	var c files.Contents
	for _, t := range slices.Concat(binTools, chpstAka, extras) {
		c = append(c, symlink("gorunit", "/usr/bin/"+t))
	}
	for _, t := range sbinTools {
		c = append(c, symlink("../bin/gorunit", "/usr/sbin/"+t))
	}
	c = append(c,
		dir("/etc/sv"),
		dir("/etc/svlnk"),
		conffile(r("debian/gorunit.default"), "/etc/default/gorunit", 0o644),
		conffile(r("initscripts/gorunit"), "/etc/init.d/gorunit", 0o755),
	)
	for _, t := range templates {
		c = append(c,
			conffile(r("sv-templates/"+t+"/run"), "/etc/sv/"+t+"/run", 0o755),
			conffile(r("sv-templates/"+t+"/log/run"), "/etc/sv/"+t+"/log/run", 0o755),
		)
	}
	for _, m := range manPages {
		c = append(c, file(s(manGz(m)), "/"+manGz(m), 0o644))
	}
	for _, l := range sortedKeys(manLinks) {
		c = append(c, symlink(manLinks[l]+".8.gz", "/"+manGz(l)))
	}
	c = append(c,
		file(r("debian/copyright"), "/usr/share/doc/gorunit/copyright", 0o644),
		file(s(changelogGz), "/"+changelogGz, 0o644),
		file(r("debian/sv.bash-completion"), "/usr/share/bash-completion/completions/sv", 0o644),
		file(r("debian/gorunit.lintian-overrides"), "/usr/share/lintian/overrides/gorunit", 0o644),
	)
	return c
}

// Info is the nfpm description of the package.
func (p Package) Info() *nfpm.Info {
	r := func(rel string) string { return filepath.Join(p.Root, rel) }
	return &nfpm.Info{
		Name:          pkgName,
		Arch:          p.Arch,
		Platform:      "linux",
		Version:       p.Version,
		VersionSchema: "none", // the Debian version as scripts/version prints it
		Section:       "admin",
		Priority:      "optional",
		Maintainer:    maintainer,
		Homepage:      homepage,
		Description:   description,
		License:       "BSD-3-clause",
		MTime:         p.MTime,
		Overridables: nfpm.Overridables{
			// Same file names as runit; daemontools ships the chpst aliases.
			Conflicts: []string{"runit", "daemontools"},
			Replaces:  []string{"runit"},
			Suggests:  []string{"openssh-server", "ntpsec | ntp"},
			Umask:     0o022,
			Contents:  p.Contents(),
			Scripts: nfpm.Scripts{
				PostInstall: r("debian/postinst"),
				PreRemove:   r("debian/prerm"),
				PostRemove:  r("debian/postrm"),
			},
			// gzip, not zstd: dpkg before 1.21.18 (Jessie has 1.17) knows no zstd.
			Deb: nfpm.Deb{Compression: "gzip"},
		},
	}
}

// Build writes the .deb into dir and returns its path.
func (p Package) Build(dir string) (string, error) {
	info := p.Info()
	if err := nfpm.PrepareForPackager(info, "deb"); err != nil {
		return "", err
	}
	pkgr, err := nfpm.Get("deb")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, pkgr.ConventionalFileName(info))
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	if err := pkgr.Package(info, f); err != nil {
		f.Close()
		os.Remove(tmp)
		return "", fmt.Errorf("deb: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}
