# The reproduction report's second result (Chen et al. 2018, Sec. 4): a continuous
# normalizing flow on two moons, its test NLL beside the exact density's
# floor, and Fig. 1 (`make cnf`, `make fig-cnf`).
#
# train.tsv, test.tsv     gen-data moons (5,000 points each, two seeds),
#                         with the exact NLL of each set (train-floor.tsv,
#                         test-floor.tsv)
# exact-grid.tsv          the true density on the figure's grid
# model.ckpt, log.tsv     train, stages/cnf/cnf.ini
# eval.tsv, grid.tsv      test NLL; the learned log-density on the grid
# samples.tsv             base samples carried back to t = 1, 0.75, .., 0
# claims.tsv              NLL, floor, gap, against the reports (claims.sh)

CNF_DIR := $(DATA)/cnf
CNF_NOISE := 0.1
CNF_GEN_train := moons --points 5000 --seed $(call seed,31) --noise $(CNF_NOISE)
CNF_GEN_test := moons --points 5000 --seed $(call seed,32) --noise $(CNF_NOISE)
# Profiles: iterations (paper: the report's 5,000; full: the 100,000 the
# report cut) and how often the test set is scored.
CNF_SET_quick := --set train.iterations=300 --set data.eval_every=50
CNF_SET_paper :=
CNF_SET_full := --set train.iterations=100000 --set data.eval_every=1000
CNF_RUN_SET := $(CNF_SET_$(PROFILE)) $(RUN_ARGS)
CNF_GRID_N_quick := 61
CNF_GRID_N_paper := 121
CNF_GRID_N_full := 161
CNF_GRID := --grid-range -4,4 --grid-n $(CNF_GRID_N_$(PROFILE))
CNF_TIMES := 1,0.75,0.5,0.25,0
CNF_SAMPLES := --samples 2000 --seed $(call seed,33) --times $(CNF_TIMES)

# Each set and its exact-NLL summary come from one gen-data call (one
# grouped target: either file missing or stale remakes both).
define cnf_data
$(CNF_DIR)/$(1).tsv $(CNF_DIR)/$(1)-floor.tsv &: $(call setting,cnf-data-$(1),$(CNF_GEN_$(1))) \
    $(call code,gen-data,tools)
	@mkdir -p $$(@D)
	$(BIN)/gen-data $(CNF_GEN_$(1)) --out $(CNF_DIR)/$(1).tsv --summary $(CNF_DIR)/$(1)-floor.tsv \
	  --prefix cnf_$(1)
endef
$(foreach s,train test,$(eval $(call cnf_data,$(s))))

$(CNF_DIR)/exact-grid.tsv: $(call code,gen-data,tools) $(call setting,cnf-exact-grid,$(CNF_NOISE) $(CNF_GRID))
	@mkdir -p $(@D)
	$(BIN)/gen-data moons-density --noise $(CNF_NOISE) $(CNF_GRID) --out $@

# Two threads share the flow's batches (cnf.ini) and sleep between the
# field's parallel loops (the Makefile's OMP_WAIT_POLICY=PASSIVE): spinning
# was 15% faster alone but several times slower beside another job.
$(CNF_DIR)/model.ckpt $(CNF_DIR)/log.tsv $(CNF_DIR)/train-summary.tsv &: stages/cnf/cnf.ini \
    $(CNF_DIR)/train.tsv $(CNF_DIR)/test.tsv $(call setting,cnf-run,$(CNF_RUN_SET)) $(GROUP_SETTING) \
    $(call code,train,cnf)
	$(TRAIN_GROUP) --config $< --data $(CNF_DIR)/train.tsv --test $(CNF_DIR)/test.tsv $(CNF_RUN_SET) \
	  --log $(CNF_DIR)/log.tsv --model $(CNF_DIR)/model.ckpt --summary $(CNF_DIR)/train-summary.tsv \
	  --prefix cnf

$(CNF_DIR)/eval.tsv $(CNF_DIR)/grid.tsv &: $(CNF_DIR)/model.ckpt $(CNF_DIR)/test.tsv \
    $(call setting,cnf-grid,$(CNF_GRID)) $(call code,eval,cnf)
	$(BIN)/eval --model $< --data $(CNF_DIR)/test.tsv --summary $(CNF_DIR)/eval.tsv \
	  --prefix cnf_test --grid $(CNF_DIR)/grid.tsv $(CNF_GRID)

$(CNF_DIR)/samples.tsv: $(CNF_DIR)/model.ckpt $(call setting,cnf-samples,$(CNF_SAMPLES)) $(call code,features,cnf)
	$(BIN)/features --model $< $(CNF_SAMPLES) --out $@

$(CNF_DIR)/claims.tsv: stages/cnf/claims.sh src/scripts/summary.sh stages/cnf/report-values.tsv $(CNF_DIR)/eval.tsv \
    $(CNF_DIR)/test-floor.tsv $(CNF_DIR)/train-summary.tsv $(CNF_DIR)/train.tsv $(CNF_DIR)/test.tsv \
    $(CNF_DIR)/log.tsv
	stages/cnf/claims.sh stages/cnf/report-values.tsv $(CNF_DIR) $@.tmp && mv $@.tmp $@

CNF_SUMMARIES := $(CNF_DIR)/train-floor.tsv $(CNF_DIR)/test-floor.tsv $(CNF_DIR)/train-summary.tsv \
                 $(CNF_DIR)/eval.tsv $(CNF_DIR)/claims.tsv

$(eval $(call figure,fig-cnf,stages/cnf/fig.gp,$(CNF_DIR)/train.tsv $(CNF_DIR)/samples.tsv \
  $(CNF_DIR)/grid.tsv $(CNF_DIR)/exact-grid.tsv $(CNF_DIR)/log.tsv $(CNF_DIR)/claims.tsv,\
  dir='$(CNF_DIR)'; times='$(subst $(comma), ,$(CNF_TIMES))'))

.PHONY: cnf
cnf: $(CNF_SUMMARIES)  ## train and score the flow on two moons (quick 30 s, paper 9.5 min)
	@awk -F '\t' '{ printf "%-28s %s\n", $$1, $$2 }' $(CNF_DIR)/claims.tsv
fig-cnf:  ## the reproduction report's Fig. 1: data, samples from the flow over time, densities, NLL

SUMMARIES += $(CNF_SUMMARIES)

# The stage's numbers as LaTeX macros, which the paper \inputs (tex-macros).
$(GEN)/numbers-cnf.tex: $(CNF_SUMMARIES) $(call code,tex-macros,tools)
	@mkdir -p $(@D)
	$(BIN)/tex-macros $@ $(CNF_SUMMARIES)
PAPER_INPUTS += $(GEN)/numbers-cnf.tex
