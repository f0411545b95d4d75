# gorunit: build, test, package, install. See README.md.
#
# Every target that needs Debian packages installs them itself with apt
# (scripts/need-pkgs), so the README's two commands work on a fresh machine.

export PATH := /usr/local/go/bin:$(PATH)
GO       ?= go
VERSION  ?= $(shell scripts/version)
LDFLAGS  := -s -w -X github.com/gorunit/gorunit/internal/cli.Version=$(VERSION)
GOBUILD  := CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)"
BUILD    := build
TOOLS    := runsv runsvdir sv svlogd chpst runsvchdir utmpset netisup
# What the package ships: the multi-call box gorunit, which answers to every
# tool name (the other names are symlinks to it), and STANDALONE, tools
# built from cmd/NAME as static binaries of their own. One runsv and one
# svlogd run per service, so their private memory counts per service: a
# binary without package os is ~45 kB smaller per process (~100 kB without
# os/signal) and starts faster, which the box, linking os and net for the
# other tools, cannot be. sv runs often from monitoring. Disk: +4-5 MB.
# packaging/README.md has the figures; packaging's tests keep this list in
# step with packaging/contents.go and .goreleaser.yaml.
STANDALONE := runsv sv svlogd
BINS       := gorunit $(STANDALONE)
# Debian's C runit, unpacked (not installed: it conflicts with gorunit) for
# side-by-side tests and benchmarks.
RUNIT_REF ?= $(CURDIR)/$(BUILD)/runit-ref/bin
export RUNIT_REF

.PHONY: all build tools test fmt-check vet bench runit-ref clean toolchain

all: build

## build: what the package ships: build/gorunit (the multi-call box) and
## build/{runsv,sv,svlogd} (standalone), all static
build: toolchain
	@mkdir -p $(BUILD)
	$(GOBUILD) -o $(BUILD)/ $(BINS:%=./cmd/%)

## tools: one static binary per tool in build/bin (for size comparisons; the
## package ships what `make build` builds)
tools: toolchain
	@mkdir -p $(BUILD)/bin
	for t in $(TOOLS); do $(GOBUILD) -o $(BUILD)/bin/$$t ./cmd/$$t || exit 1; done

## test: gofmt check, go vet, go test -race ./... (with C runit side by side)
test: toolchain fmt-check vet runit-ref
	$(GO) test -race -count=1 ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## bench: benchmarks side by side with C runit; figures go to docs/BENCHMARKS.md
bench: runit-ref build
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

## runit-ref: unpack Debian's runit package into build/runit-ref
runit-ref: $(BUILD)/runit-ref/bin/runsv

$(BUILD)/runit-ref/bin/runsv:
	scripts/runit-ref $(BUILD)/runit-ref

## toolchain: a Go new enough for go.mod, installed when missing
toolchain:
	@scripts/ensure-go

clean:
	rm -rf $(BUILD)

FORCE:

-include packaging/packaging.mk
-include vmtests/vmtests.mk
-include faulttest/faulttest.mk
