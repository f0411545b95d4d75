# Helpers for the scenario scripts that run inside the guest (POSIX sh:
# the harness pipes this file and one step script into `sh -s` over ssh).
# A scenario reports exactly one line, `PASS name` or `FAIL name: reason`;
# every other line is context the harness shows indented.

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
STATE=/root/vmtest-state
[ -f "$STATE" ] && . "$STATE"

pass() { echo "PASS $1"; }

# fail NAME REASON: the result line, then what a person debugging it needs.
fail() {
	echo "FAIL $1: $2"
	diag
}

info() { echo "$*"; }

# save VAR VALUE: keeps VAR for the step scripts of later boots.
save() {
	_v=$(echo $2)
	grep -v "^$1=" "$STATE" >"$STATE.tmp" 2>/dev/null
	echo "$1='$_v'" >>"$STATE.tmp"
	mv "$STATE.tmp" "$STATE"
	eval "$1='$_v'"
}

diag() {
	echo "--- process tree"
	ps -eo pid,ppid,stat,comm,args --forest | grep -v -e '\[.*\]$' | head -n 60
	echo "--- sv status /etc/svlnk/*"
	for d in /etc/svlnk/*; do [ -e "$d" ] && timeout 10 sv status "$d" 2>&1; done
	for f in /etc/sv/*/log/main/current; do
		[ -f "$f" ] || continue
		echo "--- tail $f"
		tail -n 8 "$f"
	done
	echo "---"
}

# now: seconds since boot, with decimals.
now() { cut -d' ' -f1 /proc/uptime; }

# later SECS: the uptime SECS from now.
later() { awk -v n="$(now)" -v d="$1" 'BEGIN { printf "%.2f\n", n + d }'; }

# past T: true when the uptime has passed T.
past() { awk -v n="$(now)" -v t="$1" 'BEGIN { exit !(n > t) }'; }

# since T: seconds elapsed since uptime T.
since() { awk -v n="$(now)" -v t="$1" 'BEGIN { printf "%.2f\n", n - t }'; }

# waitfor SECS CMD...: polls CMD until it succeeds; fails after SECS.
waitfor() {
	_end=$(later "$1")
	shift
	while ! "$@"; do
		past "$_end" && return 1
		sleep 0.2
	done
	return 0
}

# alive PID: the process exists and is not a zombie.
alive() {
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	case $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) in
	Z | X | '') return 1 ;;
	esac
	return 0
}

dead() { ! alive "$1"; }

# procs: "pid ppid comm name argv..." of every live process; name is
# argv[0]'s basename without a trailing colon (sshd's "sshd:").
procs() {
	ps -eo pid=,ppid=,stat=,comm=,args= | awk '$3 !~ /^Z/ {
		n = $5; sub(/.*\//, "", n); sub(/:$/, "", n)
		a = ""; for (i = 5; i <= NF; i++) a = a " " $i
		print $1, $2, $4, n a
	}'
}

# pids_named NAME: live pids whose command name or argv[0] is NAME (a Go
# program that executed itself again through /proc/self/exe is "exe" to
# the kernel but shows its argv[0] to ps).
pids_named() { procs | awk -v c="$1" '$3 == c || $4 == c { print $1 }'; }
pids_comm() { pids_named "$@"; }

has_comm() { [ -n "$(pids_named "$1")" ]; }
no_comm() { [ -z "$(pids_named "$1")" ]; }

# children PPID NAME: live children of PPID named NAME.
children() { procs | awk -v p="$1" -v c="$2" '$2 == p && ($3 == c || $4 == c) { print $1 }'; }

# kname PID: the kernel's name of PID, what ps -C, pgrep -x, pidof, killall
# and start-stop-daemon --name match.
kname() { cat "/proc/$1/comm" 2>/dev/null; }

# runsvdir_pid: the pid of the only runsvdir (empty when none or several).
runsvdir_pid() {
	_p=$(pids_comm runsvdir)
	[ "$(echo "$_p" | grep -c .)" = 1 ] && echo "$_p"
}

# runsv_pids NAME: live runsv processes supervising NAME.
runsv_pids() { procs | awk -v n="$1" '($3 == "runsv" || $4 == "runsv") && $6 == n && NF == 6 { print $1 }'; }

# runsv_pid NAME: the runsv of NAME (the first one when several).
runsv_pid() { runsv_pids "$1" | head -n 1; }

# svc_pid NAME COMM: the supervised daemon COMM under runsv NAME.
svc_pid() {
	_r=$(runsv_pid "$1")
	[ -n "$_r" ] && children "$_r" "$2" | head -n 1
}

# log_pid NAME: the svlogd under runsv NAME.
log_pid() { svc_pid "$1" svlogd; }

# listening PORT: pids of processes listening on TCP PORT.
listening() { ss -ltnp "sport = :$1" 2>/dev/null | awk 'NR > 1' | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u; }

# stamped FILE: lines of FILE that do not start with svlogd -tt's stamp.
unstamped() { grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+ ' "$1"; }

# apt_install DEB: what a user does: apt-get install ./DEB (apt resolves
# dependencies); apt before 1.1 (Jessie) cannot take a file, so there
# dpkg -i, then apt-get -f install for the dependencies.
apt_install() {
	if dpkg --compare-versions "$(dpkg-query -W -f='${Version}' apt)" ge 1.1; then
		DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y "$1"
	else
		timeout 300 dpkg -i "$1" || DEBIAN_FRONTEND=noninteractive timeout 300 apt-get -f install -y
	fi
}

# svstat NAME: sv status NAME's output (sv's default SVDIR is /etc/svlnk).
svstat() { timeout 10 sv status "$1" 2>&1; }

# is_run NAME: sv says the service runs.
is_run() { svstat "$1" | grep -q "^run: $1:"; }

# is_up_sshd: sshd supervised, running as sshd and listening on port 22.
sshd_up() {
	_s=$(svc_pid sshd sshd)
	[ -n "$_s" ] && listening 22 | grep -qx "$_s"
}

# enable NAME: link /etc/sv/NAME into /etc/svlnk, the documented way.
enable() { ln -sfn "/etc/sv/$1" "/etc/svlnk/$1"; }

# write_ticker: a user's own service whose run script logs its start and,
# on TERM, a last line before it exits, to see that logs stop after services.
write_ticker() {
	mkdir -p /etc/sv/ticker/log/main
	cat >/etc/sv/ticker/run <<'EOF'
#!/bin/sh
exec 2>&1
echo "ticker: starting"
trap 'kill $p 2>/dev/null; echo "ticker: got TERM, last line"; exit 0' TERM
while :; do
	sleep 1 &
	p=$!
	wait $p
done
EOF
	cat >/etc/sv/ticker/log/run <<'EOF'
#!/bin/sh
exec svlogd -tt ./main
EOF
	chmod 755 /etc/sv/ticker/run /etc/sv/ticker/log/run
}

# Run a step's scenarios with sh -e off: one failing command must not stop
# the others.
set +e
