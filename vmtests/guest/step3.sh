# Boot 3, after the reboot that ended boot 2: 8 shutdown, second half (the
# reboot stopped services and logs in order, leaving nothing behind);
# 9 upgrade; 7 runsvdir-kill (last: it orphans the old runsv processes).

# 8. shutdown, second half.
cur=/etc/sv/ticker/log/main/current
ps=/var/log/vmtest-shutdown.ps
waitfor 60 is_run ticker
if [ "${SHUTDOWN_FIRST:-}" != ok ]; then
	info "shutdown: first half failed, reboot half checked anyway"
fi
# What still ran when vmtest-probe's stop ran (after gorunit's, X-Stop-After).
stray=
if [ -f $ps ]; then
	for p in $SHUTDOWN_PIDS; do
		awk -v p="$p" '$1 == p && $3 !~ /^Z/' $ps | grep -q . && stray="$stray $p"
	done
	stray="$stray $(awk '$3 !~ /^Z/ { n = $5; sub(/.*\//, "", n); if ($4 ~ /^(runsvdir|runsv|svlogd)$/ || n ~ /^(runsvdir|runsv|svlogd)$/) print $1 }' $ps | tr '\n' ' ')"
	stray=$(echo $stray)
fi
order=$(ls /etc/rc6.d | grep -e gorunit -e vmtest-probe | tr '\n' ' ')
info "rc6.d: $order; ticker log: $(grep -c 'got TERM' $cur) TERM lines (expected $((${TERMS:-0} + 1)))"
prev=$(grep -e 'got TERM' -e 'ticker: starting' $cur | tail -n 2 | head -n 1)
if ! ls /etc/rc6.d/K*gorunit >/dev/null 2>&1 || ! ls /etc/rc0.d/K*gorunit >/dev/null 2>&1; then
	fail shutdown "no K link for gorunit in rc0.d or rc6.d: a reboot does not stop it"
elif [ ! -f $ps ]; then
	fail shutdown "the shutdown probe did not run ($ps missing)"
elif [ -n "$stray" ]; then
	grep -w -e runsvdir -e runsv -e svlogd $ps
	fail shutdown "still running after gorunit stopped at reboot: $stray"
elif [ "$(grep -c 'got TERM' $cur)" != "$((${TERMS:-0} + 1))" ] || ! echo "$prev" | grep -q 'got TERM'; then
	grep -e 'got TERM' -e 'ticker: starting' $cur | tail -n 4
	fail shutdown "ticker's last line before the reboot is not in its log"
elif [ "${SHUTDOWN_FIRST:-}" = ok ]; then
	info "last line before reboot: $prev"
	pass shutdown
fi

# 9. upgrade: services keep running with the same pids.
waitfor 60 sshd_up
waitfor 30 is_run ntpd
list() { echo "runsv:$(runsv_pid sshd),$(runsv_pid ntpd),$(runsv_pid ticker) svlogd:$(log_pid sshd),$(log_pid ntpd),$(log_pid ticker) sshd:$(svc_pid sshd sshd) ntpd:$(svc_pid ntpd ntpd) ticker:$(svc_pid ticker run)"; }
before=$(list)
R=$(runsvdir_pid)
old=$(dpkg-query -W -f='${Version}' gorunit)
t=$(now)
if ! apt_install "$NEWDEB" >/tmp/apt-upgrade.log 2>&1; then
	tail -n 20 /tmp/apt-upgrade.log
	fail upgrade "apt-get install -y $NEWDEB failed"
else
	new=$(dpkg-query -W -f='${Version}' gorunit)
	sleep 3 # a restart the upgrade triggered would show as new pids
	after=$(list)
	info "upgrade $old -> $new took $(since "$t")s; runsvdir $R -> $(runsvdir_pid)"
	info "before: $before"
	info "after:  $after"
	if [ "$new" != "$NEWVERSION" ]; then
		fail upgrade "installed version is $new, not $NEWVERSION"
	elif echo "$before" | grep -q -e ':,' -e ': ' -e ':$' -e ',,' -e ', '; then
		fail upgrade "not every service was running before the upgrade"
	elif [ "$before" != "$after" ]; then
		fail upgrade "service pids changed: the upgrade restarted services"
	elif ! is_run sshd || ! is_run ntpd || ! is_run ticker; then
		fail upgrade "sv status after upgrade: $(svstat sshd); $(svstat ntpd); $(svstat ticker)"
	elif [ -z "$(runsvdir_pid)" ]; then
		fail upgrade "runsvdir not running after the upgrade"
	else
		pass upgrade
	fi
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
