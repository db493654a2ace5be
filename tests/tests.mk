# Unit tests (cmocka) and command-line tests; `make test` runs them all.
TEST_SRC := $(wildcard tests/*.c)
TEST_OBJ := $(patsubst tests/%.c,$(BUILD)/obj/tests/%.o,$(TEST_SRC))

$(BUILD)/obj/tests/%.o: tests/%.c | $(BUILD)/deps.ok
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -MMD -MP -c $< -o $@

$(BUILD)/tests/unit: $(TEST_OBJ) $(BUILD)/libnodeode.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(OPENMP) $(TEST_OBJ) $(BUILD)/libnodeode.a $(DEP_LIBS) \
	  $$(pkg-config --libs cmocka) -o $@

.PHONY: test test-unit test-cli test-clang
test-unit: $(BUILD)/tests/unit $(MNIST_FILES)
	MNIST_DIR=$(MNIST_DIR) $(BUILD)/tests/unit

# The command-line tools and the MNIST fetch, as a user meets them.
test-cli: $(BINARIES) $(MNIST_FILES)
	tests/cli.sh $(BIN) $(MNIST_DIR)
	tests/hostile_data.sh $(BIN)
	tests/hostile_cmds.sh $(BIN)

# The same sources must compile warning-free with clang too.
test-clang: | $(BUILD)/deps.ok
	@if command -v clang >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory BUILD=$(BUILD)/clang CC=clang bin $(BUILD)/clang/tests/unit \
	    > $(BUILD)/clang.log 2>&1 || { cat $(BUILD)/clang.log; exit 1; }; \
	  echo "clang: warning-free build"; \
	else echo "clang: not installed, skipped"; fi

test: test-clang test-cli test-unit  ## unit tests and command-line tests
