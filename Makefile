# Thin wrapper around CMake for the README's two commands.
#   make demo   install missing Debian packages, build, run the default job
#   make check  build and run the whole test suite (ctest)
# CMAKE_FLAGS goes to every cmake configure: `make check CMAKE_FLAGS=-DFATE_WERROR=ON`
# makes warnings errors (CI), -DBLA_VENDOR=... picks another BLAS (README).
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build demo check check-asan bench install clean
PREFIX ?= /usr/local
export DESTDIR

all: build

deps:
	@sh scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

# Configuring again is cheap and carries CMAKE_FLAGS into a folder
# configured before.
build: deps $(BUILD)/CMakeCache.txt
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	./$(BUILD)/fate phase

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Unit and CLI tests (the reliability suite included) under AddressSanitizer +
# UndefinedBehaviorSanitizer (run by CI). fontconfig, which PLplot's cairo
# driver loads, keeps its caches until exit: tests/lsan.supp silences that
# library alone. Open MPI's own allocations are not ours to fix, so the MPI
# test runs in the plain build only.
check-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFATE_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|cli' -LE mpi

# Installs libfate.so (versioned soname), headers, fate.pc, the CLI, its man
# page and the Python package under PREFIX (DESTDIR honoured).
install: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)
	cmake --install $(BUILD)

bench: build
	./$(BUILD)/bench_step
	OPENBLAS_NUM_THREADS=1 ./$(BUILD)/bench_mlp

clean:
	rm -rf $(BUILD) build-asan
