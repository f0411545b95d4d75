# Boot 2, after enabling: 2 boot-sshd, 4 sshd-log, 6 ntpd, 3 sshd-restart.

info "guest: PID 1 is $(cat /proc/1/comm); $(uname -r); uptime $(now)s"

# 2. boot-sshd: runsvdir from the init script, runsv sshd its child, svlogd
# and sshd below that; sv status says run. (The harness adds the login
# through the forwarded port 22.)
waitfor 60 sshd_up
R=$(runsvdir_pid)
A=$(runsv_pid sshd)
S=$(svc_pid sshd sshd)
L=$(log_pid sshd)
info "runsvdir=$R runsv sshd=$A sshd=$S svlogd=$L"
info "sv status sshd: $(svstat sshd)"
if [ "$(cat /proc/1/comm)" != init ] || dpkg -s systemd-sysv >/dev/null 2>&1; then
	fail boot-sshd "PID 1 is not sysvinit's init"
elif [ -z "$R" ]; then
	fail boot-sshd "no single runsvdir running ($(pids_comm runsvdir | wc -l) found)"
elif [ "$(awk '{ print $4 }' /proc/$R/stat)" != 1 ]; then
	fail boot-sshd "runsvdir's parent is $(awk '{ print $4 }' /proc/$R/stat), not init"
elif ! timeout 20 /etc/init.d/gorunit status >/dev/null 2>&1; then
	fail boot-sshd "/etc/init.d/gorunit status says not running"
elif ! ls /etc/rc2.d/S*gorunit >/dev/null 2>&1; then
	fail boot-sshd "no /etc/rc2.d/S*gorunit link: not started by the init script at boot"
elif [ -z "$A" ] || [ "$(awk '{ print $4 }' /proc/$A/stat)" != "$R" ]; then
	fail boot-sshd "no 'runsv sshd' child of runsvdir $R"
elif [ -z "$L" ]; then
	fail boot-sshd "no svlogd child of runsv sshd $A"
elif [ -z "$S" ]; then
	fail boot-sshd "no sshd child of runsv sshd $A"
elif ! listening 22 | grep -qx "$S"; then
	fail boot-sshd "supervised sshd $S does not listen on port 22 (listeners: $(listening 22))"
elif ls /etc/rc2.d/S*ssh >/dev/null 2>&1; then
	fail boot-sshd "sysvinit's ssh script is still enabled"
elif ! is_run sshd; then
	fail boot-sshd "sv status sshd: $(svstat sshd)"
elif [ "$(kname $R)" != runsvdir ] || [ "$(kname $A)" != runsv ] || [ "$(kname $L)" != svlogd ]; then
	fail boot-sshd "process names (comm) are runsvdir=$(kname $R) runsv=$(kname $A) svlogd=$(kname $L): ps -C, pgrep -x, pidof, killall and start-stop-daemon --name do not find them as with runit"
else
	pass boot-sshd
fi

# 4. sshd-log: timestamped lines in main/current, with the run script's own
# network check message.
cur=/etc/sv/sshd/log/main/current
if ! [ -s $cur ]; then
	fail sshd-log "$cur missing or empty"
elif [ -n "$(unstamped $cur)" ]; then
	unstamped $cur | head -n 5
	fail sshd-log "$cur has lines without an svlogd -tt timestamp"
elif ! grep -Eiq 'network|netisup' $cur; then
	fail sshd-log "no 'Checking for network up' style line from the run script in $cur"
else
	info "$cur:"
	head -n 5 $cur
	pass sshd-log
fi

# 6. ntpd: the template supervised the same way; no pool or server lines,
# so nothing leaves the guest (qemu's restrict=on enforces it too).
waitfor 60 is_run ntpd
A=$(runsv_pid ntpd)
N=$(svc_pid ntpd ntpd)
info "runsv ntpd=$A ntpd=$N; sv status ntpd: $(svstat ntpd)"
if [ -z "$A" ] || [ "$(awk '{ print $4 }' /proc/$A/stat)" != "$R" ]; then
	fail ntpd "no 'runsv ntpd' child of runsvdir $R"
elif [ -z "$N" ]; then
	fail ntpd "no ntpd child of runsv ntpd $A"
elif [ -z "$(log_pid ntpd)" ]; then
	fail ntpd "no svlogd child of runsv ntpd $A"
elif ls /etc/rc2.d/S*ntp* >/dev/null 2>&1; then
	fail ntpd "the sysvinit ntp script is still enabled"
else
	sleep 5 # a run script that keeps failing would show as a new pid
	N2=$(svc_pid ntpd ntpd)
	others=$(pids_comm ntpd | grep -vx "$N2")
	if [ "$N2" != "$N" ]; then
		fail ntpd "ntpd pid changed from $N to '$N2' in 5s: restarting"
	elif [ -n "$others" ]; then
		fail ntpd "unsupervised ntpd running: $others"
	elif ! is_run ntpd; then
		fail ntpd "sv status ntpd: $(svstat ntpd)"
	elif [ ! -s /etc/sv/ntpd/log/main/current ] || [ -n "$(unstamped /etc/sv/ntpd/log/main/current)" ]; then
		fail ntpd "/etc/sv/ntpd/log/main/current empty or not timestamped"
	else
		tail -n 3 /etc/sv/ntpd/log/main/current
		pass ntpd
	fi
fi

# 3. sshd-restart: kill -9 brings a new sshd at once; sv down keeps it down;
# sv up brings it back.
S=$(svc_pid sshd sshd)
if [ -z "$S" ]; then
	fail sshd-restart "no supervised sshd to kill"
else
	t=$(now)
	kill -9 "$S"
	newsshd() { _n=$(svc_pid sshd sshd); [ -n "$_n" ] && [ "$_n" != "$S" ]; }
	if ! waitfor 30 newsshd; then
		fail sshd-restart "no new sshd 30s after kill -9 $S"
	else
		dt=$(since "$t")
		S2=$(svc_pid sshd sshd)
		# The new sshd's birth (runsv's fork of ./run, which execs sshd)
		# against the kill, from the kernel's start time: polling under TCG
		# is too slow to time a restart.
		born=$(awk -v s="$(awk '{ print $22 }' /proc/$S2/stat)" -v hz="$(getconf CLK_TCK)" -v t="$t" 'BEGIN { printf "%.2f\n", s / hz - t }')
		info "kill -9 $S: new sshd $S2 born ${born}s after the kill, seen running after ${dt}s"
		if awk -v d="$born" -v l="$RESTART_LIMIT" 'BEGIN { exit !(d > l) }'; then
			fail sshd-restart "new sshd started ${born}s after kill -9, more than ${RESTART_LIMIT}s"
		elif ! timeout 20 sv down sshd; then
			fail sshd-restart "sv down sshd failed"
		elif ! waitfor 20 dead "$S2"; then
			fail sshd-restart "sshd $S2 still running 20s after sv down"
		else
			stays=yes
			end=$(later 5)
			while ! past "$end"; do
				if [ -n "$(svc_pid sshd sshd)" ] || [ -n "$(listening 22)" ]; then stays=no; break; fi
				sleep 0.3
			done
			st=$(svstat sshd)
			info "after sv down: $st"
			if [ $stays = no ]; then
				fail sshd-restart "sshd came back after sv down: $(svc_pid sshd sshd) $(listening 22)"
			elif ! echo "$st" | grep -q '^down: sshd:'; then
				fail sshd-restart "sv status after sv down: $st"
			elif ! timeout 20 sv up sshd; then
				fail sshd-restart "sv up sshd failed"
			elif ! waitfor 30 sshd_up; then
				fail sshd-restart "sshd not back 30s after sv up"
			elif ! is_run sshd; then
				fail sshd-restart "sv status after sv up: $(svstat sshd)"
			else
				info "after sv up: $(svstat sshd)"
				pass sshd-restart
			fi
		fi
	fi
fi
