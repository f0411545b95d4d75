// Package uidgid turns chpst's account arguments into ids, as runit's
// uidgid.c does, without cgo.
//
// Lookups read /etc/passwd and /etc/group directly: files only, no NSS.
// Accounts that exist only in LDAP, NIS, sssd or systemd's dynamic users
// (nsswitch.conf "systemd") are unknown here; use the numeric form
// ":uid:gid[:gid...]" for them. Files are read at the time of the call,
// so after chpst's chroot the lookups see the new root's files, as glibc's
// "files" module would.
//
// Two argument forms, as in runit:
//
//	Account:     "user"                    (setuidgid, envuidgid)
//	UserGroups:  "user[:group[:group...]]" (chpst -u, -U)
//	             ":uid:gid[:gid...]"
//
// With groups, the group list is exactly the named groups, the first being
// the primary one; without, it is the user's passwd group alone. No
// supplementary groups come from /etc/group (no initgroups).
package uidgid

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"strconv"
)

// maxGroups is runit's limit (struct uidgid has gid[61]; the loops stop at 60).
const maxGroups = 60

// IDs is what an account argument resolves to: a uid and the group list,
// GIDs[0] being the primary group.
type IDs struct {
	UID  uint32
	GIDs []uint32
}

// ErrUnknown means a user or group name was not found.
var ErrUnknown = errors.New("unknown user or group")

// ErrInvalid means a numeric ":uid:gid..." argument did not parse.
var ErrInvalid = errors.New("invalid uid/gids")

// DB names the files lookups read. The zero value reads /etc/passwd and
// /etc/group.
type DB struct {
	Passwd string
	Group  string
}

func (db DB) passwd() string {
	if db.Passwd == "" {
		return "/etc/passwd"
	}
	return db.Passwd
}

func (db DB) group() string {
	if db.Group == "" {
		return "/etc/group"
	}
	return db.Group
}

// User is one passwd entry's ids.
type User struct {
	UID, GID uint32
}

// LookupUser finds name in the passwd file: ErrUnknown when absent, the
// read error when the file cannot be read.
func (db DB) LookupUser(name string) (User, error) {
	b, err := os.ReadFile(db.passwd())
	if err != nil {
		return User{}, err
	}
	f, ok := FindEntry(b, name)
	if !ok || len(f) < 4 {
		return User{}, ErrUnknown
	}
	uid, ok1 := ParseID(f[2])
	gid, ok2 := ParseID(f[3])
	if !ok1 || !ok2 {
		return User{}, ErrUnknown
	}
	return User{uid, gid}, nil
}

// LookupGroup finds name in the group file.
func (db DB) LookupGroup(name string) (uint32, error) {
	b, err := os.ReadFile(db.group())
	if err != nil {
		return 0, err
	}
	f, ok := FindEntry(b, name)
	if !ok || len(f) < 3 {
		return 0, ErrUnknown
	}
	gid, ok := ParseID(f[2])
	if !ok {
		return 0, ErrUnknown
	}
	return gid, nil
}

// FindEntry returns the colon-separated fields of the first line of a
// passwd or group file whose first field is name. Lines that glibc's files
// module would not take are skipped: empty names, NIS compat entries
// ("+name", "-name") and comments.
func FindEntry(file []byte, name string) ([][]byte, bool) {
	if name == "" {
		return nil, false
	}
	sc := bufio.NewScanner(bytes.NewReader(file))
	sc.Buffer(nil, len(file)+1)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		f := bytes.Split(line, []byte(":"))
		if string(f[0]) == name {
			return f, true
		}
	}
	return nil, false
}

// ParseID reads a decimal uid or gid field as glibc does for the files
// module: digits only, fitting in 32 bits.
func ParseID(b []byte) (uint32, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b), 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// Account resolves a bare user name (setuidgid, envuidgid): its uid and
// passwd group.
func (db DB) Account(name string) (IDs, error) {
	u, err := db.LookupUser(name)
	if err != nil {
		return IDs{}, err
	}
	return IDs{UID: u.UID, GIDs: []uint32{u.GID}}, nil
}

// UserGroups resolves "user[:group...]" or ":uid:gid[:gid...]" (chpst -u
// and -U), with uidgids_get's quirks: at most 60 groups are looked up and
// any further ones ignored; an empty group name is unknown.
func (db DB) UserGroups(spec string) (IDs, error) {
	if len(spec) > 0 && spec[0] == ':' {
		return Numeric(spec[1:])
	}
	user, groups, hasGroups := cut(spec, ':')
	u, err := db.LookupUser(user)
	if err != nil {
		return IDs{}, err
	}
	if !hasGroups {
		return IDs{UID: u.UID, GIDs: []uint32{u.GID}}, nil
	}
	ids := IDs{UID: u.UID}
	for i := 0; i < maxGroups; i++ {
		g, rest, more := cut(groups, ':')
		gid, err := db.LookupGroup(g)
		if err != nil {
			return IDs{}, err
		}
		ids.GIDs = append(ids.GIDs, gid)
		if !more {
			break
		}
		groups = rest
	}
	return ids, nil
}

// Numeric parses "uid:gid[:gid...]" (the part after the leading colon) as
// uidgids_set does: numbers are scan_ulong's (digits, possibly none, so
// "0::5" has gids 0, 0, 5; wrapping on overflow) truncated to 32 bits; at
// most 60 gids; anything left over is ErrInvalid.
func Numeric(s string) (IDs, error) {
	n, i := ScanUlong(s)
	if i >= len(s) || s[i] != ':' {
		return IDs{}, ErrInvalid
	}
	ids := IDs{UID: uint32(n)}
	s = s[i+1:]
	for k := 0; k < maxGroups; k++ {
		n, i = ScanUlong(s)
		ids.GIDs = append(ids.GIDs, uint32(n))
		s = s[i:]
		if s == "" || s[0] != ':' {
			break
		}
		s = s[1:]
	}
	if s != "" {
		return IDs{}, ErrInvalid
	}
	return ids, nil
}

// ScanUlong is djb's scan_ulong: the value of the leading decimal digits
// of s (wrapping modulo 2^64, as the C does) and how many there were.
func ScanUlong(s string) (uint64, int) {
	var n uint64
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + uint64(s[i]-'0')
		i++
	}
	return n, i
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
