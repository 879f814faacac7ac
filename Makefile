# Entry points: `make demo` and `make test` work on a fresh Debian 12 machine.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all setup configure build demo test bench clean

all: build

setup:
	@scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) > $(BUILD).configure.log || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)/tools/restora/restora

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# docs/PERFORMANCE.md: our engine beside PyTorch-Python and OpenCV's peers (bench/run_bench.py -h).
bench: build
	@/usr/bin/python3 bench/run_bench.py $(BENCH_FLAGS)

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
