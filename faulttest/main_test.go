//go:build faulttest

package faulttest

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorunit/gorunit/internal/svtest"
)

// helperEnv makes the test binary act as a service (see helpers).
const helperEnv = "FAULTTEST_HELPER"

var helpers = map[string]func([]string){
	"writer":     writer,
	"ignoreterm": ignoreTerm,
	"fds":        fds,
}

func TestMain(m *testing.M) {
	if h := os.Getenv(helperEnv); h != "" {
		f, ok := helpers[h]
		if !ok {
			fmt.Fprintf(os.Stderr, "faulttest: unknown helper %q\n", h)
			os.Exit(101)
		}
		f(os.Args[1:])
		os.Exit(0)
	}
	// Whatever started the suite may have leaked fds into it (a shell's
	// 10 or 255): keep them from the tools, so that the fd-leak scenario
	// sees only what runit's tools pass on.
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
	code := m.Run()
	svtest.Cleanup()
	printSummary()
	os.Exit(code)
}

// writer is a service that writes numbered lines "PID N\n" to stdout, one
// write(2) per line, every few milliseconds, and after each line records
// N in SENTDIR/PID, so that the suite knows how many lines each
// incarnation handed to the log pipe: a line is logged at least up to
// that number (one more if it was killed between the two writes).
func writer(args []string) {
	sent, every := args[0], 5*time.Millisecond
	if len(args) > 1 {
		if d, err := time.ParseDuration(args[1]); err == nil {
			every = d
		}
	}
	pid := os.Getpid()
	f, err := os.Create(filepath.Join(sent, strconv.Itoa(pid)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		os.Exit(111)
	}
	for n := 1; ; n++ {
		if _, err := os.Stdout.Write([]byte(fmt.Sprintf("%d %d\n", pid, n))); err != nil {
			os.Exit(111)
		}
		f.WriteAt([]byte(fmt.Sprintf("%10d\n", n)), 0)
		time.Sleep(every)
	}
}

// ignoreTerm ignores TERM and waits to be killed.
func ignoreTerm([]string) {
	signal.Ignore(syscall.SIGTERM)
	os.Stdout.WriteString("ignoring TERM\n")
	for {
		time.Sleep(time.Hour)
	}
}

var (
	resultsMu sync.Mutex
	results   []string
	reported  = map[string]bool{} // test names that printed their line
)

// result records and prints one scenario line.
func result(t *testing.T, line string) {
	resultsMu.Lock()
	results = append(results, line)
	reported[t.Name()] = true
	resultsMu.Unlock()
	fmt.Println(line)
}

// reportFailure makes a test that failed without its own line (a
// t.Fatal in a helper) still show up in the summary.
func reportFailure(t *testing.T) {
	t.Cleanup(func() {
		resultsMu.Lock()
		done := reported[t.Name()]
		resultsMu.Unlock()
		if t.Failed() && !done {
			result(t, "FAIL "+t.Name()+": failed before reporting (see the test log)")
		}
	})
}

// pass, fail, skip and knownBug are the four outcomes of a scenario.
func pass(t *testing.T, name, figures string, args ...any) {
	t.Helper()
	line := "PASS " + name
	if figures != "" {
		line += " " + fmt.Sprintf(figures, args...)
	}
	result(t, line)
}

func fail(t *testing.T, name, why string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(why, args...)
	result(t, "FAIL "+name+": "+msg)
	t.Errorf("%s: %s", name, msg)
}

func skip(t *testing.T, name, why string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(why, args...)
	result(t, "SKIP "+name+": "+msg)
	t.Skip(msg)
}

func knownBug(t *testing.T, name, diag string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(diag, args...)
	result(t, "KNOWN-BUG "+name+": "+msg)
	t.Skip("KNOWN-BUG: " + msg)
}

func printSummary() {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	fmt.Println("=== faulttest summary")
	for _, l := range results {
		fmt.Println(l)
	}
	if p := os.Getenv("FAULTTEST_REPORT"); p != "" {
		f, err := os.Create(p)
		if err == nil {
			for _, l := range results {
				fmt.Fprintln(f, l)
			}
			f.Close()
		}
	}
}

// fds appends "N=TARGET" for each fd it inherited (read with readlink,
// which opens none) to the file args[0], then copies stdin to stdout: a
// processor for svlogd that reports what it inherited.
func fds(args []string) {
	var list []string
	for n := 0; n < 1024; n++ {
		// anon_inode fds (eventpoll, eventfd) are the Go runtime's own.
		if tgt, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(n)); err == nil && !strings.HasPrefix(tgt, "anon_inode:") {
			list = append(list, strconv.Itoa(n)+"="+tgt)
		}
	}
	f, err := os.OpenFile(args[0], os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		os.Exit(111)
	}
	fmt.Fprintln(f, strings.Join(list, " "))
	f.Close()
	io.Copy(os.Stdout, os.Stdin)
}
