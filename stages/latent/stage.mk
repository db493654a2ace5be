# Report 002's third result (Chen et al. 2018, Sec. 5): a latent ODE on
# irregularly sampled spirals, its reconstruction and extrapolation of the
# noise-free truth, and the figure (`make latent`, `make fig-latent`).
#
# train.tsv, test.tsv     gen-data spirals (1,000 and 100 spirals, two seeds;
#                         quick: 200 and 50), 100 noisy observations each
#                         in a window, the noise-free truth on the whole grid
# model.ckpt, log.tsv     train, stages/latent/latent.ini (the test set's
#                         reconstruction mse every 100 iterations)
# eval.tsv, pred.tsv      test mse against the observations, recon_mse and
#                         extrap_mse against the truth; every row's prediction
# claims.tsv              the mse at iterations 500 and 2000 beside report
#                         002's, cost per iteration (claims.sh)

LATENT_DIR := $(DATA)/latent
LATENT_COUNT_train_quick := 200
LATENT_COUNT_test_quick := 50
LATENT_COUNT_train_paper := 1000
LATENT_COUNT_test_paper := 100
LATENT_COUNT_train_full := 1000
LATENT_COUNT_test_full := 100
LATENT_GEN_train := spirals --count $(LATENT_COUNT_train_$(PROFILE)) --seed 41
LATENT_GEN_test := spirals --count $(LATENT_COUNT_test_$(PROFILE)) --seed 42
# Profiles: iterations (quick: 300, scored every 50; paper: the report's
# 2,000; full: 10,000, five times the report's).
LATENT_SET_quick := --set train.iterations=300 --set data.eval_every=50
LATENT_SET_paper :=
LATENT_SET_full := --set train.iterations=10000 --set data.eval_every=250
LATENT_RUN_SET := $(LATENT_SET_$(PROFILE)) $(RUN_SET)
# The test spirals the figure draws (0-based seq indices).
LATENT_FIG_SEQS := 0 1 2 3

$(LATENT_DIR)/train.tsv: $(call setting,latent-data-train,$(LATENT_GEN_train))
$(LATENT_DIR)/test.tsv: $(call setting,latent-data-test,$(LATENT_GEN_test))
$(LATENT_DIR)/train.tsv $(LATENT_DIR)/test.tsv: $(LATENT_DIR)/%.tsv: $(call code,gen-data,tools)
	@mkdir -p $(@D)
	$(BIN)/gen-data $(LATENT_GEN_$*) --out $@

$(LATENT_DIR)/model.ckpt $(LATENT_DIR)/log.tsv $(LATENT_DIR)/train-summary.tsv &: stages/latent/latent.ini \
    $(LATENT_DIR)/train.tsv $(LATENT_DIR)/test.tsv $(call setting,latent-run,$(LATENT_RUN_SET)) \
    $(call code,train,latent)
	$(BIN)/train --config $< --data $(LATENT_DIR)/train.tsv --test $(LATENT_DIR)/test.tsv $(LATENT_RUN_SET) \
	  --log $(LATENT_DIR)/log.tsv --model $(LATENT_DIR)/model.ckpt --summary $(LATENT_DIR)/train-summary.tsv \
	  --prefix latent

$(LATENT_DIR)/eval.tsv $(LATENT_DIR)/pred.tsv &: $(LATENT_DIR)/model.ckpt $(LATENT_DIR)/test.tsv \
    $(call code,eval,latent)
	$(BIN)/eval --model $< --data $(LATENT_DIR)/test.tsv --summary $(LATENT_DIR)/eval.tsv \
	  --prefix latent_test --predictions $(LATENT_DIR)/pred.tsv

$(LATENT_DIR)/claims.tsv: stages/latent/claims.sh src/scripts/summary.sh stages/latent/report-values.tsv $(LATENT_DIR)/eval.tsv \
    $(LATENT_DIR)/log.tsv $(LATENT_DIR)/train-summary.tsv $(LATENT_DIR)/train.tsv $(LATENT_DIR)/test.tsv
	stages/latent/claims.sh stages/latent/report-values.tsv $(LATENT_DIR) $@.tmp && mv $@.tmp $@

LATENT_SUMMARIES := $(LATENT_DIR)/train-summary.tsv $(LATENT_DIR)/eval.tsv $(LATENT_DIR)/claims.tsv

$(eval $(call figure,fig-latent,stages/latent/fig.gp,$(LATENT_DIR)/pred.tsv $(LATENT_DIR)/log.tsv \
  $(LATENT_DIR)/claims.tsv,dir='$(LATENT_DIR)'; seqs='$(LATENT_FIG_SEQS)'))

.PHONY: latent
latent: $(LATENT_SUMMARIES)  ## train and score the latent ODE on spirals (quick 31 s, paper 5 min)
	@awk -F '\t' '{ printf "%-28s %s\n", $$1, $$2 }' $(LATENT_DIR)/claims.tsv
fig-latent:  ## report 002's latent-ODE figure: spirals reconstructed and extrapolated, mse

SUMMARIES += $(LATENT_SUMMARIES)
