package reexec

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const marker = "GORUNIT_TEST_ADDED"

var add = []string{"GOMAXPROCS=1", "GODEBUG=profstackdepth=0"}

// As a helper, the test binary tunes itself as a tool would and prints
// what its children would get, the P count and its name.
func TestMain(m *testing.M) {
	if os.Getenv("REEXEC_HELPER") != "" {
		children, again := Tune(os.Args, os.Environ(), marker, add, nil)
		if again {
			SetComm(os.Args)
		}
		comm, _ := os.ReadFile("/proc/self/comm")
		os.Stdout.WriteString(strings.Join(children, "\n") + "\n--\n" +
			strconv.Itoa(runtime.GOMAXPROCS(0)) + " " + strings.TrimSpace(string(comm)) + "\n")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The program runs again with the missing settings in effect, its children
// get exactly the environment it was given, and it has its own name back.
func TestTune(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "a-tool-name-longer-than-15")
	if err := os.Symlink(self, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		want string // GOMAXPROCS of the run that prints
	}{
		{"nothing set", []string{"REEXEC_HELPER=1", "A=1", "B="}, "1"},
		{"GOMAXPROCS set", []string{"REEXEC_HELPER=1", "GOMAXPROCS=2"}, "2"},
		{"all set", []string{"REEXEC_HELPER=1", "GOMAXPROCS=2", "GODEBUG=x"}, "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(link)
			cmd.Env = tc.env
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			env, rest, _ := strings.Cut(string(out), "--\n")
			if got, want := strings.Split(strings.TrimSuffix(env, "\n"), "\n"), tc.env; !slices.Equal(got, want) {
				t.Errorf("children get %q, want %q", got, want)
			}
			if want := tc.want + " a-tool-name-lon\n"; rest != want {
				t.Errorf("GOMAXPROCS and comm = %q, want %q", rest, want)
			}
		})
	}
}

// What a tool adds to its own environment when it executes itself again
// is exactly what its children do not get; everything else passes
// through in order, duplicates included.
func FuzzTune(f *testing.F) {
	f.Add("PATH=/bin\x00HOME=/\x00GODEBUG=x")
	f.Add("GOMAXPROCS=4\x00X=1\x00X=2")
	f.Add("=\x00GOMAXPROCS\x00" + marker)
	f.Add("GODEBUG=x509sha1=1\x00GOGC=off\x00GOMAXPROCS=2")
	f.Fuzz(func(t *testing.T, envs string) {
		env := strings.Split(envs, "\x00")
		if _, ok := Lookup(env, marker); ok {
			return // not what a first run sees
		}
		second := slices.Clone(env)
		var names []string
		for _, kv := range add {
			name := kv[:strings.IndexByte(kv, '=')]
			if _, ok := Lookup(env, name); !ok {
				second = append(second, kv)
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			return // no second run
		}
		second = append(second, marker+"="+strings.Join(names, ","))
		got, again := Tune([]string{"x"}, second, marker, add, func() { t.Fatal("executed again") })
		if !again || !slices.Equal(got, env) {
			t.Errorf("children get %q (again %v), want %q", got, again, env)
		}
	})
}

func TestWithout(t *testing.T) {
	env := []string{"A=1", "GOMAXPROCS=1", "GODEBUG=profstackdepth=0", "GOMAXPROCSX=2", marker + "=GOMAXPROCS,GODEBUG", "B="}
	for _, tc := range []struct {
		names string
		want  []string
	}{
		{"GOMAXPROCS,GODEBUG," + marker, []string{"A=1", "GOMAXPROCSX=2", "B="}},
		{"GOMAXPROCS", []string{"A=1", "GODEBUG=profstackdepth=0", "GOMAXPROCSX=2", marker + "=GOMAXPROCS,GODEBUG", "B="}},
		{"," + marker, []string{"A=1", "GOMAXPROCS=1", "GODEBUG=profstackdepth=0", "GOMAXPROCSX=2", "B="}},
		{"", env},
	} {
		if got := Without(env, tc.names); !slices.Equal(got, tc.want) {
			t.Errorf("Without(%q) = %q, want %q", tc.names, got, tc.want)
		}
	}
}
