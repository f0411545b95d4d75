package runsv_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// The test binary doubles as a few service programs (Go's os/exec tests
// do the same): a service script runs it with RUNSV_TEST_HELPER set.
var helpers = map[string]func() int{
	// trap appends its pid to "started" once it catches signals, then
	// the name of every signal it gets to "signals"; it exits 0 on TERM.
	"trap": func() int {
		names := map[os.Signal]string{
			syscall.SIGHUP: "HUP", syscall.SIGALRM: "ALRM", syscall.SIGINT: "INT",
			syscall.SIGQUIT: "QUIT", syscall.SIGUSR1: "USR1", syscall.SIGUSR2: "USR2",
			syscall.SIGCONT: "CONT", syscall.SIGTERM: "TERM",
		}
		c := make(chan os.Signal, 16)
		for sig := range names {
			signal.Notify(c, sig)
		}
		if err := appendLine("started", strconv.Itoa(os.Getpid())); err != nil {
			return 1
		}
		for sig := range c {
			if err := appendLine("signals", names[sig]); err != nil {
				return 1
			}
			if sig == syscall.SIGTERM {
				return 0
			}
		}
		return 0
	},
	// writer prints numbered lines to stdout without end, continuing
	// the count saved in the file "seq" by the previous writer. On TERM it
	// stops between lines, so every number is written exactly once.
	"writer": func() int {
		stop := termFlag()
		n := 0
		if b, err := os.ReadFile("seq"); err == nil {
			n, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		for stop.Load() == 0 {
			n++
			if _, err := fmt.Printf("%d\n", n); err != nil {
				return 1
			}
			if err := os.WriteFile("seq.new", []byte(strconv.Itoa(n)), 0o644); err != nil {
				return 1
			}
			if err := os.Rename("seq.new", "seq"); err != nil {
				return 1
			}
		}
		return 0
	},
	// logger appends each complete line from stdin to the file "out".
	// On TERM it exits once it has written every line it has read, so
	// lines it has not read stay in the pipe for the next logger.
	"logger": func() int {
		out, err := os.OpenFile("out", os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return 1
		}
		stop := termFlag()
		r := bufio.NewReader(os.Stdin)
		for {
			l, err := r.ReadString('\n')
			if strings.HasSuffix(l, "\n") {
				io.WriteString(out, l)
			}
			if err != nil || stop.Load() != 0 && r.Buffered() == 0 {
				return 0
			}
		}
	},
}

func appendLine(name, line string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, line+"\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func termFlag() *atomic.Int32 {
	var f atomic.Int32
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	go func() { <-c; f.Store(1) }()
	return &f
}

func runHelper() (int, bool) {
	name := os.Getenv("RUNSV_TEST_HELPER")
	if name == "" {
		return 0, false
	}
	h := helpers[name]
	if h == nil {
		fmt.Fprintf(os.Stderr, "no helper %q\n", name)
		return 2, true
	}
	return h(), true
}

// helperScript is a run script that executes the test binary as helper
// name.
func helperScript(t *testing.T, name string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return "#!/bin/sh\nRUNSV_TEST_HELPER=" + name + " exec " + exe + "\n"
}
