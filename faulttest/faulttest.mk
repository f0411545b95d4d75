# faulttest/faulttest.mk: the fault-injection suite and bounded fuzzing.
# The top Makefile includes it (-include faulttest/faulttest.mk); .ci/run
# calls `make faulttest`. Results and their meaning: docs/RELIABILITY.md.

.PHONY: faulttest faulttest-suite fuzz

# Each FuzzXxx target runs this long (15 targets: about 2 minutes).
FUZZTIME ?= 5s
# The suite's own bound (it takes 1-3 minutes on a loaded 2-core machine).
FAULTTEST_TIMEOUT ?= 8m

## faulttest: kill -9, full disk, crash loop, 1000 services, limits, clocks,
## hostile input, permissions (real processes, C runit side by side), then fuzz
faulttest: faulttest-suite fuzz

faulttest-suite: toolchain runit-ref
	@mkdir -p $(BUILD)
	@echo "go test -tags faulttest -count=1 -v ./faulttest/  (full log: $(BUILD)/faulttest.log)"
	@$(GO) test -tags faulttest -count=1 -v -timeout $(FAULTTEST_TIMEOUT) ./faulttest/ \
		>$(BUILD)/faulttest.log 2>&1; rc=$$?; \
	sed -n '/^=== faulttest summary/,$$p' $(BUILD)/faulttest.log; \
	if [ $$rc -ne 0 ]; then \
		echo "--- faulttest failed (exit $$rc); failures:"; \
		grep -E -A12 -- '^\s*--- FAIL|^panic:|test timed out' $(BUILD)/faulttest.log | head -n 150; \
		echo "--- the failed scenarios, with their reasons:"; \
		grep -E -- '^FAIL [a-z0-9]' $(BUILD)/faulttest.log | sort -u | cut -c1-2000; \
	fi; \
	exit $$rc

## fuzz: every FuzzXxx in the module for $(FUZZTIME) each (scripts/fuzz-all)
fuzz: toolchain
	FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz-all
