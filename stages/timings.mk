# ---------------------------------------------------------------- timings
# Every recipe line that makes a stage's output runs under
# src/scripts/timed-shell.sh (this target's SHELL and .SHELLFLAGS), which
# runs it with /bin/sh and appends its wall time to $(TIMING_RECORDS),
# data/PROFILE/timings.tsv, tagged with its stage: STAGE for data/PROFILE/STAGE/
# (its seed replicas included), build for the compiler's and the code
# stamps' work, figures, verdicts and paper.  A `make` or `make paper` that
# succeeds records its own wall clock last, so that the table's total is
# measured, not summed.  `make timings` makes the README's table and
# stages/timings.tsv from the records (src/scripts/timings.sh).  The
# records are no prerequisite of anything: they never make a result stale.
# A dry run (make -n, -q) records nothing.
TIMED_SHELL := $(CURDIR)/src/scripts/timed-shell.sh
# A seed replica's sub-make (a study in $(DATA)/replica-K) writes into its
# parent's file, in its parent's session: its runs are its stage's work.
ifeq ($(filter $(TIMING_DATA)/replica-%,$(DATA)),)
TIMING_DATA := $(DATA)
TIMING_SESSION := $(shell date +%s.%N)
endif
export TIMING_DATA TIMING_SESSION
TIMING_RECORDS := $(TIMING_DATA)/timings.tsv

# $(call timed,TARGETS OR PATTERNS,STAGE) (private: a prerequisite does not
# inherit it, it has its own stage or none).
timed = $(eval $(1): private SHELL := $(TIMED_SHELL))$(eval \
  $(1): private .SHELLFLAGS = $(TIMING_RECORDS) $(TIMING_SESSION) $(2) $$@ -c)
ifeq ($(DRY_RUN),)
$(foreach s,$(STAGES),$(call timed,$(DATA)/$(s)/%,$(s)))
$(call timed,$(MNIST_FILES),mnist)
$(call timed,$(FIG)/%,figures)
$(call timed,$(GEN)/% $(PAPER_PDF),paper)
$(call timed,$(VERDICTS) $(EFFECTS) $(NUMBERS) $(GEN)/verdicts.tex $(GEN)/references.tex \
  $(GEN)/verdict-counts.tex,verdicts)
# (The clang and sanitizer builds of `make test` are no part of `make`.)
ifeq ($(BUILD),build)
$(call timed,$(BIN)/% $(BUILD)/libnodeode.a $(BUILD)/obj/lib/% $(BUILD)/obj/cmd/% \
  $(BUILD)/stamps/% $(BUILD)/deps.ok,build)
endif

# The whole build's wall clock, from the reading of this Makefile to the end
# of the goal, with the job count (from MAKEFLAGS; a bare -j is "j"), the cores and whether it
# began with none of the stages' outputs ("scratch"; the table's total is
# the latest such build).
TIMING_GOAL := $(or $(MAKECMDGOALS),all)
ifeq ($(filter-out all paper,$(TIMING_GOAL))$(filter-out 1,$(words $(TIMING_GOAL))),)
TIMING_FROM := $(if $(wildcard $(addprefix $(DATA)/,$(STAGES))),partial,scratch)
$(TIMING_GOAL):
	@j=j1; for w in $$MAKEFLAGS; do case $$w in -j*) j=$${w#-};; esac; done; \
	 printf '%s\tmake\t%s/%s/%s/%s\t%s\t%s\n' $(TIMING_SESSION) $@ $(TIMING_FROM) "$$j" \
	   "$$(nproc)" $(TIMING_SESSION) "$$(date +%s.%N)" >> $(TIMING_RECORDS)
endif
endif

# ---------------------------------------------------------------- the plan
# `make` (and a figure's, a table's, a stage's, the paper's goal) says first
# which stages it will run and about how long they take, from the README's
# table (TIMINGS_TSV): a dry run of the same goals with --trace (guarded
# by TIMING_PLAN=off, so that it plans nothing itself), each target it would
# remake counted to its stage (src/scripts/timings.sh plan).  `make plan`
# prints the plan of `make` and builds nothing.
TIMINGS_TSV ?= stages/timings.tsv
$(call check_path,TIMINGS_TSV)
TIMING_PLAN ?=
PLAN_GOALS := all figures paper samples verdicts table1 table-odenet table-latent plan \
  $(STAGES) $(notdir $(basename $(filter %.pdf,$(FIGURES))))
PLAN_STAGES := build $(STAGES) figures verdicts paper
ifeq ($(DRY_RUN)$(TIMING_PLAN),)
ifeq ($(filter-out $(PLAN_GOALS),$(or $(MAKECMDGOALS),all)),)
# The dry run gets this make's one-letter flags (-B, -k, ...) and its
# command-line variables, and not its jobserver.
plan_flags := $(subst ','\'',$(filter-out -% %=%,$(firstword $(MAKEFLAGS))) -- $(MAKEOVERRIDES))
$(info $(shell MAKEFLAGS='$(plan_flags)' $(MAKE) -n --trace --no-print-directory TIMING_PLAN=off \
  $(or $(filter-out plan,$(MAKECMDGOALS)),all) 2>&1 | src/scripts/timings.sh plan $(TIMINGS_TSV) \
  $(PROFILE) $(DATA) $(FIG) $(GEN) $(BUILD) $(PAPER_PDF) $(MNIST_DIR) '$(PLAN_STAGES)'))
endif
endif
.PHONY: plan timings
plan:  ## print which stages `make` would run and about how long they take, and build nothing
	@:

# (The tree's own data/quick and data/paper, whatever STUDY is.)
timings:  ## rewrite the README's timing table and stages/timings.tsv from data/quick and data/paper's records
	src/scripts/timings.sh table README.md stages/timings.tsv '$(PLAN_STAGES)' \
	  quick=data/quick/timings.tsv paper=data/paper/timings.tsv
