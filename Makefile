# The two commands a new user needs: `make run` and `make test`. Everything else is for developers.
PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8080

.PHONY: all deps build run test test-asan unit integration bench format clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@mkdir -p data
	$(BUILD)/keyward serve --listen $(LISTEN) --data-dir data

# Every test in Release, then again under AddressSanitizer + UndefinedBehaviorSanitizer.
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600
	@$(MAKE) --no-print-directory test-asan

test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build build/asan -j $(JOBS)
	@cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

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

format:
	@find src tests bench fuzz -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build
