# Tessera's two front doors: `make run` and `make test`. Both install what is missing
# (scripts/setup), configure with CMake + Ninja (+ ccache) and build.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
PORT ?= 8080
HOST ?= 127.0.0.1
DATA ?= $(CURDIR)/.tessera-data

.PHONY: all setup configure build run test format format-check bench bench-smoke sim clean
.PHONY: fuzz soak
.PHONY: test-asan test-tsan

all: build

setup:
	@scripts/setup

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

configure: setup $(BUILD)/build.ninja

build: configure
	ninja -C $(BUILD) -j $(JOBS)

# Starts the server on http://$(HOST):$(PORT) with the sample images imported.
run: build
	scripts/run-demo "$(BUILD)/src/tessera" "$(DATA)" "$(HOST)" "$(PORT)"

# Everything: format check, unit + integration tests (CTest, including a short run of every
# micro benchmark and a replay of every fuzz corpus), short smoke runs of the load benchmark, the
# viewing simulation and the soak, then every CTest test again under ASan+UBSan and the
# concurrent ones under TSan (docs/testing.md).
test: build
	scripts/check-format
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	bench/load/run.sh --quick --tessera $(BUILD)/src/tessera
	bench/sim/run.sh --quick --tessera $(BUILD)/src/tessera --sim $(BUILD)/bench/sim/tessera_sim
	bench/soak/run.sh --quick --tessera $(BUILD)/src/tessera
	$(MAKE) test-asan
	$(MAKE) test-tsan

# Sanitizers (docs/testing.md), each in its own build directory: every CTest test under
# ASan+UBSan, and the tests labelled "concurrency" (every test binary with threads of its own or
# a multi-threaded server under it) under TSan; only their binaries are built there.
# The suppressions (tests/sanitizers/*.supp) reach the tests through CTest's environment.
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan

test-asan: setup
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DTESSERA_SANITIZE=address,undefined $(CMAKE_FLAGS)
	ninja -C $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

test-tsan: setup
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DTESSERA_SANITIZE=thread $(CMAKE_FLAGS)
	ninja -C $(TSAN_BUILD) -j $(JOBS) concurrency_tests
	cd $(TSAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L '^concurrency$$'

# Performance (docs/performance.md): the full load benchmark against nginx (Release build in
# build-bench/, ~6 min, bench/results/latest.md), then the micro benchmarks.
bench: setup
	bench/load/run.sh
	ninja -C build-bench bench_micro
	for b in keys codec resample; do taskset -c 1 build-bench/bench/micro/bench_$$b \
	  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true; done
	build-bench/bench/micro/bench_cache --benchmark_repetitions=3 \
	  --benchmark_report_aggregates_only=true

bench-smoke: build
	bench/load/run.sh --quick --tessera $(BUILD)/src/tessera
	bench/sim/run.sh --quick --tessera $(BUILD)/src/tessera --sim $(BUILD)/bench/sim/tessera_sim
	bench/soak/run.sh --quick --tessera $(BUILD)/src/tessera

# Memory under load (docs/performance.md#memory-under-load-the-30-minute-soak-and-the-allocator):
# 30 minutes of mixed load on one server with a small, always-evicting tile cache, RSS sampled
# every 10 s; fails on any request error or RSS growth after warm-up above 64 MiB/hour
# (bench/results/soak-jemalloc.md). SOAK_FLAGS, e.g. --allocator glibc, picks another allocator.
SOAK_FLAGS ?=
soak: build
	bench/soak/run.sh --tessera $(BUILD)/src/tessera $(SOAK_FLAGS)

# Multi-user viewing: the same simulated users against the lru and protect tile cache policies,
# with the offline optimum (Release build in build-sim/, ~6 min, bench/results/sim.md).
sim: setup
	bench/sim/run.sh

# Fuzzing (docs/fuzzing.md): the libFuzzer targets of fuzz/ built with clang, ASan and UBSan in
# build-fuzz/, each run for FUZZ_SECONDS (default 60) over its seeds; findings fail the run.
FUZZ_SECONDS ?= 60
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz

format:
	find src tests bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

format-check:
	scripts/check-format

clean:
	rm -rf $(BUILD)
