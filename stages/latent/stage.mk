# The reproduction report's third result (Chen et al. 2018, Sec. 5): a latent ODE on
# irregularly sampled spirals, its reconstruction and extrapolation of the
# noise-free truth, and the figure (`make latent`, `make fig-latent`).
#
# train.tsv, test.tsv     gen-data spirals (1,000 and 100 spirals, two seeds;
#                         quick: 200 and 50), 100 noisy observations each
#                         in a window, the noise-free truth up to 200 grid
#                         points past it
# model.ckpt, log.tsv     train, stages/latent/latent.ini (the test set's
#                         reconstruction mse every 100 iterations)
# eval.tsv, pred.tsv      test mse against the observations, recon_mse and
#                         extrap_mse against the truth (extrap_mse over the
#                         100 grid points after the last observation, Chen
#                         et al.'s "100 time points extending beyond those
#                         that were used for training"); every row's
#                         prediction (the figure draws all 200)
# claims.tsv              the mse at iterations 500 and 2000 beside the
#                         reproduction report's, cost per iteration (claims.sh)

LATENT_DIR := $(DATA)/latent
LATENT_COUNT_train_quick := 200
LATENT_COUNT_test_quick := 50
LATENT_COUNT_train_paper := 1000
LATENT_COUNT_test_paper := 100
LATENT_COUNT_train_full := 1000
LATENT_COUNT_test_full := 100
# The spirals (our choices; the reproduction report gives none): as in
# torchdiffeq's reconstruction of Chen et al.'s experiment (Chen et al. say
# only "each starting at a different point"), every spiral of one direction
# is the same curve and they differ in where their window starts, here r = 0.25 + 0.15 theta from angle 0; a window of 200 grid
# points (3.77 time units, 0.6 of a turn) from a start in the first fifth
# of the grid, 100 of its points observed with noise sd 0.1, and the truth
# 200 grid points past the window (the extrapolation scored).
LATENT_SHAPE := --window 200 --horizon 200 --radius 0.25,0.25 --growth 0.15,0.15 --phase 0,0
LATENT_GEN_train := spirals --count $(LATENT_COUNT_train_$(PROFILE)) --seed $(call seed,41) $(LATENT_SHAPE)
LATENT_GEN_test := spirals --count $(LATENT_COUNT_test_$(PROFILE)) --seed $(call seed,42) $(LATENT_SHAPE)
# Profiles: iterations (quick: 300, scored every 50; paper: the report's
# 2,000; full: 10,000, five times the report's).
LATENT_SET_quick := --set train.iterations=300 --set data.eval_every=50
LATENT_SET_paper :=
LATENT_SET_full := --set train.iterations=10000 --set data.eval_every=250
LATENT_RUN_SET := $(LATENT_SET_$(PROFILE)) $(RUN_ARGS)
# The test spirals the figure draws (0-based seq indices).
LATENT_FIG_SEQS := 0 1 2 3
# Truth points scored as extrapolation after each spiral's last observation
# (eval --extrap-points), in the stage and in Table 2.
LATENT_EXTRAP_POINTS := 100

$(LATENT_DIR)/train.tsv: $(call setting,latent-data-train,$(LATENT_GEN_train))
$(LATENT_DIR)/test.tsv: $(call setting,latent-data-test,$(LATENT_GEN_test))
$(LATENT_DIR)/train.tsv $(LATENT_DIR)/test.tsv: $(LATENT_DIR)/%.tsv: $(call code,gen-data,tools)
	@mkdir -p $(@D)
	$(BIN)/gen-data $(LATENT_GEN_$*) --out $@

$(LATENT_DIR)/model.ckpt $(LATENT_DIR)/log.tsv $(LATENT_DIR)/train-summary.tsv &: stages/latent/latent.ini \
    $(LATENT_DIR)/train.tsv $(LATENT_DIR)/test.tsv $(call setting,latent-run,$(LATENT_RUN_SET)) \
    $(GROUP_SETTING) $(call code,train,latent)
	$(TRAIN_GROUP) --config $< --data $(LATENT_DIR)/train.tsv --test $(LATENT_DIR)/test.tsv $(LATENT_RUN_SET) \
	  --log $(LATENT_DIR)/log.tsv --model $(LATENT_DIR)/model.ckpt --summary $(LATENT_DIR)/train-summary.tsv \
	  --prefix latent

$(LATENT_DIR)/eval.tsv $(LATENT_DIR)/pred.tsv &: $(LATENT_DIR)/model.ckpt $(LATENT_DIR)/test.tsv \
    $(call setting,latent-extrap-points,$(LATENT_EXTRAP_POINTS)) $(call code,eval,latent)
	$(BIN)/eval --model $< --data $(LATENT_DIR)/test.tsv --summary $(LATENT_DIR)/eval.tsv \
	  --prefix latent_test --predictions $(LATENT_DIR)/pred.tsv --extrap-points $(LATENT_EXTRAP_POINTS)

$(LATENT_DIR)/claims.tsv: stages/latent/claims.sh src/scripts/summary.sh stages/latent/report-values.tsv $(LATENT_DIR)/eval.tsv \
    $(LATENT_DIR)/log.tsv $(LATENT_DIR)/train-summary.tsv $(LATENT_DIR)/train.tsv $(LATENT_DIR)/test.tsv
	stages/latent/claims.sh stages/latent/report-values.tsv $(LATENT_DIR) $@.tmp && mv $@.tmp $@

LATENT_SUMMARIES := $(LATENT_DIR)/train-summary.tsv $(LATENT_DIR)/eval.tsv $(LATENT_DIR)/claims.tsv

$(eval $(call figure,fig-latent,stages/latent/fig.gp,$(LATENT_DIR)/pred.tsv $(LATENT_DIR)/log.tsv \
  $(LATENT_DIR)/claims.tsv,dir='$(LATENT_DIR)'; seqs='$(LATENT_FIG_SEQS)'))

.PHONY: latent
latent: $(LATENT_SUMMARIES)  ## train and score the latent ODE on spirals (quick 8 s, paper 67 s)
	@awk -F '\t' '{ printf "%-28s %s\n", $$1, $$2 }' $(LATENT_DIR)/claims.tsv
fig-latent:  ## the reproduction report's latent-ODE figure: spirals reconstructed and extrapolated, mse

SUMMARIES += $(LATENT_SUMMARIES)

# ------------------------------------------------------------------ table 2
# Beyond the reproduction report: Chen et al. 2018's Table 2 (Sec. 5.1), the latent ODE
# against an RNN baseline that reads the time gaps (kind rnn,
# stages/latent/rnn.ini), by predictive RMSE on the test spirals: the
# square root of the extrapolation mse against the noise-free truth over
# the 100 grid points after the last observation (eval --extrap-points:
# "beyond those that were used for training"; with n < 100 they begin
# with the window's unobserved tail, as Chen et al.'s would).  Their set-up on our spirals: a
# window of 100 grid points, n = 30, 50 or 100 of them observed (100: all,
# regularly spaced), noise sd 0.1, training and test sets from two more
# seeds (43, 44); each model trains as the stage's run does.
#
# table/nN/{train,test}.tsv       gen-data spirals --observations N
# table/nN/MODEL/...              train and eval of MODEL (latent, rnn)
# table2.tsv, $(GEN)/table-latent.tex   the table beside Chen et al.'s (table2.sh)
LATENT_TABLE_N := 30 50 100
LATENT_TABLE_MODELS := latent rnn
LATENT_TABLE_SHAPE := --window 100 --horizon 100 --radius 0.25,0.25 --growth 0.15,0.15 --phase 0,0
LATENT_TABLE_GEN_train = spirals --count $(LATENT_COUNT_train_$(PROFILE)) --seed $(call seed,43) \
  --observations $(1) $(LATENT_TABLE_SHAPE)
LATENT_TABLE_GEN_test = spirals --count $(LATENT_COUNT_test_$(PROFILE)) --seed $(call seed,44) \
  --observations $(1) $(LATENT_TABLE_SHAPE)

# $(1): n, $(2): train or test
define latent_table_data
$(LATENT_DIR)/table/n$(1)/$(2).tsv: $(call setting,latent-table-n$(1)-$(2),$(call LATENT_TABLE_GEN_$(2),$(1))) \
    $(call code,gen-data,tools)
	@mkdir -p $$(@D)
	$(BIN)/gen-data $(call LATENT_TABLE_GEN_$(2),$(1)) --out $$@
endef
$(foreach n,$(LATENT_TABLE_N),$(foreach s,train test,$(eval $(call latent_table_data,$(n),$(s)))))

# $(1): n, $(2): model (its config stages/latent/$(2).ini, its kind's code)
define latent_table_run
$(LATENT_DIR)/table/n$(1)/$(2)/model.ckpt $(LATENT_DIR)/table/n$(1)/$(2)/log.tsv \
    $(LATENT_DIR)/table/n$(1)/$(2)/train-summary.tsv &: stages/latent/$(2).ini \
    $(LATENT_DIR)/table/n$(1)/train.tsv $(LATENT_DIR)/table/n$(1)/test.tsv \
    $(call setting,latent-run,$(LATENT_RUN_SET)) $(call code,train,$(2))
	@mkdir -p $$(@D)
	$(BIN)/train --config $$< --data $(LATENT_DIR)/table/n$(1)/train.tsv \
	  --test $(LATENT_DIR)/table/n$(1)/test.tsv $(LATENT_RUN_SET) \
	  --log $(LATENT_DIR)/table/n$(1)/$(2)/log.tsv --model $(LATENT_DIR)/table/n$(1)/$(2)/model.ckpt \
	  --summary $(LATENT_DIR)/table/n$(1)/$(2)/train-summary.tsv --prefix table_n$(1)_$(2)
$(LATENT_DIR)/table/n$(1)/$(2)/eval.tsv: $(LATENT_DIR)/table/n$(1)/$(2)/model.ckpt \
    $(LATENT_DIR)/table/n$(1)/test.tsv $(call setting,latent-extrap-points,$(LATENT_EXTRAP_POINTS)) \
    $(call code,eval,$(2))
	$(BIN)/eval --model $$< --data $(LATENT_DIR)/table/n$(1)/test.tsv --summary $$@ \
	  --prefix table_n$(1)_$(2) --extrap-points $(LATENT_EXTRAP_POINTS)
endef
$(foreach n,$(LATENT_TABLE_N),$(foreach m,$(LATENT_TABLE_MODELS),$(eval $(call latent_table_run,$(n),$(m)))))

LATENT_TABLE_EVALS := $(foreach n,$(LATENT_TABLE_N),$(foreach m,$(LATENT_TABLE_MODELS),\
  $(LATENT_DIR)/table/n$(n)/$(m)/eval.tsv))
$(LATENT_DIR)/table2.tsv $(GEN)/table-latent.tex &: stages/latent/table2.sh src/scripts/summary.sh \
    stages/latent/report-values.tsv $(LATENT_TABLE_EVALS)
	@mkdir -p $(GEN)
	stages/latent/table2.sh stages/latent/report-values.tsv $(LATENT_DIR) '$(LATENT_TABLE_N)' \
	  $(LATENT_DIR)/table2.tsv $(GEN)/table-latent.tex

.PHONY: table-latent
table-latent: $(LATENT_DIR)/table2.tsv $(GEN)/table-latent.tex  ## Chen et al.'s Table 2: latent ODE vs RNN, predictive RMSE at 30, 50, 100 observations
	@awk -F '\t' '{ printf "%-14s %10s %10s %10s %16s\n", $$1, $$2, $$3, $$4, $$5 }' $(LATENT_DIR)/table2.tsv.txt

SUMMARIES += $(LATENT_DIR)/table2.tsv
PAPER_INPUTS += $(GEN)/table-latent.tex

# The stage's numbers as LaTeX macros, which the paper \inputs (tex-macros).
$(GEN)/numbers-latent.tex: $(LATENT_SUMMARIES) $(LATENT_DIR)/table2.tsv $(call code,tex-macros,tools)
	@mkdir -p $(@D)
	$(BIN)/tex-macros $@ $(LATENT_SUMMARIES) $(LATENT_DIR)/table2.tsv
PAPER_INPUTS += $(GEN)/numbers-latent.tex
