# Convenience wrapper around CMake/CTest. The two commands a newcomer needs:
#   make test   install what is missing, build, run every test (unit, command, integration
#               against a real Kafka broker), then the unit and command tests again under
#               AddressSanitizer + UndefinedBehaviorSanitizer (clang)
#   make demo   the whole pipeline on synthetic data for the seed's three stations
BUILD      ?= build
BUILD_SAN  ?= build-san
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build build-san test test-unit test-san demo bench clean

all: build

deps:
	scripts/install-deps.sh
	scripts/install-web.sh

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
	cmake --build $(BUILD) -j $(JOBS)

build-san:
	CC=clang cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DWX_SANITIZE=ON > /dev/null
	cmake --build $(BUILD_SAN) -j $(JOBS)

# Unit and command tests only: no broker needed.
test-unit: build
	cd $(BUILD) && ctest -L 'unit|cli' --output-on-failure

test-san: build-san
	cd $(BUILD_SAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest -L 'unit|cli' --output-on-failure

test: deps build build-san
	cd $(BUILD) && ctest --output-on-failure
	$(MAKE) test-san

demo: deps build
	scripts/demo.sh $(BUILD)/wxstream

bench: build
	bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_SAN)

# libFuzzer harnesses (fuzz/README.md): builds them in $(BUILD_FUZZ) with clang and runs each
# for FUZZ_SECONDS on its corpus, e.g. `make fuzz FUZZ_SECONDS=600`.
BUILD_FUZZ   ?= build-fuzz
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz:
	fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)
