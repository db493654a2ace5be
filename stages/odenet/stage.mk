# The reproduction report's first result (Chen et al. 2018, Sec. 7.1): ODE-Net against
# ResNet on MNIST, `make table-odenet` and fig-odenet.
#
# NAME/log.tsv, model.ckpt, train.tsv   train, stages/odenet/NAME.ini
# table.tsv, table-odenet.tex           table.sh, beside the reports' numbers

ON_DIR := $(DATA)/odenet
ON_RUNS := odenet resnet
# quick: 32 steps as 8 epochs of 512 training images, so that the log and
# fig-odenet have a point every 4 iterations (CI); paper: the epochs that fit
# in about two hours in double on 2 cores (less than an hour now, float32 in
# oneDNN); full: the INI's 30.
ON_SET_quick := --set train.epochs=8 --set data.train_count=512 --set data.test_count=1000
ON_SET_paper := --set train.epochs=6
ON_SET_full :=

ON_RUN_SET := $(ON_SET_$(PROFILE)) $(RUN_ARGS)
$(ON_DIR)/%/log.tsv $(ON_DIR)/%/model.ckpt $(ON_DIR)/%/train.tsv: stages/odenet/%.ini \
    $(MNIST_STAMP) $(call setting,odenet-run,$(ON_RUN_SET)) $(GROUP_SETTING) $(call code,train,conv)
	@mkdir -p $(@D)
	$(TRAIN_GROUP) --config $< --data $(MNIST_DIR) $(ON_RUN_SET) \
	  --log $(@D)/log.tsv --model $(@D)/model.ckpt --summary $(@D)/train.tsv --prefix $*

ON_SUMMARIES := $(foreach r,$(ON_RUNS),$(ON_DIR)/$(r)/train.tsv)

$(ON_DIR)/table.tsv $(GEN)/table-odenet.tex &: stages/odenet/table.sh src/scripts/summary.sh $(ON_SUMMARIES)
	@mkdir -p $(GEN)
	stages/odenet/table.sh $(ON_DIR) $(ON_DIR)/table.tsv $(GEN)/table-odenet.tex

$(eval $(call figure,fig-odenet,stages/odenet/fig.gp,\
  $(foreach r,$(ON_RUNS),$(ON_DIR)/$(r)/log.tsv),dir='$(ON_DIR)'))

.PHONY: odenet table-odenet
odenet: $(ON_SUMMARIES)  ## train the ODE-Net and the ResNet on MNIST (quick 2 min, paper about 2 h)
table-odenet: $(ON_DIR)/table.tsv $(GEN)/table-odenet.tex  ## print ODE-Net vs ResNet beside the reports
	@awk -F '\t' '{ printf "%-8s %9s %8s %8s %11s %9s %9s %12s\n", $$1, $$2, $$3, $$4, $$5, $$6, $$7, $$8 }' $(ON_DIR)/table.tsv
fig-odenet:  ## test accuracy and NFE per epoch

SUMMARIES += $(ON_SUMMARIES)
PAPER_INPUTS += $(GEN)/table-odenet.tex

# The stage's numbers as LaTeX macros, which the paper \inputs (tex-macros).
$(GEN)/numbers-odenet.tex: $(ON_SUMMARIES) $(call code,tex-macros,tools)
	@mkdir -p $(@D)
	$(BIN)/tex-macros $@ $(ON_SUMMARIES)
PAPER_INPUTS += $(GEN)/numbers-odenet.tex
