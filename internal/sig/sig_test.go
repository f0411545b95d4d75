package sig

import (
	"sync"
	"syscall"
	"testing"
	"time"
)

// The runtime supports one receiver per process, so one goroutine waits
// for every test (and every -count run).
var (
	receiver sync.Once
	got      = make(chan syscall.Signal, 10)
)

// Real signals, sent to this process, come back from Wait: one per signal
// kind however often it was sent meanwhile, lowest number first.
func TestWait(t *testing.T) {
	Catch(syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGHUP)
	pid := syscall.Getpid()
	receiver.Do(func() {
		go func() {
			for {
				got <- Wait()
			}
		}()
	})
	next := func() syscall.Signal {
		select {
		case s := <-got:
			return s
		case <-time.After(10 * time.Second):
			t.Fatal("no signal from Wait within 10 s")
			return 0
		}
	}

	// A USR1 sent twice by an earlier -count run may have come back twice:
	// USR2 marks where this run starts.
	syscall.Kill(pid, syscall.SIGUSR2)
	for s := next(); s != syscall.SIGUSR2; s = next() {
		if s != syscall.SIGUSR1 {
			t.Fatalf("Wait = %v, want %v", s, syscall.SIGUSR2)
		}
	}
	// Each of these is seen at least once and in some order; what matters
	// is that none is lost and nothing else shows up.
	for _, s := range []syscall.Signal{syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR1} {
		syscall.Kill(pid, s)
	}
	seen := map[syscall.Signal]bool{}
	for !seen[syscall.SIGHUP] || !seen[syscall.SIGUSR1] {
		s := next()
		if s != syscall.SIGHUP && s != syscall.SIGUSR1 {
			t.Fatalf("Wait = %v, want HUP or USR1", s)
		}
		seen[s] = true
	}
}
