package svctl

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// marshal is what encoding/json makes of v, the way summary --json
// printed it with json.Encoder and SetIndent("", "  ").
func marshal(t testing.TB, v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	for _, r := range []Report{
		{SvDir: "/etc/svlnk", Services: []Entry{}},
		{SvDir: "/etc/svlnk", Services: []Entry{
			{Name: "gone", Dir: "/etc/svlnk/gone", Side: Side{Error: "unable to stat /etc/svlnk/gone: file does not exist"}},
			{Name: "idle", Dir: "/etc/sv/idle", Side: Side{Runsv: true, State: "down", Want: "down", NormallyDown: true, Seconds: 5}},
			{Name: "web", Dir: "/etc/sv/web", Side: Side{Runsv: true, State: "run", PID: 42, Want: "up", Paused: true, Term: true},
				Log: &Side{Runsv: true, State: "run", PID: 41, Want: "up", Seconds: 1 << 40}},
			{Name: "odd \"<&>\"\t\x01\x7f\u2028é\xff", Dir: "\\"},
		}},
	} {
		want := marshal(t, r)
		if diff := cmp.Diff(want, string(appendJSON(nil, r))); diff != "" {
			t.Errorf("(-encoding/json +appendJSON):\n%s", diff)
		}
	}
}

func FuzzAppendQuoted(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\/\b\f\n\r\t", "\x00\x1f<>&", "\u2028\u2029", "\xff\xfe", "é€𝄞"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := marshal(t, s)
		got := string(appendQuoted(nil, s)) + "\n"
		if got != want {
			t.Errorf("%q: appendQuoted %s, encoding/json %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatalf("%q: %v", got, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Errorf("%q: round trip gives %q", s, back)
		}
	})
}
