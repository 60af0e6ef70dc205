# The README's two commands: `make demo` and `make test`. Each installs what is missing
# (scripts/setup.sh, Debian packages only), configures and builds, then runs.

PRESET ?= release
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc)
MMCLAW := $(BUILD_DIR)/src/mmclaw

.PHONY: all setup configure build test test-debug demo bench clean

all: build

setup:
	@bash scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	cmake --preset $(PRESET)

configure: setup $(BUILD_DIR)/build.ninja

build: configure
	cmake --build --preset $(PRESET) -j $(JOBS)

test: build
	ctest --preset $(PRESET) -j $(JOBS)
ifeq ($(CI),true)
ifeq ($(PRESET),release)
	@echo "== CI: the same suite under AddressSanitizer and UndefinedBehaviorSanitizer"
	@$(MAKE) --no-print-directory test PRESET=debug
endif
endif

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
test-debug:
	@$(MAKE) --no-print-directory test PRESET=debug

# The demo: mmsim, llmsim and `mmclaw gateway` on 127.0.0.1 and a chat in this terminal
# (docs/commands.md, "mmclaw demo"). ARGS passes options: make demo ARGS="--script examples/demo.txt".
ARGS ?=
demo: build
	@echo "== $(MMCLAW) demo $(ARGS)"
	@$(MMCLAW) demo $(ARGS)

bench: build
	$(BUILD_DIR)/bench/bench_config
	$(BUILD_DIR)/bench/bench_gateway
	$(BUILD_DIR)/bench/bench_burst
	$(BUILD_DIR)/bench/bench_agent
	$(BUILD_DIR)/bench/bench_message
	$(BUILD_DIR)/bench/bench_callbacks

clean:
	rm -rf build
