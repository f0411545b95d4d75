package uidgid

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const passwd = `root:x:0:0:root:/root:/bin/bash
# a comment
+nisuser::::::
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
broken:x:abc:1::/:/bin/sh
alice:x:1000:1000:Alice:/home/alice:/bin/sh
alice:x:2000:2000:second alice is ignored:/:/bin/sh
big:x:4294967295:4294967294::/:/bin/sh
`

const group = `root:x:0:
daemon:x:1:
users:x:100:alice
alice:x:1000:
`

func db(t *testing.T) DB {
	dir := t.TempDir()
	d := DB{Passwd: filepath.Join(dir, "passwd"), Group: filepath.Join(dir, "group")}
	os.WriteFile(d.Passwd, []byte(passwd), 0o644)
	os.WriteFile(d.Group, []byte(group), 0o644)
	return d
}

func TestUserGroups(t *testing.T) {
	d := db(t)
	var groups60 []string
	for range 61 {
		groups60 = append(groups60, "users")
	}
	for _, tc := range []struct {
		spec string
		want IDs
		err  error
	}{
		{"root", IDs{0, []uint32{0}}, nil},
		{"alice", IDs{1000, []uint32{1000}}, nil},
		{"alice:users", IDs{1000, []uint32{100}}, nil},
		{"alice:users:daemon:root", IDs{1000, []uint32{100, 1, 0}}, nil},
		{"big", IDs{4294967295, []uint32{4294967294}}, nil},
		{"nobody", IDs{}, ErrUnknown},
		{"broken", IDs{}, ErrUnknown},
		{"+nisuser", IDs{}, ErrUnknown},
		{"", IDs{}, ErrUnknown},
		{"alice:", IDs{}, ErrUnknown},
		{"alice:users:", IDs{}, ErrUnknown},
		{"alice:nogroup", IDs{}, ErrUnknown},
		{":1:2", IDs{1, []uint32{2}}, nil},
		{":0:", IDs{0, []uint32{0}}, nil},
		{":1::3", IDs{1, []uint32{0, 3}}, nil},
		{":4294967296:1", IDs{0, []uint32{1}}, nil}, // truncated to 32 bits, as C casts it
		{":1", IDs{}, ErrInvalid},
		{":", IDs{}, ErrInvalid},
		{":a:1", IDs{}, ErrInvalid},
		{":1:2x", IDs{}, ErrInvalid},
		{":1:2:", IDs{1, []uint32{2, 0}}, nil},
		// More than 60 groups: the rest are not even looked up.
		{"alice:" + strings.Join(groups60, ":") + ":nosuchgroup", IDs{1000, repeat(100, 60)}, nil},
	} {
		got, err := d.UserGroups(tc.spec)
		if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("UserGroups(%q) error %v, want %v", tc.spec, err, tc.err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); err == nil && diff != "" {
			t.Errorf("UserGroups(%q) (-want +got):\n%s", tc.spec, diff)
		}
	}
	// 60 numeric gids are fine, 61 are not.
	n60 := ":1" + strings.Repeat(":7", 60)
	if ids, err := Numeric(n60[1:]); err != nil || len(ids.GIDs) != 60 {
		t.Errorf("60 gids: %v, %v", ids, err)
	}
	if _, err := Numeric(n60[1:] + ":7"); !errors.Is(err, ErrInvalid) {
		t.Errorf("61 gids: %v", err)
	}
}

func repeat(g uint32, n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = g
	}
	return out
}

func TestAccount(t *testing.T) {
	d := db(t)
	if got, err := d.Account("alice"); err != nil || !cmp.Equal(got, IDs{1000, []uint32{1000}}) {
		t.Errorf("Account(alice) = %v, %v", got, err)
	}
	// No groups in an account name: the colon is part of the name.
	if _, err := d.Account("alice:users"); !errors.Is(err, ErrUnknown) {
		t.Errorf("Account(alice:users) error %v", err)
	}
	missing := DB{Passwd: filepath.Join(t.TempDir(), "none")}
	if _, err := missing.Account("root"); err == nil || errors.Is(err, ErrUnknown) {
		t.Errorf("missing passwd: %v", err)
	}
}

func TestScanUlong(t *testing.T) {
	for s, want := range map[string][2]uint64{
		"": {0, 0}, "12": {12, 2}, "12x": {12, 2}, "x": {0, 0},
		"18446744073709551615": {18446744073709551615, 20},
		"18446744073709551616": {0, 20}, // wraps like the C
	} {
		n, i := ScanUlong(s)
		if n != want[0] || uint64(i) != want[1] {
			t.Errorf("ScanUlong(%q) = %d, %d; want %d, %d", s, n, i, want[0], want[1])
		}
	}
}

func FuzzUserGroups(f *testing.F) {
	for _, s := range []string{"root", "alice:users:root", ":1:2:3", ":", "a::b", ":1::", "alice:"} {
		f.Add(s)
	}
	dir := f.TempDir()
	d := DB{Passwd: filepath.Join(dir, "passwd"), Group: filepath.Join(dir, "group")}
	os.WriteFile(d.Passwd, []byte(passwd), 0o644)
	os.WriteFile(d.Group, []byte(group), 0o644)
	f.Fuzz(func(t *testing.T, spec string) {
		ids, err := d.UserGroups(spec)
		if err != nil {
			if !errors.Is(err, ErrUnknown) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("UserGroups(%q): unexpected error %v", spec, err)
			}
			return
		}
		if len(ids.GIDs) == 0 || len(ids.GIDs) > maxGroups {
			t.Fatalf("UserGroups(%q) gave %d groups", spec, len(ids.GIDs))
		}
	})
}

func FuzzFindEntry(f *testing.F) {
	f.Add([]byte(passwd), "alice")
	f.Add([]byte(group), "users")
	f.Add([]byte("a:b\n\n::\n"), "")
	f.Fuzz(func(t *testing.T, file []byte, name string) {
		fields, ok := FindEntry(file, name)
		if ok && string(fields[0]) != name {
			t.Fatalf("found %q for %q", fields[0], name)
		}
	})
}
