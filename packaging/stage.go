package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// changelogGz is where the changelog goes. gorunit is a native package
// (debian/ lives with the code), so it is changelog.gz, not
// changelog.Debian.gz.
const changelogGz = "usr/share/doc/gorunit/changelog.gz"

func manGz(name string) string { return "usr/share/man/man8/" + name + ".8.gz" }

// writeStage writes the generated files, gzipped the way `gzip -9n` does
// (best compression, no name, no timestamp), under dir at their paths in
// the package.
func writeStage(root, dir string) error {
	gz := map[string]string{changelogGz: "debian/changelog"}
	for _, m := range manPages {
		gz[manGz(m)] = "man/" + m + ".8"
	}
	for _, dst := range sortedKeys(gz) {
		src, err := os.ReadFile(filepath.Join(root, gz[dst]))
		if err != nil {
			return err
		}
		out := filepath.Join(dir, dst)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		b, err := gzip9n(src)
		if err != nil {
			return fmt.Errorf("%s: %w", gz[dst], err)
		}
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func gzip9n(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	w.OS = 3 // Unix, as gzip(1) writes it
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
