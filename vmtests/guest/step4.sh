# Boot 4: 10 purge. runsvdir and runsv go; the user's service definitions
# and every log stay.
waitfor 60 is_run ticker
info "before purge: $(procs | awk '$3 == "runsvdir" || $3 == "runsv" || $3 == "svlogd"' | wc -l) runsvdir/runsv/svlogd processes"
if ! DEBIAN_FRONTEND=noninteractive apt-get purge -y gorunit >/tmp/apt-purge.log 2>&1; then
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
