# Thin wrapper over CMake. `make` builds build/mloncall; `make check` builds
# with ASan+UBSan in build-check/ and runs the whole test suite; `make demo`
# runs the main job; `make docs` renders runbooks/ into docs/runbooks/.
# Both build targets install missing Debian packages first.
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
CHECK_BUILD ?= build-check

.PHONY: all deps build check demo demo-full bench clean format docs
SCENARIO ?= quality

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

check:
	@scripts/deps.sh test
	@scripts/deps.sh optional
	@cmake -S . -B $(CHECK_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMLONCALL_SANITIZE=ON >/dev/null
	@cmake --build $(CHECK_BUILD) -j $(JOBS)
	@cd $(CHECK_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The story of one incident, alert to postmortem (docs/demo.md):
# SCENARIO=quality (default) or latency; demo-full has a real Prometheus
# and Alertmanager raise the alert.
demo: build
	@scripts/deps.sh demo
	@scripts/demo.sh $(SCENARIO)

demo-full: build
	@scripts/deps.sh demo-full
	@DEMO_FULL=1 scripts/demo.sh $(SCENARIO)

bench: build
	@for b in bench/*/run.sh; do echo "== $$b"; sh $$b || exit 1; done

docs: build
	@scripts/gen-runbook-docs.sh $(BUILD)/mloncall docs/runbooks

format:
	@clang-format -i $$(find src tests sandbox bench -name '*.[ch]')

clean:
	rm -rf $(BUILD) $(CHECK_BUILD)
