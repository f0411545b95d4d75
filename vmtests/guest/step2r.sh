# Boot 2, after op-reset: op-rollback. gorunit enable of an sshd whose run
# script fails must give back the sysvinit sshd it took away. Then the run
# script is restored and sshd supervised again, as the later scenarios
# expect.

ssh_slinks() { ls /etc/rc[2-5].d/S??ssh 2>/dev/null | tr '\n' ' '; }
sysv_sshd() {
	_l=$(listening 22)
	[ -n "$_l" ] && [ "$(echo "$_l" | grep -c .)" = 1 ] &&
		[ "$(awk '{ print $4 }' /proc/$_l/stat 2>/dev/null)" = 1 ] && echo "$_l"
}
op() {
	_n=$1
	shift
	timeout 300 gorunit "$@" >/tmp/op-$_n.out 2>&1
	rc=$?
	info "\$ gorunit $* (exit $rc)"
	sed 's/^/    /' /tmp/op-$_n.out
}

run=/etc/sv/sshd/run
orig=/var/tmp/vmtest-sshd-run.orig
waitfor 60 sshd_up
op rb-disable disable -S sshd
if [ $rc != 0 ] || ! waitfor 30 sysv_sshd >/dev/null || [ -z "$(ssh_slinks)" ]; then
	fail op-rollback "setup: gorunit disable -S sshd exited $rc; sysvinit sshd '$(sysv_sshd)', S links '$(ssh_slinks)'"
elif ! cp -p $run $orig; then
	fail op-rollback "cannot save $run"
else
	# exit 1 right after the #! line: runsv runs it again every second, and
	# the service never stays up.
	{ head -n 1 $orig && echo 'exit 1 # vmtest op-rollback' && tail -n +2 $orig; } >$run.tmp &&
		chmod 755 $run.tmp && mv $run.tmp $run
	old=$(sysv_sshd)
	op rb-enable enable -w 5 sshd
	mv $orig $run
	waitfor 30 sysv_sshd >/dev/null
	new=$(sysv_sshd)
	info "sysvinit's sshd before: $old, after: '$new'; S links: $(ssh_slinks); runsv sshd: '$(runsv_pids sshd)'"
	if [ $rc != 1 ]; then
		fail op-rollback "gorunit enable -w 5 sshd with a failing run exited $rc, not 1"
	elif ! grep -q 'rolling back' /tmp/op-rb-enable.out; then
		fail op-rollback "gorunit enable does not say it is rolling back"
	elif [ -z "$new" ]; then
		fail op-rollback "no sysvinit sshd on port 22 after the rollback (listeners: $(listening 22))"
	elif [ -z "$(ssh_slinks)" ]; then
		fail op-rollback "the ssh script was not enabled again (no S links in rc2-5)"
	elif [ -e /etc/svlnk/sshd ] || [ -L /etc/svlnk/sshd ] || [ -n "$(runsv_pids sshd)" ]; then
		fail op-rollback "the link or a runsv sshd ($(runsv_pids sshd)) is left after the rollback"
	elif ! timeout 60 /etc/init.d/ssh status >/dev/null 2>&1; then
		fail op-rollback "/etc/init.d/ssh status does not say running after the rollback"
	else
		pass op-rollback
	fi
fi

# Back to a supervised sshd for the later scenarios.
[ -f $orig ] && mv $orig $run
if [ -z "$(svc_pid sshd sshd)" ]; then
	op rb-restore enable sshd
	if [ $rc != 0 ] || ! waitfor 30 sshd_up || [ -n "$(ssh_slinks)" ]; then
		fail op-rollback "restore: gorunit enable sshd exited $rc; supervised sshd '$(svc_pid sshd sshd)', S links '$(ssh_slinks)'"
	fi
fi
info "after op-rollback: $(svstat sshd); port 22: $(listening 22)"
