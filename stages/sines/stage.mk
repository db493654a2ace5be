# The ANODE report, Sec. 4.1: time series y = sin(x) and y = sin(x) + x (Figs 5, 6).
#
# data-F.tsv           gen-data sines (100 points, noise 0.05, one seed per F)
# RUN/model.ckpt ...   train, one INI per run in stages/sines/RUN.ini
# RUN/eval.tsv         eval on the same points (fit loss) + predictions
# claims.tsv           numbers derived from the logs for the report's claims
# fig5, fig6           gnuplot

SINES_DIR := $(DATA)/sines
SINES_FUNCS := sin sin_plus_x
SINES_P := 0 1 2 5 10
# The trajectory formulation (EXPERIMENTS.md): traj-pP fits y = sin(x) + x,
# trajsin-pP y = sin(x), at every p; F-p10-time with a field that sees t.
SINES_TRAJ := traj trajsin
SINES_RUNS := $(foreach f,$(SINES_FUNCS) $(SINES_TRAJ),$(foreach p,$(SINES_P),$(f)-p$(p))) \
              $(foreach f,$(SINES_TRAJ),$(f)-p10-time)
SINES_SEED_sin := $(call seed,11)
SINES_SEED_sin_plus_x := $(call seed,12)
# Profiles scale the optimisation only: Adam iterations, then at most this
# many L-BFGS iterations (paper: the INIs' own 1000 and 200).  Fig 6 marks
# where L-BFGS begins, and settings.tsv states both counts for the paper.
SINES_ADAM_quick := 300
SINES_LBFGS_quick := 100
SINES_ADAM_paper := 1000
SINES_LBFGS_paper := 200
SINES_ADAM_full := 2000
SINES_LBFGS_full := 500
SINES_ADAM := $(SINES_ADAM_$(PROFILE))
SINES_LBFGS := $(SINES_LBFGS_$(PROFILE))
SINES_SET_$(PROFILE) := --set train.iterations=$(SINES_ADAM) --set train.lbfgs_iterations=$(SINES_LBFGS)

# The generators' arguments; each dataset depends on its own settings file.
SINES_GEN_sin := sines --function sin --points 100 --noise 0.05 --seed $(SINES_SEED_sin)
SINES_GEN_sin_plus_x := sines --function sin_plus_x --points 100 --noise 0.05 \
  --seed $(SINES_SEED_sin_plus_x)
SINES_GEN_traj := $(SINES_GEN_sin_plus_x) --format trajectory
SINES_GEN_trajsin := $(SINES_GEN_sin) --format trajectory

$(foreach f,sin sin_plus_x traj trajsin,$(eval $(SINES_DIR)/data-$(f).tsv: \
  $(call setting,sines-data-$(f),$(SINES_GEN_$(f)))))
$(SINES_DIR)/data-%.tsv: $(call code,gen-data,tools)
	@mkdir -p $(@D)
	$(BIN)/gen-data $(SINES_GEN_$*) --out $@

# The data file of a run: sin-p5 -> data-sin.tsv, traj-p10 -> data-traj.tsv.
sines_data = $(SINES_DIR)/data-$(firstword $(subst -, ,$(1))).tsv
sines_key = sines_$(subst -,_,$(1))

# Every run's command-line settings: the profile's and RUN_SET.
SINES_RUN_SET := $(SINES_SET_$(PROFILE)) $(RUN_ARGS)
$(SINES_DIR)/%/model.ckpt $(SINES_DIR)/%/log.tsv $(SINES_DIR)/%/train.tsv: \
    stages/sines/%.ini $$(call sines_data,$$*) $(call setting,sines-run,$(SINES_RUN_SET)) $(call code,train,mlp)
	@mkdir -p $(@D)
	$(BIN)/train --config $< --data $(call sines_data,$*) $(SINES_RUN_SET) \
	  --log $(@D)/log.tsv --model $(@D)/model.ckpt --summary $(@D)/train.tsv \
	  --prefix $(call sines_key,$*)

$(SINES_DIR)/%/eval.tsv $(SINES_DIR)/%/pred.tsv: $(SINES_DIR)/%/model.ckpt $$(call sines_data,$$*) $(call code,eval,mlp)
	$(BIN)/eval --model $< --data $(call sines_data,$*) --summary $(@D)/eval.tsv \
	  --predictions $(@D)/pred.tsv --prefix $(call sines_key,$*)_fit

# The report's claims as numbers: loss after 100 Adam iterations per run,
# and its ratio between p = 1 and p = 10 (larger p converges faster).
$(SINES_DIR)/claims.tsv: $(foreach r,$(SINES_RUNS),$(SINES_DIR)/$(r)/log.tsv) stages/sines/claims.sh
	stages/sines/claims.sh $(SINES_DIR) $@.tmp $(SINES_FUNCS) $(SINES_TRAJ) && mv $@.tmp $@

# The iteration counts of this profile, as a summary (macros for the paper).
$(SINES_DIR)/settings.tsv: $(call setting,sines-iterations,$(SINES_ADAM) $(SINES_LBFGS))
	@mkdir -p $(@D)
	printf 'sines_adam_iterations\t%s\nsines_lbfgs_iterations\t%s\n' $(SINES_ADAM) $(SINES_LBFGS) > $@.tmp && mv $@.tmp $@

SINES_SUMMARIES := $(foreach r,$(SINES_RUNS),$(SINES_DIR)/$(r)/train.tsv $(SINES_DIR)/$(r)/eval.tsv) \
                   $(SINES_DIR)/claims.tsv $(SINES_DIR)/settings.tsv
SINES_PREDS := $(foreach r,$(SINES_RUNS),$(SINES_DIR)/$(r)/pred.tsv)

$(eval $(call figure,fig5,stages/sines/fig5.gp,$(SINES_PREDS) $(SINES_DIR)/data-sin.tsv \
  $(SINES_DIR)/data-sin_plus_x.tsv,dir='$(SINES_DIR)'; funcs='$(SINES_FUNCS)'; ps='$(SINES_P)'))
$(eval $(call figure,fig6,stages/sines/fig6.gp,\
  $(foreach p,$(SINES_P),$(SINES_DIR)/sin_plus_x-p$(p)/log.tsv) \
  $(call setting,sines-iterations,$(SINES_ADAM) $(SINES_LBFGS)),dir='$(SINES_DIR)'; ps='$(SINES_P)'; adam=$(SINES_ADAM)))
# Figs 5 and 6 again in the trajectory formulation: the fitted curves in the
# (x, y) plane and the training losses, both functions, every p.
$(eval $(call figure,fig-sines-traj,stages/sines/fig-traj.gp,\
  $(foreach r,$(filter traj%,$(SINES_RUNS)),$(SINES_DIR)/$(r)/pred.tsv $(SINES_DIR)/$(r)/log.tsv) \
  $(SINES_DIR)/data-traj.tsv $(SINES_DIR)/data-trajsin.tsv \
  $(call setting,sines-iterations,$(SINES_ADAM) $(SINES_LBFGS)),dir='$(SINES_DIR)'; ps='$(SINES_P)'; adam=$(SINES_ADAM)))

.PHONY: sines
sines: $(SINES_SUMMARIES)  ## train and score every sines run of this profile
fig5:  ## Fig 5: sines data and learned functions
fig6:  ## Fig 6: training loss for sin(x) + x
fig-sines-traj:  ## Figs 5 and 6 in the trajectory formulation, both functions, every p

SUMMARIES += $(SINES_SUMMARIES)

# The stage's numbers as LaTeX macros, which the paper \inputs (tex-macros).
$(GEN)/numbers-sines.tex: $(SINES_SUMMARIES) $(call code,tex-macros,tools)
	@mkdir -p $(@D)
	$(BIN)/tex-macros $@ $(SINES_SUMMARIES)
PAPER_INPUTS += $(GEN)/numbers-sines.tex
