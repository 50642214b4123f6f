# Tessera's two front doors: `make run` and `make test`. Both install what is missing
# (scripts/setup), configure with CMake + Ninja (+ ccache) and build.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
PORT ?= 8080
HOST ?= 127.0.0.1
DATA ?= $(CURDIR)/.tessera-data

.PHONY: all setup configure build run test unit format format-check bench fuzz clean

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

# Everything: format check, unit + integration tests, and short smoke runs.
test: build
	scripts/check-format
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

format:
	find src tests bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

format-check:
	scripts/check-format

clean:
	rm -rf $(BUILD)
