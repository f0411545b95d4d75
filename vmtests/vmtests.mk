# vmtests: boot a sysvinit guest under QEMU (TCG), install the .deb the way
# a user does, reboot, and check supervision end to end. See vmtests/README.md.
# Included by the top Makefile.

# VMTEST_DEB: test this .deb instead of building one with `make deb`.
VMTEST_DEB ?=

.PHONY: vmtest vmtest-pkgs vmtest-image vmtest-clean

## vmtest: boot a sysvinit guest under QEMU, install the .deb, reboot, check
vmtest: vmtest-pkgs
	@set -e; deb='$(VMTEST_DEB)'; \
	if [ -z "$$deb" ]; then \
		[ -f packaging/packaging.mk ] || { echo "vmtest: no 'make deb' here yet (packaging/packaging.mk is missing)" >&2; exit 1; }; \
		$(MAKE) --no-print-directory deb; \
		deb=$$(ls -t $(BUILD)/gorunit_*.deb 2>/dev/null | head -n 1); \
		[ -n "$$deb" ] || { echo "vmtest: make deb left no $(BUILD)/gorunit_*.deb" >&2; exit 1; }; \
	fi; \
	vmtests/run "$$deb"

# qemu, qemu-img, debootstrap and friends, installed with apt when missing.
vmtest-pkgs:
	@scripts/need-pkgs qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils \
		debootstrap:debootstrap mkfs.ext4:e2fsprogs ssh:openssh-client ssh-keygen:openssh-client \
		ss:iproute2 flock:util-linux
	@[ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || [ -n "$$VM_KEYRING" ] || \
		scripts/need-pkgs debian-archive-keyring-missing:debian-archive-keyring

## vmtest-image: build (or find in the cache) the guest image only
vmtest-image: vmtest-pkgs
	vmtests/image

vmtest-clean:
	rm -rf $(BUILD)/vm
