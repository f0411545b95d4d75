// Command packaging builds gorunit's Debian package from the built
// binaries (the multi-call gorunit and the standalone runsv, sv and svlogd,
// all in one directory) and the files in the repository, with the nfpm
// library:
//
//	go run ./packaging [-bindir build] [-arch amd64] [-version V] [-out build]
//	go run ./packaging -stage build/pkgroot    # generated files only (goreleaser)
//
// The package is reproducible: every file, directory and ar member gets
// the same mtime (SOURCE_DATE_EPOCH, else the last commit's time), every
// mode is set here rather than taken from the checkout, and the members are
// gzip-compressed so that dpkg 1.17 (Devuan Jessie) installs it.
//
// Generated files (man pages and the changelog, gzip -9n) are written to a
// staging directory first; .goreleaser.yaml runs "-stage" as a hook and
// lists the same contents, which contents_test.go keeps in step.
//
// This is a separate main package so that nfpm and its dependencies never
// reach the tools: nothing in cmd/ or internal/ imports it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "packaging:", err)
		os.Exit(111)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("packaging", flag.ContinueOnError)
	root := fs.String("root", ".", "repository root")
	bindir := fs.String("bindir", "build", "directory holding the static binaries "+strings.Join(binaries(), ", "))
	arch := fs.String("arch", runtime.GOARCH, "GOARCH (or Debian arch) of the binary")
	version := fs.String("version", "", "package version (default: scripts/version)")
	out := fs.String("out", "build", "directory for the .deb")
	stage := fs.String("stage", "", "only write the generated files into this directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rootAbs, err := filepath.Abs(*root)
	if err != nil {
		return err
	}
	mtime, err := sourceDate(rootAbs)
	if err != nil {
		return err
	}
	if *stage != "" {
		return writeStage(rootAbs, *stage)
	}
	if *version == "" {
		v, err := exec.Command(filepath.Join(rootAbs, "scripts/version")).Output()
		if err != nil {
			return fmt.Errorf("scripts/version: %w", err)
		}
		*version = strings.TrimSpace(string(v))
	}
	tmp, err := os.MkdirTemp("", "gorunit-pkg-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	stageDir := filepath.Join(tmp, "stage")
	if err := writeStage(rootAbs, stageDir); err != nil {
		return err
	}
	binAbs, err := filepath.Abs(*bindir)
	if err != nil {
		return err
	}
	for _, b := range binaries() {
		if _, err := os.Stat(filepath.Join(binAbs, b)); err != nil {
			return fmt.Errorf("%w (make build)", err)
		}
	}
	outAbs, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	p := Package{
		Root:    rootAbs,
		Stage:   stageDir,
		BinDir:  binAbs,
		Arch:    debArch(*arch),
		Version: *version,
		MTime:   mtime,
	}
	// nfpm stats a symlink's Source (its target, relative to the cwd) for
	// size and mtime; an empty cwd keeps the build host out of the package.
	empty := filepath.Join(tmp, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		return err
	}
	if err := os.Chdir(empty); err != nil {
		return err
	}
	path, err := p.Build(outAbs)
	if err != nil {
		return err
	}
	fmt.Println(path)
	return nil
}

// sourceDate is SOURCE_DATE_EPOCH when set, else the committer time of
// HEAD in root. Without either, the build is refused: a package stamped
// with the current time is not reproducible.
func sourceDate(root string) (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		out, err := exec.Command("git", "-C", root, "log", "-1", "--format=%ct").Output()
		if err != nil {
			return time.Time{}, errors.New("SOURCE_DATE_EPOCH unset and no git commit to take it from")
		}
		s = strings.TrimSpace(string(out))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad SOURCE_DATE_EPOCH %q", s)
	}
	return time.Unix(n, 0).UTC(), nil
}

// debArch maps a GOARCH to Debian's name. Debian names pass through.
func debArch(goarch string) string {
	switch goarch {
	case "386":
		return "i386"
	case "arm":
		return "armhf" // GOARM=7, Go's default
	}
	return goarch
}
