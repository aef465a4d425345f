# SPDX-License-Identifier: MIT
# The two set-up commands: `make run` (main job) and `make test` (every test, every sanitizer).
# Both install what is missing first. Builds live in build/<preset> (CMakePresets.json).
JOBS ?= $(shell nproc)
PRESETS_TESTED := debug release asan tsan

.PHONY: all setup run test bench bench-pool bench-datapath build-% test-% install-check clean

all: build-debug

setup:
	@bash scripts/setup.sh

build-%: setup
	@cmake --preset $* >/dev/null
	@cmake --build --preset $* -j $(JOBS)

test-%: build-%
	@ctest --preset $* -j $(JOBS)

# The main job: `netcx run`'s default (two simnic adapters on a wire, pktgen on one, echo on the
# other, 3 s), then its report.
run: build-release
	@build/release/tools/netcx/netcx run

test: $(addprefix test-,$(PRESETS_TESTED))
	@echo "make test: debug, release, asan and tsan suites passed"

bench-pool: build-release
	@bash bench/run_pool_bench.sh build/release

bench-datapath: build-release
	@bash bench/run_datapath_bench.sh build/release

# One after the other (never in parallel under make -j): both pin and time CPU 0.
bench: build-release
	@bash bench/run_pool_bench.sh build/release
	@bash bench/run_datapath_bench.sh build/release

clean:
	rm -rf build
