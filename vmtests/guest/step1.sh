# Boot 1, the fresh guest: 1 install; then enable sshd, ntpd and a service
# of the user's own the documented way, ready for the reboot.

# 1. install: apt, not dpkg, so dependencies are resolved.
t=$(now)
if ! apt_install "$DEB" >/tmp/apt-install.log 2>&1; then
	tail -n 20 /tmp/apt-install.log
	fail install "apt-get install -y $DEB failed"
elif [ "$(dpkg-query -W -f='${Status}' gorunit 2>/dev/null)" != "install ok installed" ]; then
	fail install "gorunit not 'install ok installed' after apt: $(dpkg-query -W -f='${Status}' gorunit 2>&1)"
elif ! [ -x /usr/bin/runsvdir ] || ! [ -x /usr/bin/sv ] || ! [ -x /etc/init.d/gorunit ]; then
	fail install "missing /usr/bin/runsvdir, /usr/bin/sv or /etc/init.d/gorunit"
elif ! waitfor 30 runsvdir_pid >/dev/null; then
	fail install "runsvdir not running 30s after install (postinst should start it)"
else
	info "apt install took $(since "$t")s; $(dpkg-query -W -f='${Package} ${Version}' gorunit); runsvdir pid $(runsvdir_pid)"
	pass install
fi

# Setup for the next boot, the way README.md documents it.
if [ -x /etc/init.d/gorunit ]; then
	update-rc.d ssh disable >/dev/null 2>&1
	invoke-rc.d ssh stop >/dev/null 2>&1
	for s in ntpsec ntp; do
		[ -x /etc/init.d/$s ] || continue
		update-rc.d $s disable >/dev/null 2>&1
		invoke-rc.d $s stop >/dev/null 2>&1
	done
	write_ticker
	mkdir -p /etc/svlnk
	enable sshd
	enable ntpd
	enable ticker
	ls -l /etc/svlnk | sed 1d
	ls -l /etc/rc2.d | grep -e gorunit -e ssh -e ntp
fi
