# Boot 2, after sshd-restart: the operator commands on sshd, the sysvinit
# twin being the ssh script. op-enable, op-enable-again, op-summary,
# op-reset (the harness adds the login through port 22). Leaves sshd
# supervised, its ssh script disabled, as before.

# ssh_slinks: the ssh script's start links in runlevels 2-5.
ssh_slinks() { ls /etc/rc[2-5].d/S??ssh 2>/dev/null | tr '\n' ' '; }

# sysv_sshd: the sshd on port 22 when it is sysvinit's (a child of init).
sysv_sshd() {
	_l=$(listening 22)
	[ -n "$_l" ] && [ "$(echo "$_l" | grep -c .)" = 1 ] &&
		[ "$(awk '{ print $4 }' /proc/$_l/stat 2>/dev/null)" = 1 ] && echo "$_l"
}

# rclinks: a fingerprint of every runlevel link.
rclinks() { ls -l /etc/rc?.d | md5sum; }

# op NAME ARGS...: runs gorunit ARGS, output in /tmp/op-NAME.out (shown),
# exit status in $rc.
op() {
	_n=$1
	shift
	timeout 300 gorunit "$@" >/tmp/op-$_n.out 2>&1
	rc=$?
	info "\$ gorunit $* (exit $rc)"
	sed 's/^/    /' /tmp/op-$_n.out
}

# 1. op-enable: from sysvinit's sshd (gorunit disable -S puts it back) to
# the supervised one with gorunit enable.
waitfor 60 sshd_up
op disable-S disable -S sshd
if [ $rc != 0 ]; then
	fail op-enable "setup: gorunit disable -S sshd exited $rc"
elif ! waitfor 30 sysv_sshd >/dev/null; then
	fail op-enable "setup: after gorunit disable -S sshd, port 22 is not held by sysvinit's sshd (listeners: $(listening 22))"
elif [ -z "$(ssh_slinks)" ]; then
	fail op-enable "setup: after gorunit disable -S sshd, the ssh script has no S links in rc2-5"
elif [ -n "$(runsv_pids sshd)" ] || [ -e /etc/svlnk/sshd ] || [ -L /etc/svlnk/sshd ]; then
	fail op-enable "setup: after gorunit disable -S sshd, runsv sshd ($(runsv_pids sshd)) or the link is still there"
else
	old=$(sysv_sshd)
	info "sysvinit's sshd $old on port 22; S links: $(ssh_slinks)"
	op enable enable sshd
	o=/tmp/op-enable.out
	S=$(svc_pid sshd sshd)
	A=$(runsv_pid sshd)
	if [ $rc != 0 ]; then
		fail op-enable "gorunit enable sshd exited $rc"
	elif ! grep -q 'update-rc.d ssh disable' $o || ! grep -q 'ssh is stopped' $o; then
		fail op-enable "gorunit enable sshd does not say it disabled (update-rc.d ssh disable) and stopped (ssh is stopped) the ssh script"
	elif ! grep -q '^sshd: enabled: run ' $o || ! grep -q '; log: run ' $o; then
		fail op-enable "gorunit enable sshd does not say 'sshd: enabled: run ...; log: run ...'"
	elif [ -n "$(ssh_slinks)" ]; then
		fail op-enable "ssh start links left: $(ssh_slinks)"
	elif alive "$old"; then
		fail op-enable "sysvinit's sshd $old still running"
	elif [ -z "$S" ] || [ "$(listening 22)" != "$S" ]; then
		fail op-enable "port 22 is not held by the supervised sshd alone (supervised '$S', listeners: $(listening 22))"
	elif [ "$(awk '{ print $4 }' /proc/$S/stat)" != "$A" ] || [ "$(runsv_pids sshd)" != "$A" ]; then
		fail op-enable "sshd $S is not the child of the only 'runsv sshd' ($(runsv_pids sshd))"
	elif [ "$(awk '{ print $4 }' /proc/$A/stat)" != "$(runsvdir_pid)" ]; then
		fail op-enable "runsv sshd $A is not a child of runsvdir $(runsvdir_pid)"
	else
		pass op-enable
	fi
fi

# 2. op-enable-again: enabling an enabled service changes nothing.
waitfor 30 sshd_up
S=$(svc_pid sshd sshd)
L=$(log_pid sshd)
A=$(runsv_pid sshd)
links=$(rclinks)
op enable-again enable sshd
if [ $rc != 0 ]; then
	fail op-enable-again "second gorunit enable sshd exited $rc"
elif grep -q -e 'running: ' -e update-rc.d -e invoke-rc.d /tmp/op-enable-again.out; then
	fail op-enable-again "second gorunit enable sshd ran update-rc.d or invoke-rc.d"
elif [ "$links" != "$(rclinks)" ]; then
	fail op-enable-again "second gorunit enable sshd changed the runlevel links"
elif ! grep -q 'already linked' /tmp/op-enable-again.out; then
	fail op-enable-again "second gorunit enable sshd does not say 'already linked'"
elif [ "$(svc_pid sshd sshd)" != "$S" ] || [ "$(log_pid sshd)" != "$L" ] || [ "$(runsv_pid sshd)" != "$A" ]; then
	fail op-enable-again "pids changed: sshd $S -> $(svc_pid sshd sshd), svlogd $L -> $(log_pid sshd), runsv $A -> $(runsv_pid sshd)"
else
	pass op-enable-again
fi

# 3. op-summary: summary --json has sshd running with its log. The JSON is
# split into one "key": value per line, nested objects in order, so the
# first state and pid after the name are the service's, those after "log"
# the log's.
waitfor 30 sshd_up
S=$(svc_pid sshd sshd)
L=$(log_pid sshd)
op summary summary --json
sum=$(tr ',{}[]' '\n\n\n\n\n' </tmp/op-summary.out | sed 's/^[ \t]*//; s/[ \t]*$//' | awk '
	/^"name": *"/ { n = $0; sub(/^"name": *"/, "", n); sub(/".*/, "", n); inlog = 0; next }
	n != "sshd" { next }
	/^"log":/ { inlog = 1; if ($0 ~ /null/) print "log null"; next }
	/^"(state|pid)":/ {
		k = $1; gsub(/[":]/, "", k); v = $2; gsub(/"/, "", v)
		print (inlog ? "log" : "svc") "_" k, v
	}')
info "sshd in summary --json: $(echo $sum)"
if [ $rc != 0 ]; then
	fail op-summary "gorunit summary --json exited $rc"
elif ! echo "$sum" | grep -qx 'svc_state run'; then
	fail op-summary "sshd's state is not run in summary --json"
elif ! echo "$sum" | grep -qx "svc_pid $S"; then
	fail op-summary "sshd's pid in summary --json is not $S"
elif ! echo "$sum" | grep -qx 'log_state run'; then
	fail op-summary "sshd's log state is not run in summary --json"
elif ! echo "$sum" | grep -qx "log_pid $L"; then
	fail op-summary "sshd's log pid in summary --json is not $L"
else
	pass op-summary
fi

# 4. op-reset: the state smasher; new runsv, log and sshd, port 22 served
# again, the process tree printed.
waitfor 30 sshd_up
S=$(svc_pid sshd sshd)
L=$(log_pid sshd)
A=$(runsv_pid sshd)
op reset reset sshd
waitfor 30 sshd_up
S2=$(svc_pid sshd sshd)
L2=$(log_pid sshd)
A2=$(runsv_pid sshd)
info "before: runsv $A svlogd $L sshd $S; after: runsv $A2 svlogd $L2 sshd $S2"
if [ $rc != 0 ]; then
	fail op-reset "gorunit reset sshd exited $rc"
elif [ -z "$A2" ] || [ -z "$L2" ] || [ -z "$S2" ]; then
	fail op-reset "after reset: runsv '$A2', svlogd '$L2', sshd '$S2'"
elif [ "$A2" = "$A" ] || [ "$L2" = "$L" ] || [ "$S2" = "$S" ] || alive "$A" || alive "$L" || alive "$S"; then
	fail op-reset "not all new processes after reset"
elif [ "$(listening 22)" != "$S2" ]; then
	fail op-reset "port 22 not served by the new sshd $S2 alone (listeners: $(listening 22))"
elif ! grep -q 'PPID *PID *COMMAND' /tmp/op-reset.out || ! grep -q "^ *$A2 *$L2 .*svlogd" /tmp/op-reset.out ||
	! grep -q "^ *$A2 *$S2 .*sshd" /tmp/op-reset.out || ! grep -q " $A2 .*runsv sshd" /tmp/op-reset.out; then
	fail op-reset "the printed process tree does not show runsv $A2 with svlogd $L2 and sshd $S2"
elif ! is_run sshd; then
	fail op-reset "sv status sshd: $(svstat sshd)"
else
	pass op-reset
fi
