package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSvCompletion runs debian/sv.bash-completion in bash: commands first,
// then service names from $SVDIR (dot names and plain files left out).
func TestSvCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	svdir := t.TempDir()
	for _, d := range []string{"sshd", "ntpd", ".disabled"} {
		if err := os.Mkdir(filepath.Join(svdir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(t.TempDir(), filepath.Join(svdir, "linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(svdir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		words string
		want  string
	}{
		{"sv st", "status start stop"},
		{"sv -", "-v -w"},
		{"sv status ''", "linked ntpd sshd"},
		{"sv status s", "sshd"},
		{"sv -w 5 up n", "ntpd"},
		{"sv -v down sshd ''", "linked ntpd sshd"},
		{"sv -w ''", ""},
	}
	for _, tt := range tests {
		t.Run(tt.words, func(t *testing.T) {
			script := `source debian/sv.bash-completion
COMP_WORDS=(` + tt.words + `); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
_sv; echo "${COMPREPLY[*]}"`
			cmd := exec.Command(bash, "--norc", "--noprofile", "-c", script)
			cmd.Dir = ".."
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "SVDIR=" + svdir}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if diff := cmp.Diff(tt.want, strings.TrimSpace(string(out))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
