# The README's commands. Everything installs what it needs (scripts/bootstrap).
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: all bootstrap configure build test demo bench soak fuzz sanitize clean

all: build

bootstrap:
	@bash scripts/bootstrap

configure: bootstrap
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# ctest starts the servers the tests need (fixtures) and stops them by PID.
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

sanitize:
	@$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DDI_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

# The demo needs only the two executables (the embedded PostgreSQL is diamond-ingest's).
demo: configure
	@cmake --build $(BUILD) -j $(JOBS) --target diamond-ingest nivoda-sim
	@bash scripts/demo $(BUILD)

bench: build
	@bash scripts/bench $(BUILD)

# The long versions of the reliability scenarios (tests/reliability, docs/RELIABILITY.md);
# SOAK_REPEAT=n runs each n times (stopping at the first failure), SOAK_TESTS=regex picks some.
SOAK_REPEAT ?= 1
SOAK_TESTS ?= .
soak: build
	@cd $(BUILD) && DI_SOAK=1 ctest --output-on-failure -L reliability -R '$(SOAK_TESTS)' --timeout 7200 \
	  --repeat until-fail:$(SOAK_REPEAT)

# libFuzzer targets (fuzz/README.md): clang tree build-fuzz, FUZZ_SECONDS per target (default 60).
fuzz:
	@bash scripts/fuzz

clean:
	rm -rf $(BUILD) build-asan
