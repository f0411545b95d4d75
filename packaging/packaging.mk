# Debian package targets, included by the top Makefile.
#
#   make deb          build/gorunit_VERSION_ARCH.deb from `make build`'s
#                     binaries (reproducible);
#                     GOARCH=arm64 make deb builds one for another arch
#   make install      build the .deb and apt install it on this machine
#   make lintian      lintian on the .deb (fails on any error or warning)
#   make chroot-test  install/upgrade/remove/purge in a debootstrap chroot
#   make cross        build the static binaries for every arch goreleaser ships
#   make goreleaser-check     goreleaser check
#   make goreleaser-snapshot  all four arches' binaries and .debs in dist/

# The mtime of everything in the .deb: the last commit's time, so two
# builds of one commit are the same bytes.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
export SOURCE_DATE_EPOCH
DEB_GOARCH ?= $(shell $(GO) env GOARCH)
MKDEB      := $(BUILD)/mkdeb

.PHONY: deb install lintian chroot-test goreleaser-check goreleaser-snapshot cross

$(MKDEB): toolchain FORCE
	@mkdir -p $(BUILD)
	# For this machine, whatever GOARCH the package is for.
	CGO_ENABLED=0 GOOS=$$($(GO) env GOHOSTOS) GOARCH=$$($(GO) env GOHOSTARCH) \
		$(GO) build -trimpath -o $@ ./packaging

## deb: build/gorunit_VERSION_ARCH.deb from build/{gorunit,runsv,sv,svlogd} (nfpm, gzip members)
deb: build $(MKDEB)
	rm -f $(BUILD)/gorunit_*.deb
	$(MKDEB) -bindir $(BUILD) -arch $(DEB_GOARCH) -version $(VERSION) -out $(BUILD)

## install: build the .deb and install it with apt (runsvdir starts on /etc/svlnk)
install: deb
	scripts/need-pkgs apt-get:apt
	SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --allow-downgrades ./$$(ls $(BUILD)/gorunit_*.deb)

## lintian: lintian on the .deb; any error or warning not overridden fails
lintian: deb
	scripts/need-pkgs lintian:lintian
	lintian --fail-on error,warning $(BUILD)/gorunit_*.deb

## chroot-test: install, upgrade (local conffile edit kept), remove, purge in a bookworm chroot
chroot-test: deb runit-ref
	scripts/need-pkgs debootstrap:debootstrap
	packaging/chroot-test $(BUILD)

# goreleaser v2.16.0 (later versions do not install from this proxy), built
# into build/tools on first use (~6 minutes); GORELEASER=path uses another.
GORELEASER ?= $(BUILD)/tools/goreleaser

$(BUILD)/tools/goreleaser:
	GOBIN=$(CURDIR)/$(BUILD)/tools $(GO) install github.com/goreleaser/goreleaser/v2@v2.16.0

## goreleaser-check: goreleaser check on .goreleaser.yaml
goreleaser-check: $(GORELEASER)
	$(GORELEASER) check

## goreleaser-snapshot: static binaries and .debs for amd64, arm64, i386, armhf in dist/
# (needs a git remote, any URL, for the commit date: see .goreleaser.yaml)
goreleaser-snapshot: $(GORELEASER)
	GORUNIT_VERSION=$(VERSION) $(GORELEASER) release --snapshot --clean

# The arches .goreleaser.yaml ships (packaging's tests compare the two).
CROSS_GOARCH := amd64 arm64 386 arm

## cross: build/cross/GOARCH/{gorunit,runsv,sv,svlogd} for each of CROSS_GOARCH
cross: toolchain
	@mkdir -p $(BUILD)/cross
	for a in $(CROSS_GOARCH); do \
		mkdir -p $(BUILD)/cross/$$a && \
		GOARCH=$$a GOARM=7 $(GOBUILD) -o $(BUILD)/cross/$$a/ $(BINS:%=./cmd/%) || exit 1; \
	done
