package svlogd

import (
	"slices"
	"testing"
)

// TestWithout: the processors' environment is svlogd's, less what it
// added to execute itself again.
func TestWithout(t *testing.T) {
	env := []string{"A=1", "GOMAXPROCS=1", "GODEBUG=profstackdepth=0", "GOMAXPROCSX=2", "GORUNIT_SVLOGD_ADDED=GOMAXPROCS,GODEBUG", "B="}
	for _, tc := range []struct {
		names string
		want  []string
	}{
		{"GOMAXPROCS,GODEBUG,GORUNIT_SVLOGD_ADDED", []string{"A=1", "GOMAXPROCSX=2", "B="}},
		{"GOMAXPROCS", []string{"A=1", "GODEBUG=profstackdepth=0", "GOMAXPROCSX=2", "GORUNIT_SVLOGD_ADDED=GOMAXPROCS,GODEBUG", "B="}},
		{",GORUNIT_SVLOGD_ADDED", []string{"A=1", "GOMAXPROCS=1", "GODEBUG=profstackdepth=0", "GOMAXPROCSX=2", "B="}},
		{"", env},
	} {
		if got := without(env, tc.names); !slices.Equal(got, tc.want) {
			t.Errorf("without(%q) = %q, want %q", tc.names, got, tc.want)
		}
	}
}
