#!/bin/bash
# startup1000.sh RUNSVDIR: start RUNSVDIR on 1000 services, each with a log
# service (svlogd) and the log argument, using Debian's runsv and svlogd
# from $RUNIT_REF; print the time from start to every ./run having run
# (each ./run writes a line to a FIFO), and runsvdir's own CPU time. Run it
# alternately for C's and gorunit's runsvdir (see docs/BENCHMARKS.md).
set -e
BIN=$1
: "${RUNIT_REF:?set RUNIT_REF to the bin directory of Debian runit}"
T=$(mktemp -d); mkdir -p "$T/svc"; mkfifo "$T/fifo"; exec 3<>"$T/fifo"
for i in $(seq -w 1 1000); do
	mkdir -p "$T/svc/s$i/log/main"
	printf '#!/bin/sh\necho x > %s\nexec sleep 3600\n' "$T/fifo" > "$T/svc/s$i/run"
	printf '#!/bin/sh\nexec svlogd ./main\n' > "$T/svc/s$i/log/run"
	chmod +x "$T/svc/s$i/run" "$T/svc/s$i/log/run"
done
t0=$(date +%s%N)
PATH=$RUNIT_REF:$PATH "$BIN" "$T/svc" "log: ..........................................................." &
P=$!
for i in $(seq 1 1000); do read -r -u 3 _; done
t1=$(date +%s%N)
cpu=0; for f in /proc/$P/task/*/schedstat; do read -r a _ < "$f"; cpu=$((cpu + a)); done
echo "$BIN: all ./run after $(( (t1 - t0) / 1000000 )) ms; runsvdir CPU $((cpu / 1000000)) ms"
kill -HUP $P; wait $P || true
while pgrep -f "$T/fifo" >/dev/null || [ -n "$(ls /proc/*/cwd -l 2>/dev/null | grep -F "$T/svc")" ]; do sleep 0.5; done
rm -rf "$T"
