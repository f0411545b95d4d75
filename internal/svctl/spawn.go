package svctl

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// errNotStarted wraps why a program could not be started at all.
var errNotStarted = errors.New("unable to start")

// spawn runs argv[0] (a path) with stdin /dev/null and stdout and stderr
// on out (nil: /dev/null too), in dir ("": ours), with env (nil: ours),
// in its own process group when pgrp is set. It waits at most timeout,
// then kills the process. It returns the exit code, or an error when the
// program could not run or was killed. (os.StartProcess and not os/exec:
// this is all gorunit needs, and os/exec would add to every tool's binary.)
func spawn(argv []string, dir string, env []string, out *os.File, pgrp bool, timeout time.Duration) (int, error) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return -1, err
	}
	defer null.Close()
	if out == nil {
		out = null
	}
	p, err := os.StartProcess(argv[0], argv, &os.ProcAttr{
		Dir: dir, Env: env, Files: []*os.File{null, out, out},
		Sys: &syscall.SysProcAttr{Setpgid: pgrp},
	})
	if err != nil {
		return -1, fmt.Errorf("%w: %w", errNotStarted, err)
	}
	type result struct {
		st  *os.ProcessState
		err error
	}
	done := make(chan result, 1)
	go func() { st, err := p.Wait(); done <- result{st, err} }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	var r result
	select {
	case r = <-done:
	case <-t.C:
		p.Kill()
		<-done
		return -1, fmt.Errorf("killed after %s", timeout)
	}
	if r.err != nil {
		return -1, r.err
	}
	if !r.st.Exited() {
		return -1, fmt.Errorf("%s", r.st) // "signal: killed"
	}
	return r.st.ExitCode(), nil
}
