# Unit tests (cmocka) and command-line tests; `make test` runs them all.
# The unit tests sit beside the layers they test: tests/unit/LAYER/ and
# tests/unit/models/KIND/.  Each tests/unit/.../test_NAME.c is a group
# defining NAME_tests[] and NAME_tests_count; the runner's list of groups is
# made from the files, so a new group is its file alone.
UNIT_GROUP_SRC := $(sort $(wildcard tests/unit/*/test_*.c tests/unit/models/*/test_*.c))
UNIT_GROUPS := $(patsubst test_%.c,%_tests,$(notdir $(UNIT_GROUP_SRC)))
TEST_SRC := tests/unit/main.c tests/unit/test_util.c $(UNIT_GROUP_SRC)
TEST_OBJ := $(patsubst tests/%.c,$(BUILD)/obj/tests/%.o,$(TEST_SRC))

$(BUILD)/obj/tests/%.o: tests/%.c | $(BUILD)/deps.ok
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -I$(BUILD)/tests -MMD -MP -c $< -o $@

# Rewritten only when the list of groups changes.
$(BUILD)/tests/test_groups.h: FORCE
	+@mkdir -p $(@D)
	+@{ echo '/* Made by tests/tests.mk from the files tests/unit/.../test_NAME.c. */'; \
	   printf '#define TEST_GROUPS(X)'; for g in $(UNIT_GROUPS); do printf ' X(%s)' $$g; done; \
	   echo; } > $@.$$$$.tmp && $(call write_if_changed,$@.$$$$.tmp,$@)
$(BUILD)/obj/tests/unit/main.o: $(BUILD)/tests/test_groups.h

$(BUILD)/tests/unit: $(TEST_OBJ) $(BUILD)/libnodeode.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(OPENMP) $(TEST_OBJ) $(BUILD)/libnodeode.a $(DEP_LIBS) \
	  $$(pkg-config --libs cmocka) -o $@

.PHONY: test test-unit test-cli test-clang test-mpi test-make test-layout
test-unit: $(BUILD)/tests/unit $(MNIST_FILES)
	MNIST_DIR=$(MNIST_DIR) $(BUILD)/tests/unit

# The command-line tools and the MNIST fetch, as a user meets them.
test-cli: $(BINARIES) $(MNIST_FILES)
	tests/cli.sh $(BIN) $(MNIST_DIR)
	tests/hostile_data.sh $(BIN)
	tests/hostile_cmds.sh $(BIN)
	tests/judge.sh $(BIN)

# The code's shape: includes point down the library's layers
# (src/lib/README.md), no function over 80 lines without a stated reason,
# code stamps that cover what a kind links and nothing of another kind.
test-layout: $(BINARIES)
	tests/layers.sh src/lib
	tests/function_length.sh 80 src
	tests/code_stamps.sh $(BUILD)

# Hostile values of the Makefile's variables, dry runs that write nothing,
# MNIST verified every time (tests/make_safety.sh).
test-make: $(MNIST_FILES)
	tests/make_safety.sh $(MNIST_DIR)

# The recipes' timing records, `make timings`' table and the plan `make`
# prints first (tests/timings.sh).
.PHONY: test-timings
test-timings: $(BINARIES) $(MNIST_FILES)
	tests/timings.sh $(MNIST_DIR)

# Data-parallel training under mpirun against one process (tests/mpi.sh).
test-mpi: $(BINARIES) $(BUILD)/tests/ckpt-diff $(MNIST_FILES)
	tests/mpi.sh $(BIN) $(BUILD)/tests $(MNIST_DIR)

# The same sources must compile warning-free with clang too.
test-clang: | $(BUILD)/deps.ok
	@if command -v clang >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory BUILD=$(BUILD)/clang CC=clang bin $(BUILD)/clang/tests/unit \
	    > $(BUILD)/clang.log 2>&1 || { cat $(BUILD)/clang.log; exit 1; }; \
	  echo "clang: warning-free build"; \
	else echo "clang: not installed, skipped"; fi


# ---------------------------------------------------------------- sanitizers
# The library, the commands and the unit tests built by clang with
# AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer into
# $(SAN_BUILD), then the unit tests and the command-line tests (cli.sh,
# hostile_data.sh, hostile_cmds.sh) run against them.
# Any finding is fatal: every report also goes to a file under
# $(SAN_BUILD)/reports/, and one file there fails the target, so a finding in
# a command that cli.sh expects to fail (whose exit status alone would pass)
# is caught too.  tests/lsan.supp silences leaks inside third-party
# libraries only.  The same objects carry libFuzzer's coverage
# instrumentation (fuzzer-no-link), so the fuzz harnesses link against them
# and nothing is compiled twice.
SAN_BUILD := $(BUILD)/sanitize
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,leak \
              -fno-sanitize-recover=all -fsanitize=fuzzer-no-link
SAN_REPORTS := $(abspath $(SAN_BUILD))/reports
SAN_ENV = ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:exitcode=86:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$(SAN_REPORTS)/asan \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=86:log_path=$(SAN_REPORTS)/ubsan \
  LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0:exitcode=86
# Slowest first, so that two at once finish close together.
FUZZERS := config checkpoint claims idx table expected tsv sequences verdicts
FUZZ_BINS := $(patsubst %,$(SAN_BUILD)/fuzz/fuzz-%,$(FUZZERS))

# (Inside the sanitizer build, BUILD is $(SAN_BUILD) and CC clang.)
$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/fuzz_tsv_check.h $(BUILD)/libnodeode.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -D_GNU_SOURCE -fsanitize=fuzzer $< $(BUILD)/libnodeode.a $(DEP_LIBS) -o $@

# The sanitized build, and the fuzz seed corpora made by its commands.
.PHONY: sanitize-build
sanitize-build: | $(BUILD)/deps.ok
	@command -v clang >/dev/null 2>&1 || { echo "sanitize: clang not installed (src/scripts/deps.sh installs it)"; exit 1; }
	@mkdir -p $(SAN_BUILD)
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) CC=clang CFLAGS='$(SAN_CFLAGS)' \
	    bin $(SAN_BUILD)/tests/unit $(FUZZ_BINS) > $(SAN_BUILD)/build.log 2>&1 \
	  || { tail -n 60 $(SAN_BUILD)/build.log; exit 1; }
	@if [ ! -d $(SAN_BUILD)/seeds ] || [ -n "$$(find tests/fuzz/seeds.sh $(SAN_BUILD)/bin $(wildcard stages/*/*.ini) -newer $(SAN_BUILD)/seeds 2>/dev/null)" ]; then \
	   rm -rf $(SAN_REPORTS); mkdir -p $(SAN_REPORTS); \
	   $(SAN_ENV) tests/fuzz/seeds.sh $(SAN_BUILD)/bin $(SAN_BUILD)/seeds || exit 1; \
	   $(call san_no_reports,seeds); fi

# Fails, printing them, if the sanitizers wrote any report.
san_no_reports = if [ -n "$$(ls $(SAN_REPORTS) 2>/dev/null)" ]; then \
  echo "sanitize: findings in $(1):"; cat $(SAN_REPORTS)/*; exit 1; fi

.PHONY: test-sanitize fuzz fuzz-smoke
test-sanitize: sanitize-build $(MNIST_FILES)  ## unit and command-line tests under ASan, UBSan and LSan (clang)
	@rm -rf $(SAN_REPORTS); mkdir -p $(SAN_REPORTS)
	$(SAN_ENV) MNIST_DIR=$(MNIST_DIR) $(SAN_BUILD)/tests/unit > $(SAN_BUILD)/unit.log 2>&1 \
	  || { tail -n 40 $(SAN_BUILD)/unit.log; cat $(SAN_REPORTS)/* 2>/dev/null; exit 1; }
	@$(call san_no_reports,the unit tests)
	$(SAN_ENV) tests/cli.sh $(SAN_BUILD)/bin $(MNIST_DIR) > $(SAN_BUILD)/cli.log 2>&1 \
	  || { cat $(SAN_BUILD)/cli.log; cat $(SAN_REPORTS)/* 2>/dev/null; exit 1; }
	@for t in hostile_data hostile_cmds judge; do \
	  $(SAN_ENV) tests/$$t.sh $(SAN_BUILD)/bin > $(SAN_BUILD)/$$t.log 2>&1 \
	    || { cat $(SAN_BUILD)/$$t.log; cat $(SAN_REPORTS)/* 2>/dev/null; exit 1; }; done
	@$(call san_no_reports,the command-line tests)
	@echo "sanitize: unit tests passed; $$(tail -n 1 $(SAN_BUILD)/cli.log) (cli.sh), $$(tail -n 1 $(SAN_BUILD)/hostile_data.log) (hostile_data.sh), $$(tail -n 1 $(SAN_BUILD)/hostile_cmds.log) (hostile_cmds.sh); no findings"

# Fuzzing (libFuzzer): each harness from its seeds (tests/fuzz/seeds.sh)
# plus the corpus it grew before, in $(SAN_BUILD)/corpus/NAME; a crash
# leaves its input in $(SAN_BUILD)/crashes/.  `make fuzz` runs each harness
# for FUZZ_RUNS inputs (1,000,000) or FUZZ_SECONDS seconds (170), whichever
# comes first, FUZZ_JOBS (2) harnesses at once, and closes with each one's
# count: even if all 9 ran to the cap, 5 rounds of 170 s stay within 15
# minutes; at the rates measured (README, Tests) every harness reaches its
# million well before the cap, in about 4 minutes in all.  `make fuzz-smoke` (part of `make test`) runs
# FUZZ_SMOKE_RUNS inputs each, from the seeds only.
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?= 170
FUZZ_JOBS ?= 2
FUZZ_SMOKE_RUNS ?= 2000
FUZZ_OPTS := -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -max_len=8192 -print_final_stats=1
FUZZ_ENV = $(SAN_ENV) ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
fuzz: sanitize-build  ## run each fuzz harness for FUZZ_RUNS (1,000,000) inputs, at most FUZZ_SECONDS (170) s, 2 at once
	@mkdir -p $(SAN_BUILD)/crashes
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) $(patsubst %,fuzz-one-%,$(FUZZERS))
	@echo "fuzz: inputs run per harness (goal $(FUZZ_RUNS), cap $(FUZZ_SECONDS) s each):"; \
	for f in $(FUZZERS); do cat $(SAN_BUILD)/fuzz-$$f.count; done
# One harness; its line of the closing count in $(SAN_BUILD)/fuzz-NAME.count.
.PHONY: $(patsubst %,fuzz-one-%,$(FUZZERS))
$(patsubst %,fuzz-one-%,$(FUZZERS)): fuzz-one-%:
	@mkdir -p $(SAN_BUILD)/corpus/$* $(SAN_BUILD)/crashes
	@start=$$(date +%s); \
	$(FUZZ_ENV) $(SAN_BUILD)/fuzz/fuzz-$* $(FUZZ_OPTS) -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=$(SAN_BUILD)/crashes/$*- $(SAN_BUILD)/corpus/$* $(SAN_BUILD)/seeds/$* \
	    > $(SAN_BUILD)/fuzz-$*.log 2>&1 || { tail -n 60 $(SAN_BUILD)/fuzz-$*.log; exit 1; }; \
	n=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(SAN_BUILD)/fuzz-$*.log); \
	s=$$(( $$(date +%s) - start )); \
	line=$$(printf '  %-10s %9s inputs in %4s s (%s/s)%s' $* "$$n" "$$s" "$$(( n / (s > 0 ? s : 1) ))" \
	  "$$( [ "$$n" -ge $(FUZZ_RUNS) ] || echo ', stopped by the time cap')"); \
	echo "$$line" > $(SAN_BUILD)/fuzz-$*.count; echo "fuzz:$$line"
fuzz-smoke: sanitize-build
	@mkdir -p $(SAN_BUILD)/crashes
	@for f in $(FUZZERS); do \
	  $(FUZZ_ENV) $(SAN_BUILD)/fuzz/fuzz-$$f $(FUZZ_OPTS) -runs=$(FUZZ_SMOKE_RUNS) -seed=1 \
	    -artifact_prefix=$(SAN_BUILD)/crashes/$$f- $(SAN_BUILD)/seeds/$$f \
	    > $(SAN_BUILD)/fuzz-smoke-$$f.log 2>&1 || { tail -n 60 $(SAN_BUILD)/fuzz-smoke-$$f.log; exit 1; }; \
	done; echo "fuzz-smoke: $(FUZZ_SMOKE_RUNS) inputs each: $(FUZZERS): no crash"

test: test-layout test-make test-timings test-clang test-cli test-mpi test-unit test-sanitize fuzz-smoke  ## unit, command-line, data-parallel (MPI), sanitizer and fuzz-smoke tests

# Helpers of the command-line tests.
$(BUILD)/tests/ckpt-diff: tests/tools/ckpt_diff.c $(BUILD)/libnodeode.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libnodeode.a $(DEP_LIBS) -o $@
