# The ANODE report, Sec. 4.2: nested circles (Figs 7, 8, 9, 10).
#
# train.tsv, test.tsv   gen-data circles (two seeds)
# pP/model.ckpt ...     train, one INI per run in stages/circles/pP.ini
# pP/eval.tsv           test loss and accuracy; pP/grid.tsv for the contours
# pP/features.tsv       h(T) of the test points (NODE and p = 10, Fig 10)

CIRCLES_DIR := $(DATA)/circles
CIRCLES_P := 0 2 5 10
CIRCLES_RUNS := $(addprefix p,$(CIRCLES_P))
# Profiles: dataset size and iterations (paper: 20 epochs of 4000 / 64).
CIRCLES_TRAIN_N_quick := 1000
CIRCLES_TRAIN_N_paper := 4000
CIRCLES_TRAIN_N_full := 4000
CIRCLES_TEST_N_quick := 500
CIRCLES_TEST_N_paper := 1000
CIRCLES_TEST_N_full := 1000
CIRCLES_SET_quick := --set train.iterations=300
CIRCLES_SET_paper :=
CIRCLES_SET_full := --set train.iterations=3125
CIRCLES_GRID_quick := 61
CIRCLES_GRID_paper := 121
CIRCLES_GRID_full := 201

# Every command-line setting is a prerequisite of what it changes.
CIRCLES_GEN_train := circles --points $(CIRCLES_TRAIN_N_$(PROFILE)) --seed $(call seed,21)
CIRCLES_GEN_test := circles --points $(CIRCLES_TEST_N_$(PROFILE)) --seed $(call seed,22)
CIRCLES_RUN_SET := $(CIRCLES_SET_$(PROFILE)) $(RUN_ARGS)
CIRCLES_GRID := --grid-range -4,4 --grid-n $(CIRCLES_GRID_$(PROFILE))

$(CIRCLES_DIR)/train.tsv: $(call setting,circles-data-train,$(CIRCLES_GEN_train))
$(CIRCLES_DIR)/test.tsv: $(call setting,circles-data-test,$(CIRCLES_GEN_test))
$(CIRCLES_DIR)/train.tsv $(CIRCLES_DIR)/test.tsv: $(CIRCLES_DIR)/%.tsv: $(call code,gen-data,tools)
	@mkdir -p $(@D)
	$(BIN)/gen-data $(CIRCLES_GEN_$*) --out $@

$(CIRCLES_DIR)/%/model.ckpt $(CIRCLES_DIR)/%/log.tsv $(CIRCLES_DIR)/%/train.tsv: \
    stages/circles/%.ini $(CIRCLES_DIR)/train.tsv $(call setting,circles-run,$(CIRCLES_RUN_SET)) \
    $(call code,train,mlp)
	@mkdir -p $(@D)
	$(BIN)/train --config $< --data $(CIRCLES_DIR)/train.tsv $(CIRCLES_RUN_SET) \
	  --log $(@D)/log.tsv --model $(@D)/model.ckpt --summary $(@D)/train.tsv \
	  --prefix circles_$*

$(CIRCLES_DIR)/%/eval.tsv $(CIRCLES_DIR)/%/grid.tsv: $(CIRCLES_DIR)/%/model.ckpt \
    $(CIRCLES_DIR)/test.tsv $(call setting,circles-grid,$(CIRCLES_GRID)) $(call code,eval,mlp)
	$(BIN)/eval --model $< --data $(CIRCLES_DIR)/test.tsv --summary $(@D)/eval.tsv \
	  --prefix circles_$*_test --grid $(@D)/grid.tsv $(CIRCLES_GRID)

$(CIRCLES_DIR)/%/features.tsv: $(CIRCLES_DIR)/%/model.ckpt $(CIRCLES_DIR)/test.tsv $(call code,features,mlp)
	$(BIN)/features --model $< --data $(CIRCLES_DIR)/test.tsv --out $@

# The report's claim that augmentation helps, as a number.
$(CIRCLES_DIR)/claims.tsv: $(CIRCLES_DIR)/p0/train.tsv $(CIRCLES_DIR)/p10/train.tsv \
    $(foreach r,$(CIRCLES_RUNS),$(CIRCLES_DIR)/$(r)/eval.tsv $(CIRCLES_DIR)/$(r)/log.tsv $(CIRCLES_DIR)/$(r)/grid.tsv) \
    $(CIRCLES_DIR)/train.tsv $(CIRCLES_DIR)/test.tsv $(CIRCLES_DIR)/p0/features.tsv \
    stages/circles/claims.sh src/scripts/summary.sh
	stages/circles/claims.sh $(CIRCLES_DIR) $@.tmp && mv $@.tmp $@

CIRCLES_SUMMARIES := $(foreach r,$(CIRCLES_RUNS),$(CIRCLES_DIR)/$(r)/train.tsv $(CIRCLES_DIR)/$(r)/eval.tsv) \
                     $(CIRCLES_DIR)/claims.tsv

$(eval $(call figure,fig7,stages/circles/fig7.gp,$(CIRCLES_DIR)/train.tsv,dir='$(CIRCLES_DIR)'))
$(eval $(call figure,fig8,stages/circles/fig8.gp,\
  $(foreach r,$(CIRCLES_RUNS),$(CIRCLES_DIR)/$(r)/grid.tsv),dir='$(CIRCLES_DIR)'; ps='$(CIRCLES_P)'))
$(eval $(call figure,fig9,stages/circles/fig9.gp,\
  $(foreach r,$(CIRCLES_RUNS),$(CIRCLES_DIR)/$(r)/log.tsv),dir='$(CIRCLES_DIR)'; ps='$(CIRCLES_P)'))
$(eval $(call figure,fig10,stages/circles/fig10.gp,\
  $(CIRCLES_DIR)/p0/features.tsv $(CIRCLES_DIR)/p10/features.tsv,dir='$(CIRCLES_DIR)'))

.PHONY: circles
circles: $(CIRCLES_SUMMARIES)  ## train and score every circles run of this profile
fig7:  ## Fig 7: the nested-circles data
fig8:  ## Fig 8: predicted value over the plane, one panel per p
fig9:  ## Fig 9: circles training loss
fig10:  ## Fig 10: learned features h(T), NODE and p = 10

SUMMARIES += $(CIRCLES_SUMMARIES)

# The stage's numbers as LaTeX macros, which the paper \inputs (tex-macros).
$(GEN)/numbers-circles.tex: $(CIRCLES_SUMMARIES) $(call code,tex-macros,tools)
	@mkdir -p $(@D)
	$(BIN)/tex-macros $@ $(CIRCLES_SUMMARIES)
PAPER_INPUTS += $(GEN)/numbers-circles.tex
