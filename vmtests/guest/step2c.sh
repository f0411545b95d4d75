# Boot 2, after op-rollback: clock-back and clock-forward. The guest's wall
# clock (CLOCK_REALTIME) is set back a year, then forward two years, then
# restored, while runsv restarts a crash-looping service and svlogd logs a
# numbered line every 100 ms with age rotation (t600). faketime cannot reach
# static Go binaries and time namespaces do not move CLOCK_REALTIME, so this
# is the one place the tools see the wall clock jump (docs/RELIABILITY.md).
#
# Each jump must leave: crashy restarted about once a second (no stuck
# throttle: runsv's pause compares wall-clock stamps, as runit's does); at
# most one rotation of counter's log (no storm); every counter line logged
# once, in order; sane `sv status` uptimes (C sv's rule: 0 while the stamp
# is ahead of the clock); runsvdir, runsv and svlogd the same processes;
# and a new service picked up at once. Times are measured on the boot
# clock (/proc/uptime), which the jumps do not move.

YEAR=31536000
WIN=8 # seconds watched after each jump
starts=/var/tmp/vmt-crashy.starts
logdir=/etc/sv/counter/log/main

mkdir -p /etc/sv/crashy /etc/sv/counter/log/main
cat >/etc/sv/crashy/run <<EOF
#!/bin/sh
cut -d' ' -f1 /proc/uptime >>$starts
exit 1
EOF
cat >/etc/sv/counter/run <<'EOF'
#!/bin/sh
n=0
while :; do
	n=$((n + 1))
	echo "$$ $n"
	sleep 0.1
done
EOF
printf '#!/bin/sh\nexec svlogd -tt ./main\n' >/etc/sv/counter/log/run
echo t600 >$logdir/config
chmod 755 /etc/sv/crashy/run /etc/sv/counter/run /etc/sv/counter/log/run
for s in newback newfwd; do
	mkdir -p /etc/sv/$s
	printf '#!/bin/sh\nexec sleep 86400\n' >/etc/sv/$s/run
	chmod 755 /etc/sv/$s/run
done
: >$starts

# The true time is the wall clock at the start plus the boot clock's
# progress; restore puts it back, whatever happens to this script (the
# harness sets it from the host's clock afterwards too).
wall0=$(date +%s.%N)
up0=$(now)
restore() { date -s "@$(awk -v w="$wall0" -v u="$up0" -v n="$(now)" 'BEGIN { printf "%.3f", w + n - u }')" >/dev/null; }
trap restore EXIT
jump() { date -s "@$(awk -v s="$1" -v w="$(date +%s.%N)" 'BEGIN { printf "%.3f", w + s }')" >/dev/null; }

enable crashy
enable counter
counter_up() { [ -n "$(log_pid counter)" ] && [ -s $logdir/current ]; }
crashy_going() { [ "$(wc -l <$starts)" -ge 3 ]; }
if ! waitfor 60 counter_up || ! waitfor 60 crashy_going; then
	fail clock-back "setup: counter or crashy not running 60s after enabling"
	fail clock-forward "setup failed"
	exit 0
fi

R=$(runsvdir_pid)
RC=$(runsv_pid counter)
RX=$(runsv_pid crashy)
L=$(log_pid counter)
C=$(children "$RC" sh | head -n 1)
info "runsvdir=$R runsv counter=$RC svlogd=$L counter=$C runsv crashy=$RX"

# starts_in A B: crashy starts with A <= uptime < B. gap_in A B: the
# longest wait between starts over [A, B], counting from A.
starts_in() { awk -v a="$1" -v b="$2" '$1 >= a && $1 < b { n++ } END { print n + 0 }' $starts; }
gap_in() {
	awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b { if ($1 - p > g) g = $1 - p; p = $1 } BEGIN { p = a } END { if (b - p > g) g = b - p; printf "%.2f\n", g }' $starts
}
rotated() { ls $logdir | grep -c '^@.*\.s$'; }
running() { [ -n "$(svc_pid "$1" sleep)" ]; }
# uptime_of NAME: the seconds sv status prints for NAME's service.
uptime_of() { svstat "$1" | sed -n 's/^[a-z]*: [^:]*: \(([^)]*) \)\{0,1\}\([0-9]*\)s.*/\2/p'; }
same_procs() {
	[ "$(runsvdir_pid)" = "$R" ] && [ "$(runsv_pid counter)" = "$RC" ] && [ "$(runsv_pid crashy)" = "$RX" ] &&
		[ "$(log_pid counter)" = "$L" ] && alive "$C"
}
# lines_ok: every "PID N" line of counter in current and the rotated
# files, per PID numbered 1, 2, ... with no gap and no repeat.
lines_ok() {
	cat $(ls -d $logdir/@*.s 2>/dev/null | sort) $logdir/current | awk '
		NF == 3 { seen[$2 " " $3]++; if ($3 > max[$2]) max[$2] = $3; n[$2]++ }
		NF != 3 { bad++ }
		END {
			for (k in seen) if (seen[k] > 1) { print "line " k " logged " seen[k] " times"; exit 1 }
			for (p in n) if (n[p] != max[p]) { print "pid " p ": " n[p] " lines for 1.." max[p]; exit 1 }
			if (bad) { print bad " malformed lines"; exit 1 }
			for (p in n) t += n[p]
			print t " lines, none lost or repeated"
		}'
}

# watch NAME NEWSVC T ROT: after a jump made at uptime T with ROT rotated
# files, the common checks; sets $why on failure.
watch() {
	name=$1 svc=$2 t=$3 rot0=$4 why=
	enable "$svc"
	picked=
	waitfor 10 running "$svc" && picked=$(since "$t")
	sleep $WIN
	t1=$(now)
	n=$(starts_in "$t" "$t1")
	gap=$(gap_in "$t" "$t1")
	rot=$(($(rotated) - rot0))
	lines=$(lines_ok)
	linesrc=$?
	info "$name: crashy started $n times in $(since "$t")s, longest wait ${gap}s; $rot rotation(s) of counter's log;" \
		"$svc picked up ${picked:-never}s after the jump; sv status: counter $(uptime_of counter)s, crashy $(uptime_of crashy)s; $lines"
	info "$name: last line of current: $(tail -n 1 $logdir/current)"
	if ! same_procs; then
		why="a supervisor or the counter changed: runsvdir $(runsvdir_pid) (was $R), runsv counter $(runsv_pid counter) (was $RC), runsv crashy $(runsv_pid crashy) (was $RX), svlogd $(log_pid counter) (was $L)"
	elif [ -z "$picked" ]; then
		why="runsvdir did not start the new service $svc within 10s"
	elif awk -v g="$gap" 'BEGIN { exit !(g > 4) }'; then
		why="crashy waited ${gap}s for a restart (stuck throttle)"
	elif [ "$n" -lt $((WIN / 3)) ]; then
		why="crashy restarted only $n times in $(since "$t")s"
	elif [ "$rot" -gt 1 ]; then
		why="$rot rotations of counter's log in one jump's window (rotation storm)"
	elif [ $linesrc != 0 ]; then
		why="counter's log: $lines"
	fi
}

t=$(now)
sleep 4
info "before: crashy started $(starts_in "$t" "$(now)") times in $(since "$t")s; $(rotated) rotated files; sv status counter: $(svstat counter)"

# clock-back: a year back. runsv and sv compare wall-clock stamps that are
# now a year ahead; svlogd's age deadline too (see docs/RELIABILITY.md).
t=$(now) rot=$(rotated)
jump -$YEAR
info "clock set back a year: $(date -u '+%F %T') UTC"
watch clock-back newback "$t" "$rot"
up=$(uptime_of counter)
if [ -z "$why" ] && [ "$up" != 0 ]; then
	why="sv status counter says ${up}s with the clock behind its stamp; runit's sv says 0"
elif [ -z "$why" ] && [ "$rot" != 0 ]; then
	why="counter's log rotated $rot time(s) after the clock went back: its age deadline lies ahead"
fi
info "clock-back: runsvdir says (ps): $(ps -o args= -p "$R" | grep -o 'time warp[^.]*\.' | tail -n 1)"
if [ -n "$why" ]; then fail clock-back "$why"; else pass clock-back; fi

# clock-forward: two years forward (a year ahead of the true time).
t=$(now) rot=$(rotated)
jump $((2 * YEAR))
info "clock set forward two years: $(date -u '+%F %T') UTC"
watch clock-forward newfwd "$t" "$rot"
up=$(uptime_of counter)
if [ -z "$why" ] && ! awk -v u="$up" -v y=$YEAR 'BEGIN { exit !(u >= y - 60 && u <= y + 3600) }'; then
	why="sv status counter says ${up}s, a year ahead of its start is about $YEAR s"
elif [ -z "$why" ] && [ "$(uptime_of crashy)" -gt 5 ] 2>/dev/null; then
	why="sv status crashy says $(uptime_of crashy)s although it restarts every second"
fi
if [ -n "$why" ]; then fail clock-forward "$why"; else pass clock-forward; fi

restore
trap - EXIT
info "clock restored: $(date -u '+%F %T') UTC; sv status counter: $(svstat counter); $(lines_ok)"
ls -l $logdir | sed 1d

# Out of the way of the later scenarios.
for s in crashy counter newback newfwd; do rm -f /etc/svlnk/$s; done
