# Boot 2, continued: 5 netisup-gate; 7 runsvdir-kill; 8 shutdown, first
# half (/etc/init.d/gorunit stop, then start again before the harness
# reboots). runsvdir-kill leaves the old runsv processes orphaned (children
# of init, not of the new runsvdir), as runit does: the stop that follows
# must stop them too.

# 5. netisup-gate: a run script that waits for a port that opens later runs
# its daemon only after the port opens.
PORT=7411
mkdir -p /etc/sv/gated/log/main
cp /bin/sleep /usr/local/bin/gated
cat >/etc/sv/gated/run <<RUN
#!/bin/sh
exec 2>&1
echo "gated: checking for 127.0.0.1:$PORT"
if netisup 127.0.0.1 $PORT; then
	echo "gated: port open, starting"
	exec /usr/local/bin/gated 86400
fi
echo "gated: port closed, waiting"
sleep 1
RUN
printf '#!/bin/sh\nexec svlogd -tt ./main\n' >/etc/sv/gated/log/run
chmod 755 /etc/sv/gated/run /etc/sv/gated/log/run
cur=/etc/sv/gated/log/main/current
enable gated
closed() { grep -q 'port closed' $cur 2>/dev/null; }
if ! waitfor 60 closed; then
	fail netisup-gate "no 'port closed' line in $cur 60s after enabling (the run script never ran the gate)"
else
	early=
	end=$(later 4)
	while ! past "$end"; do
		[ -n "$(pids_comm gated)" ] && early=$(pids_comm gated) && break
		sleep 0.3
	done
	ncpid=
	if [ -n "$early" ]; then
		fail netisup-gate "daemon $early started while port $PORT was closed"
	else
		t=$(now)
		topen=$(date +%s.%N)
		nc -lk 127.0.0.1 $PORT </dev/null >/dev/null 2>&1 &
		ncpid=$!
		if ! waitfor 30 has_comm gated; then
			fail netisup-gate "daemon not started 30s after port $PORT opened"
		else
			dt=$(since "$t")
			G=$(pids_comm gated)
			# The first 'port open' line must be stamped after the port opened.
			stamp=$(grep -m1 'port open' $cur | cut -d' ' -f1 | tr _ ' ')
			sopen=$(date -d "$stamp" +%s.%N 2>/dev/null)
			info "port opened; daemon $G running after ${dt}s; $(grep -c 'port closed' $cur) closed checks before"
			if [ "$(awk '{ print $4 }' /proc/$G/stat)" != "$(runsv_pid gated)" ]; then
				fail netisup-gate "daemon $G is not the child of runsv gated"
			elif [ -z "$sopen" ] || awk -v a="$sopen" -v b="$topen" 'BEGIN { exit !(a < b) }'; then
				fail netisup-gate "'port open' logged at '$stamp', before the port opened ($topen)"
			else
				pass netisup-gate
			fi
		fi
	fi
	tail -n 4 $cur
	rm -f /etc/svlnk/gated
	waitfor 20 no_comm gated
	[ -n "$ncpid" ] && kill "$ncpid"
fi

# 7. runsvdir-kill: services survive kill -9 of runsvdir; the init script
# brings runsvdir back without starting a second sshd.
waitfor 60 sshd_up
R=$(runsvdir_pid)
A=$(runsv_pid sshd)
S=$(svc_pid sshd sshd)
T=$(svc_pid ticker run)
info "runsvdir=$R runsv sshd=$A sshd=$S ticker=$T"
if [ -z "$R" ] || [ -z "$S" ]; then
	fail runsvdir-kill "runsvdir or sshd not running before the test"
else
	kill -9 "$R"
	waitfor 10 dead "$R"
	sleep 3
	if alive "$R"; then
		fail runsvdir-kill "runsvdir $R survived kill -9?"
	elif ! alive "$A" || ! alive "$S" || ! alive "$T"; then
		fail runsvdir-kill "services died with runsvdir: runsv $A sshd $S ticker $T"
	elif ! is_run sshd; then
		fail runsvdir-kill "sv status sshd without runsvdir: $(svstat sshd)"
	else
		timeout 60 /etc/init.d/gorunit start
		rc=$?
		newr() { _r=$(runsvdir_pid); [ -n "$_r" ] && [ "$_r" != "$R" ]; }
		if ! waitfor 30 newr; then
			fail runsvdir-kill "no runsvdir 30s after /etc/init.d/gorunit start (exit $rc)"
		else
			# Watch a while: runsvdir may try to start runsv sshd again; the
			# lock must stop a second one, and no second sshd may appear.
			second=
			end=$(later 8)
			while ! past "$end"; do
				l=$(listening 22 | grep -vx "$S")
				if [ -n "$l" ]; then second="listener $l"; break; fi
				if [ "$(svc_pid sshd sshd)" != "$S" ]; then second="sshd now $(svc_pid sshd sshd)"; break; fi
				sleep 0.3
			done
			info "new runsvdir $(runsvdir_pid) (ppid $(awk '{ print $4 }' /proc/$(runsvdir_pid)/stat)); runsv sshd: $(runsv_pids sshd | tr '\n' ' ')"
			if [ -n "$second" ]; then
				fail runsvdir-kill "a second sshd: $second"
			elif ! alive "$S" || ! alive "$A" || [ "$(listening 22)" != "$S" ]; then
				fail runsvdir-kill "sshd $S under runsv $A not the only one on port 22: $(listening 22)"
			elif ! is_run sshd; then
				fail runsvdir-kill "sv status sshd: $(svstat sshd)"
			else
				pass runsvdir-kill
			fi
		fi
	fi
fi

# 8. shutdown, first half: /etc/init.d/gorunit stop stops every service and
# then its log (the log keeps the service's last line) and leaves nothing.
cur=/etc/sv/ticker/log/main/current
waitfor 30 is_run ticker
R=$(runsvdir_pid)
pids=$(echo $R $(pids_comm runsv) $(pids_comm svlogd) $(svc_pid sshd sshd) $(svc_pid ntpd ntpd) $(svc_pid ticker run))
terms=$(grep -c 'got TERM' $cur)
info "before stop: $(echo $pids | wc -w) processes: $pids; $terms TERM lines in $cur"
t=$(now)
timeout 120 /etc/init.d/gorunit stop
rc=$?
dt=$(since "$t")
left() {
	_l=
	for p in $pids; do alive "$p" && _l="$_l $p"; done
	for c in runsvdir runsv svlogd; do _l="$_l $(pids_comm $c)"; done
	echo $_l | tr ' ' '\n' | sort -u | tr '\n' ' '
}
# stop must wait; allow a moment for the last exits to be reaped by init
none_alive() { for p in $pids; do alive "$p" && return 1; done; return 0; }
waitfor 3 none_alive
stray=$(left | sed 's/ *$//')
info "gorunit stop: exit $rc after ${dt}s; left: '${stray}'"
last=$(tail -n 1 $cur)
if [ $rc != 0 ]; then
	fail shutdown "/etc/init.d/gorunit stop exited $rc"
elif [ -n "$stray" ]; then
	for p in $stray; do ps -o pid=,ppid=,args= -p $p; done
	fail shutdown "processes left after gorunit stop: $stray"
elif [ "$(grep -c 'got TERM' $cur)" != $((terms + 1)) ]; then
	tail -n 3 $cur
	fail shutdown "ticker's last line (got TERM) not in its log: the log stopped first or the service was not TERMed"
elif ! echo "$last" | grep -q 'got TERM'; then
	fail shutdown "log's last line is not the service's last line: $last"
else
	save TERMS $((terms + 1))
	info "ticker log ends: $last"
	# Back up for the reboot half, which the harness checks from boot 3.
	timeout 60 /etc/init.d/gorunit start
	if ! waitfor 60 sshd_up || ! waitfor 30 is_run ticker || ! waitfor 30 is_run ntpd; then
		fail shutdown "services not back 60s after /etc/init.d/gorunit start"
	else
		save SHUTDOWN_PIDS "$(runsvdir_pid) $(pids_comm runsv) $(pids_comm svlogd) $(svc_pid sshd sshd) $(svc_pid ntpd ntpd) $(svc_pid ticker run)"
		save SHUTDOWN_FIRST ok
		info "restarted; rebooting next"
	fi
fi
