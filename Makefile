# The two commands a new user needs: `make run` and `make test`. Everything else is for developers.
PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 4
SOAK_SECONDS ?= 300

.PHONY: all deps build run test tidy asan-build test-asan unit integration bench format clean fuzz fuzz-build fuzz-smoke soak test-clients

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@mkdir -p data
	$(BUILD)/keyward serve --listen $(LISTEN) --data-dir data

# Every test in Release, clang-tidy on the .cc files changed since main (scripts/tidy-changed),
# then every test again under AddressSanitizer + UndefinedBehaviorSanitizer (clang, with
# -Wthread-safety), then a short smoke run of every fuzz target (built by the same sanitizer build:
# one compile, not two), then the client libraries (clients/node, clients/python) against the
# Release binary.
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600
	@scripts/tidy-changed
	@$(MAKE) --no-print-directory test-asan
	@scripts/run-fuzzers $(FUZZ_SMOKE_SECONDS)
	@scripts/test-clients $(BUILD)/keyward

# The client libraries' suites (clients/node, clients/python) against the real binary.
test-clients: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target keyward
	@scripts/test-clients $(BUILD)/keyward

# The asan preset (clang): the tests and the libFuzzer targets.
asan-build: deps
	@cmake --preset asan >/dev/null
	@cmake --build build/asan -j $(JOBS)

test-asan: asan-build
	@cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

# libFuzzer targets (fuzz/, clang, ASan + UBSan): each runs FUZZ_SECONDS.
fuzz-build: asan-build

fuzz: fuzz-build
	@scripts/run-fuzzers $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	@scripts/run-fuzzers $(FUZZ_SMOKE_SECONDS)

# wrk at ~80% of measured capacity for SOAK_SECONDS with valid, invalid, revoked and limited keys.
soak: deps
	@scripts/install-deps --bench
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS)
	@SOAK_SECONDS=$(SOAK_SECONDS) bench/soak

# clang-tidy on the .cc files changed since main (or since HEAD~1 on main).
tidy: build
	@scripts/tidy-changed

unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

integration: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L integration

bench: deps
	@scripts/install-deps --bench
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS)
	@bench/run
	@bench/scale-out
	@bench/webhooks
	@build/release/keyward_micro_bench --benchmark_filter='Usage' --benchmark_min_time=1

format:
	@find src tests bench fuzz -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build
