package envdir

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		in    string
		value string
		unset bool
	}{
		{"", "", true},
		{"\n", "", false},
		{"value", "value", false},
		{"value\nmore\n", "value", false},
		{"trailing \t \t\n", "trailing", false},
		{" leading", " leading", false},
		{"a\x00b\x00", "a\nb\n", false},
		{"a\x00 \n", "a\n", false},
		{" \t", "", false},
		{"x\r\n", "x\r", false},
	} {
		v, unset := Decode([]byte(tc.in))
		if v != tc.value || unset != tc.unset {
			t.Errorf("Decode(%q) = %q, %v; want %q, %v", tc.in, v, unset, tc.value, tc.unset)
		}
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "A"), []byte("1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "EMPTY"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, ".dot"), []byte("no"), 0o644)
	os.Mkdir(filepath.Join(dir, "SUB"), 0o755)
	unix.Mkfifo(filepath.Join(dir, "FIFO"), 0o644)

	var skipped []string
	got, err := Read(dir, func(name string, err error) {
		if !errors.Is(err, unix.EISDIR) {
			t.Errorf("skip(%s, %v)", name, err)
		}
		skipped = append(skipped, name)
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Name < got[j].Name })
	want := []Entry{{Name: "A", Value: "1"}, {Name: "EMPTY", Unset: true}, {Name: "FIFO", Unset: true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"SUB"}, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}

	_, err = Read(dir, nil)
	var e *Error
	if !errors.As(err, &e) || e.Op != OpRead || e.Name != "SUB" || !errors.Is(err, unix.EISDIR) {
		t.Errorf("strict Read: %v", err)
	}
	_, err = Read(filepath.Join(dir, "missing"), nil)
	if !errors.As(err, &e) || e.Op != OpChdir || !errors.Is(err, unix.ENOENT) {
		t.Errorf("missing dir: %v", err)
	}
	_, err = Read(filepath.Join(dir, "A"), nil)
	if !errors.As(err, &e) || e.Op != OpChdir || !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("not a dir: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "\n", "a b \t\nc", "\x00\x00 \t", "x\x00y\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, unset := Decode(b)
		if unset != (len(b) == 0) {
			t.Fatalf("unset %v for %d bytes", unset, len(b))
		}
		if len(v) > len(b) {
			t.Fatalf("value longer than content")
		}
		for i := 0; i < len(v); i++ {
			if v[i] == 0 {
				t.Fatalf("NUL in value %q", v)
			}
		}
		if n := len(v); n > 0 && (v[n-1] == ' ' || v[n-1] == '\t') {
			t.Fatalf("trailing blank in %q", v)
		}
	})
}

func BenchmarkRead(b *testing.B) {
	dir := b.TempDir()
	for _, n := range []string{"PATH", "HOME", "LANG", "OPTS", "USER", "EMPTY"} {
		os.WriteFile(filepath.Join(dir, n), []byte("/usr/local/bin:/usr/bin:/bin \n"), 0o644)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(dir, nil); err != nil {
			b.Fatal(err)
		}
	}
}
