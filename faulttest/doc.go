// Package faulttest is gorunit's fault-injection suite: the real tools
// (svtest.Box) run in temp dirs while the suite kills them with SIGKILL,
// fills their log disk, floods their control FIFOs, lowers their limits and
// feeds them hostile input, then checks that every service is still
// supervised, that no log line was lost and that no service runs twice.
//
// The tests sit behind the faulttest build tag so that `go test ./...`
// stays fast:
//
//	make faulttest     # go test -tags faulttest ./faulttest/ plus make fuzz
//
// Each scenario prints one line: `PASS name [figures]`, `FAIL name: why`,
// `SKIP name: why` or `KNOWN-BUG name: diagnosis` (a tool bug that is
// reported and skipped so CI stays green). docs/RELIABILITY.md holds the
// results.
package faulttest
