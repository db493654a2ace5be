# Data-parallel training, measured and modelled: the ODE-Net's time per
# step with 1 and 2 processes of one thread each on this machine, what a
# step exchanges, and from those the predicted time per epoch on 1 to 64
# nodes (`make scaling`, fig-scaling).
#
# measured.tsv     measure.sh: 2 epochs of the first IMAGES training images,
#                  TEST_IMAGES test images scored after each (SC_SIZE)
# model.tsv, points.tsv, summary.tsv   model.sh, the stated networks

SC_DIR := $(DATA)/scaling
SC_SIZE_quick := 512 256
SC_SIZE_paper := 1280 1000
SC_SIZE_full := 1280 1000

# A measurement: made again when the code, the config, MNIST or the sizes
# change, and run alone (every job slot: it times this machine).
$(SC_DIR)/measured.tsv: stages/scaling/measure.sh stages/odenet/odenet.ini $(MNIST_STAMP) \
    $(call setting,scaling-size,$(SC_SIZE_$(PROFILE))) $(call code,train,conv)
	$(SLOTS) all stages/scaling/measure.sh $(BIN) $(MNIST_DIR) $(SC_SIZE_$(PROFILE)) $(SC_DIR)

$(SC_DIR)/model.tsv $(SC_DIR)/points.tsv $(SC_DIR)/summary.tsv &: stages/scaling/model.sh \
    $(SC_DIR)/measured.tsv
	stages/scaling/model.sh $(SC_DIR)/measured.tsv $(SC_DIR)

# The stage's numbers as LaTeX macros, which the paper \inputs (tex-macros).
$(GEN)/numbers-scaling.tex: $(SC_DIR)/summary.tsv $(call code,tex-macros,tools)
	@mkdir -p $(@D)
	$(BIN)/tex-macros $@ $(SC_DIR)/summary.tsv

$(eval $(call figure,fig-scaling,stages/scaling/fig.gp,$(SC_DIR)/model.tsv $(SC_DIR)/points.tsv,dir='$(SC_DIR)'))

.PHONY: scaling
scaling: $(SC_DIR)/summary.tsv  ## measure data-parallel ODE-Net training with 1 and 2 processes, and model 1 to 64 nodes (quick 25 s, paper 1 min)
	@column -t $(SC_DIR)/measured.tsv; column -t $(SC_DIR)/model.tsv
fig-scaling:  ## predicted seconds per epoch against nodes, with the measured points

PAPER_INPUTS += $(GEN)/numbers-scaling.tex
