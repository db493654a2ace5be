# The ANODE report, Sec. 4.3: small ODE models on MNIST (Figs 12-16, Table 1).
#
# RUN/sSEED/log.tsv   train on the first 1000 MNIST images (MNIST_DIR), one
#                     INI per run in stages/mnist-anode/RUN.ini
# RUN/curves.tsv      mean and spread over seeds per iteration (aggregate.sh)
# RUN/summary.tsv     final accuracies (seed 1, mean, spread), NFE, time
# table1.tsv          Table 1 beside the report's values (table1.sh)

MA_DIR := $(DATA)/mnist-anode
MA_RUNS := node anode-p10 anode-p25 anode-p40 ilanode-p10 ilanode-p25 ilanode-p40 \
           treg-b02 treg-b03 treg-b06 sonode sonode-position sonode-both \
           sonode-report sonode-report-state
# Seeds per run: seed 1 is the report's single run, the others give the
# spread.  Override with MNIST_SEEDS=N.
MNIST_SEEDS_quick := 2
MNIST_SEEDS_paper := 5
MNIST_SEEDS_full := 10
MNIST_SEEDS ?= $(MNIST_SEEDS_$(PROFILE))
MA_SEEDS := $(shell seq 1 $(MNIST_SEEDS))

# RUN/sN: the INI is the first path component, the seed the second.
# A run's seed is in its path (shifted by SEED_BASE: RUN_ARGS); RUN_SET is tracked by a settings file, the
# MNIST contents by MNIST_STAMP.
$(MA_DIR)/%/log.tsv $(MA_DIR)/%/model.ckpt: \
    stages/mnist-anode/$$(firstword $$(subst /, ,$$*)).ini $(MNIST_STAMP) \
    $(call setting,mnist-anode-run,$(RUN_ARGS)) $(GROUP_SETTING) $(call code,train,mlp)
	@mkdir -p $(@D)
	$(TRAIN_GROUP) --config $< --data $(MNIST_DIR) \
	  --set train.seed=$(patsubst s%,%,$(notdir $*)) $(RUN_ARGS) \
	  --log $(@D)/log.tsv --model $(@D)/model.ckpt

# The seed count is a setting: fewer seeds must redo the aggregates too.
$(MA_DIR)/%/summary.tsv $(MA_DIR)/%/curves.tsv $(MA_DIR)/%/seeds.tsv: \
    $(foreach s,$(MA_SEEDS),$(MA_DIR)/%/s$(s)/log.tsv) stages/mnist-anode/aggregate.sh \
    $(call setting,mnist-anode-seeds,$(MNIST_SEEDS))
	stages/mnist-anode/aggregate.sh $(subst -,_,$*) $(@D)/curves.tsv.tmp $(@D)/summary.tsv.tmp \
	  $(@D)/seeds.tsv.tmp $(filter %/log.tsv,$^)
	mv $(@D)/curves.tsv.tmp $(@D)/curves.tsv
	mv $(@D)/seeds.tsv.tmp $(@D)/seeds.tsv
	mv $(@D)/summary.tsv.tmp $(@D)/summary.tsv

MA_SUMMARIES := $(foreach r,$(MA_RUNS),$(MA_DIR)/$(r)/summary.tsv)
MA_TABLE_RUNS := node anode-p10 ilanode-p10 treg-b02 sonode

$(MA_DIR)/table1.tsv $(GEN)/table1.tex &: stages/mnist-anode/table1.sh src/scripts/summary.sh \
    stages/mnist-anode/report-values.tsv $(foreach r,$(MA_TABLE_RUNS),$(MA_DIR)/$(r)/summary.tsv)
	@mkdir -p $(GEN)
	stages/mnist-anode/table1.sh stages/mnist-anode/report-values.tsv $(MA_DIR) \
	  $(MA_DIR)/table1.tsv $(GEN)/table1.tex

# Figures fig12 to fig16b: which runs, their legend names, test or training
# curves, and the heading (MA_RUNS_NAME, MA_NAMES_NAME, MA_SET_NAME,
# MA_TITLE_NAME for the figure NAME; one gnuplot script draws them all).
MA_RUNS_fig12 := node anode-p10 anode-p25 anode-p40
MA_NAMES_fig12 := NODE;ANODE, p = 10;ANODE, p = 25;ANODE, p = 40
MA_SET_fig12 := test
MA_TITLE_fig12 := Zero-padding ANODE, test set
MA_RUNS_fig13 := node ilanode-p10 ilanode-p25 ilanode-p40
MA_NAMES_fig13 := NODE;IL-ANODE, p = 10;IL-ANODE, p = 25;IL-ANODE, p = 40
MA_SET_fig13 := test
MA_TITLE_fig13 := Input-layer augmentation, test set
MA_RUNS_fig14 := anode-p10 treg-b02 treg-b03 treg-b06
MA_NAMES_fig14 := ANODE, p = 10;b = 0.2;b = 0.3;b = 0.6
MA_SET_fig14 := train
MA_TITLE_fig14 := Time-regularised ANODE (p = 10), training set
MA_RUNS_fig15 := $(MA_RUNS_fig14)
MA_NAMES_fig15 := $(MA_NAMES_fig14)
MA_SET_fig15 := test
MA_TITLE_fig15 := Time-regularised ANODE (p = 10), test set
MA_RUNS_fig16 := node anode-p10 sonode sonode-position sonode-both
MA_NAMES_fig16 := NODE;ANODE, p = 10;second order, reads velocity;second order, reads position;second order, reads both
MA_SET_fig16 := test
MA_TITLE_fig16 := Second-order NODE, test set
# The report's own second-order architecture (one hidden layer of 20, f sees
# t): h'' = f(h, t) against f(h, h', t).
MA_RUNS_fig16b := node sonode-report sonode-report-state
MA_NAMES_fig16b := NODE;second order, f(h, t);second order, f(h, dh/dt, t)
MA_SET_fig16b := test
MA_TITLE_fig16b := Second-order NODE as the ANODE report built it, test set

# $(call ma_figure,NAME): the figure NAME from its runs' curves.tsv.
ma_figure = $(eval $(call figure,$(1),stages/mnist-anode/curves.gp,\
  $(foreach r,$(MA_RUNS_$(1)),$(MA_DIR)/$(r)/curves.tsv),\
  dir='$(MA_DIR)'; runs='$(MA_RUNS_$(1))'; names='$(MA_NAMES_$(1))'; set='$(MA_SET_$(1))'; heading='$(MA_TITLE_$(1))'))
$(call ma_figure,fig12)
$(call ma_figure,fig13)
$(call ma_figure,fig14)
$(call ma_figure,fig15)
$(call ma_figure,fig16)
$(call ma_figure,fig16b)

.PHONY: mnist-anode table1
mnist-anode: $(MA_SUMMARIES)  ## train every MNIST run of the ANODE report (all seeds)
table1: $(MA_DIR)/table1.tsv $(GEN)/table1.tex  ## regenerate and print Table 1 of the ANODE report beside its values
	@awk -F '\t' 'NR == 1 { printf "%-34s %7s %7s %15s %7s\n", "Table 1 (test accuracy, %)", "report", "seed 1", "mean +- sd", "diff" ; next } \
	  { printf "%-34s %7s %7s %8s +- %4s %7s\n", $$1, $$2, $$3, $$4, $$5, $$7 }' $(MA_DIR)/table1.tsv
fig12:  ## Fig 12: NODE and zero-padding ANODE on MNIST, test set
fig13:  ## Fig 13: input-layer augmentation (IL-ANODE), test set
fig14:  ## Fig 14: time-regularised ANODE (p = 10), training set
fig15:  ## Fig 15: time-regularised ANODE (p = 10), test set
fig16:  ## Fig 16: second-order NODE (velocity, position, both), test set
fig16b:  ## the second-order NODE as the ANODE report built it, test set

# The report's and the notebook's accuracies as macros for the paper.
$(MA_DIR)/refs.tsv: stages/mnist-anode/refs.sh stages/mnist-anode/report-values.tsv
	@mkdir -p $(@D)
	stages/mnist-anode/refs.sh stages/mnist-anode/report-values.tsv $@

SUMMARIES += $(MA_SUMMARIES) $(MA_DIR)/refs.tsv
PAPER_INPUTS += $(GEN)/table1.tex

# Every seed's results, for the verdicts.
SAMPLES_MNIST := $(foreach r,$(MA_RUNS),$(MA_DIR)/$(r)/seeds.tsv)

# The stage's numbers as LaTeX macros, which the paper \inputs (tex-macros).
$(GEN)/numbers-mnist-anode.tex: $(MA_SUMMARIES) $(MA_DIR)/refs.tsv $(call code,tex-macros,tools)
	@mkdir -p $(@D)
	$(BIN)/tex-macros $@ $(MA_SUMMARIES) $(MA_DIR)/refs.tsv
PAPER_INPUTS += $(GEN)/numbers-mnist-anode.tex
