# Shared shell helpers for the vmtests harness (sourced, bash).
#
# Parameters (environment), all optional:
#   VM_MIRROR   apt mirror for debootstrap (default: this machine's Debian
#               mirror, read from /etc/apt/sources.list*)
#   VM_SUITE    suite (default bookworm); e.g. VM_SUITE=daedalus with a
#               Devuan mirror and keyring
#   VM_KEYRING  keyring file for debootstrap (default: Debian's archive keyring)
#   VM_INCLUDE  extra packages for debootstrap, comma separated (default:
#               the list below, with ntpsec or ntp and orphan-sysvinit-scripts
#               as the suite has them)
#   VM_DEBOOTSTRAP_SCRIPT  debootstrap's script for the suite (default: the
#               suite's own, else sid, e.g. for Devuan suites newer than
#               this debootstrap)
#   VM_CACHE    where built images are cached, keyed by a hash of the inputs
#               (default /var/cache/gorunit-vm when writable, else build/vm)

VMT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VMT_ROOT=$(cd "$VMT_DIR/.." && pwd)

: "${VM_SUITE:=bookworm}"
: "${VM_KEYRING:=/usr/share/keyrings/debian-archive-keyring.gpg}"
# Debian since bookworm and Devuan since daedalus ship NTPsec; before, ntp.
# orphan-sysvinit-scripts (init scripts Debian dropped) is Debian's only.
case $VM_SUITE in
bookworm | trixie | forky | sid | unstable | testing | stable | daedalus | excalibur | freia | ceres) _ntp=ntpsec ;;
*) _ntp=ntp ;;
esac
case $VM_SUITE in
bullseye | bookworm | trixie | forky | sid | unstable | testing | stable) _orphan=orphan-sysvinit-scripts, ;;
*) _orphan= ;;
esac
: "${VM_INCLUDE:=sysvinit-core,sysv-rc,initscripts,${_orphan}insserv,startpar,openssh-server,$_ntp,netcat-openbsd,iproute2,ifupdown,procps,kmod,linux-image-amd64}"
if [ -z "${VM_DEBOOTSTRAP_SCRIPT:-}" ] && [ ! -e "/usr/share/debootstrap/scripts/$VM_SUITE" ]; then
	VM_DEBOOTSTRAP_SCRIPT=/usr/share/debootstrap/scripts/sid
fi

say() { printf 'vmtest: %s\n' "$*" >&2; }
die() { printf 'vmtest: fatal: %s\n' "$*" >&2; exit 1; }

# host_mirror prints the first Debian mirror URI this machine's apt uses for
# a main suite (one-line or deb822 sources), or deb.debian.org.
host_mirror() {
	local f u
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		u=$(awk '
			/^[[:space:]]*deb[[:space:]]/ {
				i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
				if ($(i+1) !~ /-(security|updates|backports)$/ && $i ~ /debian\/?$/) { print $i; exit }
			}
			/^URIs:/ { u = $2 }
			/^Suites:/ { if (u ~ /debian\/?$/ && $0 !~ /-security/) { print u; exit } }
		' "$f")
		[ -n "$u" ] && { echo "${u%/}"; return; }
	done
	echo http://deb.debian.org/debian
}

: "${VM_MIRROR:=$(host_mirror)}"

if [ -z "${VM_CACHE:-}" ]; then
	if mkdir -p /var/cache/gorunit-vm 2>/dev/null && [ -w /var/cache/gorunit-vm ]; then
		VM_CACHE=/var/cache/gorunit-vm
	else
		VM_CACHE=$VMT_ROOT/build/vm
	fi
fi

# image_key prints the hash of every input of the image build.
image_key() {
	{
		printf '%s\n' "$VM_MIRROR" "$VM_SUITE" "$VM_INCLUDE" "${VM_DEBOOTSTRAP_SCRIPT:-}"
		sha256sum <"$VM_KEYRING"
		cat "$VMT_DIR/image" "$VMT_DIR/customize"
	} | sha256sum | cut -c1-16
}

# ssh options for talking to the guest: throwaway host keys, no prompts.
vm_ssh_opts() {
	printf '%s\n' -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o ConnectTimeout=30 -o ServerAliveInterval=10 -o ServerAliveCountMax=6 \
		-o IdentitiesOnly=yes
}
