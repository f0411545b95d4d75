# Boot 3, after the reboot that ended boot 2: 8 shutdown, second half (the
# reboot stopped services and logs in order, leaving nothing behind);
# 9 upgrade; 10 purge (the harness powers off next).

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

# 10. purge: runsvdir and runsv go; the user's service definitions and
# every log stay.
waitfor 60 is_run ticker
info "before purge: $(procs | awk '$3 == "runsvdir" || $3 == "runsv" || $3 == "svlogd"' | wc -l) runsvdir/runsv/svlogd processes"
if ! DEBIAN_FRONTEND=noninteractive timeout 300 apt-get purge -y gorunit >/tmp/apt-purge.log 2>&1; then
	tail -n 20 /tmp/apt-purge.log
	fail purge "apt-get purge -y gorunit failed"
else
	gone() { [ -z "$(pids_comm runsvdir)$(pids_comm runsv)$(pids_comm svlogd)" ]; }
	waitfor 30 gone
	missing=
	for f in /etc/sv/ticker/run /etc/sv/ticker/log/run /etc/sv/ticker/log/main/current /etc/sv/sshd/log/main/current /etc/sv/ntpd/log/main/current; do
		[ -s "$f" ] || missing="$missing $f"
	done
	if dpkg-query -W -f='${Status}' gorunit 2>/dev/null | grep -q 'installed\|config-files'; then
		fail purge "dpkg still lists gorunit: $(dpkg-query -W -f='${Status}' gorunit)"
	elif ! gone; then
		fail purge "still running 30s after purge: runsvdir $(pids_comm runsvdir) runsv $(pids_comm runsv) svlogd $(pids_comm svlogd)"
	elif [ -e /usr/bin/runsvdir ] || [ -e /etc/init.d/gorunit ] || ls /etc/rc2.d/*gorunit >/dev/null 2>&1; then
		fail purge "files left: $(ls -d /usr/bin/runsvdir /etc/init.d/gorunit /etc/rc2.d/*gorunit 2>/dev/null)"
	elif [ -n "$missing" ]; then
		fail purge "user services or logs removed:$missing"
	else
		info "left alone: $(ls /etc/sv | tr '\n' ' '); logs: $(ls /etc/sv/*/log/main/current | tr '\n' ' ')"
		pass purge
	fi
fi
