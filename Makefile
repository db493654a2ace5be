# Neural-ODE reproducible-research pipeline.
#
#   make                 regenerate the report (PROFILE=paper by default)
#   make check           unit tests, then the quick profile end to end, checked
#   make help            every target
#
# Make owns paths and dependencies; each stage's INI configs own its
# hyperparameters.  Stages live in stages/*/stage.mk and append to the
# variables below (FIGURES, SUMMARIES, PAPER_INPUTS).

.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := all
SHELL := /bin/sh

PROFILE ?= paper
ifeq ($(filter $(PROFILE),quick paper full),)
$(error PROFILE must be quick, paper or full, not '$(PROFILE)')
endif

BUILD := build
BIN := $(BUILD)/bin
# MPIRUN: a launcher for the heavy stages' training (the ODE-Net and the
# ResNet, the flow, report 000's MNIST runs, the latent ODE), which then runs
# data parallel in the launched processes (src/lib/trainer.h), e.g.
#   make MPIRUN='mpirun -np 4 --hostfile hosts'     or, under Slurm,  MPIRUN=srun
# A group's result is one process's up to the order of the sums of its
# gradients: in double, within 1e-12 (tests/mpi.sh).  In float32 (the
# ODE-Net's convolutions) such a change of order moves a run by more than
# rounding, so MPIRUN is a setting of the heavy stages (GROUP_SETTING, set
# after the settings machinery below): changing it retrains them.
MPIRUN ?=
TRAIN_GROUP = $(MPIRUN) $(BIN)/train
# STUDY: the root of everything a study writes (its data, figures, generated
# LaTeX and PDF), so that a study elsewhere never touches or stale-masks the
# main report.  The main report's root is the top directory.  RUN_SET adds
# `train --set` overrides to every run, e.g. another seed for everything:
#   make PROFILE=quick STUDY=/tmp/seed2 RUN_SET='--set train.seed=2' paper
# DATA_ROOT is the older name of STUDY.
ifdef DATA_ROOT
STUDY ?= $(DATA_ROOT)
endif
STUDY ?= .
ROOT := $(if $(filter . ./,$(STUDY)),,$(patsubst %/,%,$(STUDY))/)
RUN_SET ?=
DATA := $(ROOT)data/$(PROFILE)
FIG := $(ROOT)figures/$(PROFILE)
GEN := $(ROOT)paper/gen/$(PROFILE)
PAPER_PDF := $(ROOT)paper/paper-$(PROFILE).pdf
PAPER_BUILD := $(if $(ROOT),$(ROOT)build/paper/$(PROFILE),$(BUILD)/paper/$(PROFILE))
MNIST_DIR ?= data/mnist

# ---------------------------------------------------------------- settings
# Every setting that changes a result and lives outside the INI files (a
# profile's overrides, a generator's arguments, seed counts, grid sizes,
# RUN_SET, MNIST_DIR) is written to a file under $(SETTINGS) while the
# Makefile is read, and that file is a prerequisite of what the setting
# changes.  The file is rewritten only when its text changes, so a changed
# setting reruns exactly its dependents and an unchanged one nothing.
#   $(call setting,NAME,TEXT)  expands to the path of the file NAME
SETTINGS := $(DATA)/settings
$(shell mkdir -p $(SETTINGS))
comma := ,
streq = $(and $(findstring x$(1),x$(2)),$(findstring x$(2),x$(1)))
setting = $(if $(and $(wildcard $(SETTINGS)/$(1)),$(call streq,$(file <$(SETTINGS)/$(1)),$(strip $(2)))),,\
  $(file >$(SETTINGS)/$(1),$(strip $(2))))$(SETTINGS)/$(1)

GROUP_SETTING := $(call setting,mpirun,$(MPIRUN))

# Non-empty under make -n or -q.
DRY_RUN := $(findstring n,$(firstword -$(MAKEFLAGS)))$(findstring q,$(firstword -$(MAKEFLAGS)))

# Move file $(1) onto $(2) only if they differ (else $(2) keeps its mtime).
# A `+` recipe line using it runs under make -q and -n too, so that a stamp
# is up to date before Make compares times.
write_if_changed = if cmp -s $(1) $(2); then rm -f $(1); else mv $(1) $(2); fi

# Numbers must not depend on the machine's thread count or CPU model more
# than the tolerances allow.  Executables set their OpenBLAS thread count
# explicitly (config key `threads`, default 1); the kernel family is pinned
# here for the checked profiles.  Override with OPENBLAS_CORETYPE=... if this
# CPU lacks AVX2.
ifneq ($(PROFILE),full)
export OPENBLAS_CORETYPE ?= Haswell
# oneDNN (the ODE-Net stage's convolutions) likewise: its AVX2 kernels, not
# the AVX-512 ones it would pick here (the same speed on this machine).
export ONEDNN_MAX_CPU_ISA ?= AVX2
endif
export OPENBLAS_NUM_THREADS ?= 1
# OpenMP threads must sleep, not spin, between the loops around the gemms:
# spinning steals the core OpenBLAS's own thread needs (measured: an ODE-Net
# step of 3.1 s spinning against 1.75 s passive on 2 cores).
export OMP_WAIT_POLICY ?= PASSIVE

# ---------------------------------------------------------------- build
CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror
# Recursively expanded, so pkg-config runs only after deps.sh installed it.
DEP_CFLAGS = $(shell pkg-config --cflags openblas inih cmocka zlib)
DEP_LIBS = $(shell pkg-config --libs openblas inih zlib) -llbfgs \
           -lsundials_arkode -lsundials_nvecserial -ldnnl -lm
# Open MPI, for train alone (data-parallel training under mpirun or srun;
# the library itself never calls MPI).
MPI_CFLAGS = $(shell pkg-config --cflags ompi-c)
MPI_LIBS = $(shell pkg-config --libs ompi-c)
# OpenMP shares the loops around the convolutions' gemms among the threads.
OPENMP := -fopenmp
ALL_CFLAGS = -std=c11 $(WARNINGS) $(CFLAGS) $(OPENMP) -Isrc/lib $(DEP_CFLAGS)

LIB_OBJ := $(patsubst src/lib/%.c,$(BUILD)/obj/lib/%.o,$(wildcard src/lib/*.c))
CMD_OBJ := $(patsubst src/cmd/%.c,$(BUILD)/obj/cmd/%.o,$(wildcard src/cmd/*.c))
# Never delete intermediate files (objects, checkpoints made by pattern
# rules): they are results, and deleting them would force reruns.
.SECONDARY:
COMMANDS := gen-data check-numbers tex-macros judge train eval features bench bench-dnnl
BINARIES := $(addprefix $(BIN)/,$(COMMANDS))

# Installs the missing Debian packages (root) or says which (not root).
$(BUILD)/deps.ok: src/scripts/deps.sh
	@mkdir -p $(@D)
	src/scripts/deps.sh
	@touch $@

$(BUILD)/obj/%.o: src/%.c | $(BUILD)/deps.ok
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The activation kernels must vectorise: -fno-trapping-math lets GCC
# if-convert the selects (it changes no result, only assumptions about
# floating-point exception flags, which nothing here reads).
$(BUILD)/obj/lib/fastmath.o: ALL_CFLAGS += -ftree-vectorize -fno-trapping-math
$(BUILD)/obj/lib/nvec_fast.o: ALL_CFLAGS += -ftree-vectorize
$(BUILD)/obj/lib/conv.o: ALL_CFLAGS += -ftree-vectorize
$(BUILD)/obj/cmd/train.o: ALL_CFLAGS += $(MPI_CFLAGS)
$(BIN)/train: CMD_LIBS = $(MPI_LIBS)

$(BUILD)/libnodeode.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# src/cmd/foo_bar.c builds $(BIN)/foo-bar.
.SECONDEXPANSION:
$(BIN)/%: $(BUILD)/libnodeode.a $$(BUILD)/obj/cmd/$$(subst -,_,$$*).o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(OPENMP) $(BUILD)/obj/cmd/$(subst -,_,$*).o $(BUILD)/libnodeode.a $(DEP_LIBS) $(CMD_LIBS) -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

.PHONY: bin
bin: $(BINARIES)  ## build every executable into build/bin

# ---------------------------------------------------------------- code stamps
# A result depends on the code that made it, not on the whole binary: a run
# of one model kind depends on $(call code,COMMAND,KIND), the sha256 of the
# objects COMMAND links except the other kinds' own files, rewritten only
# when they change.  So editing the ODE-Net's convolutions retrains no MLP
# run, while a change to shared code (the ODE core, the trainer, the
# registry of kinds) retrains everything.  The binary itself is an
# order-only prerequisite: built first, but its link time decides nothing.
KIND_OWN_mlp := model field kind_mlp
KIND_OWN_conv := odenet convfield conv kind_conv
KIND_OWN_cnf := cnffield kind_cnf moons
KIND_OWN_latent := latent kind_latent rnn elbo field
# The recurrent baseline shares the latent ODE's cell (rnn) and likelihood
# (elbo): a file two kinds own is in both their stamps and in no other's.
KIND_OWN_rnn := rnnbase kind_rnn rnn elbo
KIND_OWN_ALL := $(KIND_OWN_mlp) $(KIND_OWN_conv) $(KIND_OWN_cnf) $(KIND_OWN_latent) \
                $(KIND_OWN_rnn)
KINDS := mlp conv cnf latent rnn
# The generator and the macro writer use no model kind (but the moons).
KIND_OWN_tools := moons
code = $(BUILD)/stamps/$(1)-$(2).sha256
kind_objs = $(filter-out $(patsubst %,$(BUILD)/obj/lib/%.o,$(filter-out $(KIND_OWN_$(1)),$(KIND_OWN_ALL))),$(LIB_OBJ))
define code_stamp
$(call code,$(1),$(2)): $(BUILD)/obj/cmd/$(subst -,_,$(1)).o $(call kind_objs,$(2)) | $(BIN)/$(1)
	+@mkdir -p $$(@D)
	+@cat $$(filter %.o,$$^) | sha256sum > $$@.tmp && $$(call write_if_changed,$$@.tmp,$$@)
endef
$(foreach c,train eval features,$(foreach k,$(KINDS),$(eval $(call code_stamp,$(c),$(k)))))
$(foreach c,gen-data tex-macros judge,$(eval $(call code_stamp,$(c),tools)))

# ---------------------------------------------------------------- stages
FIGURES :=
SUMMARIES :=
PAPER_INPUTS :=

# MNIST, shared by several stages, is defined before any of them.  The
# dataset a run reads is part of its identity: every MNIST run depends on
# the sha256 of the four idx files' contents (MNIST_STAMP), recomputed when
# a file or MNIST_DIR changes and rewritten only when the contents differ,
# whichever directory they came from.
MNIST_NAMES := train-images-idx3-ubyte train-labels-idx1-ubyte \
               t10k-images-idx3-ubyte t10k-labels-idx1-ubyte
MNIST_FILES := $(addprefix $(MNIST_DIR)/,$(MNIST_NAMES))
MNIST_STAMP := $(DATA)/mnist/idx.sha256
$(MNIST_STAMP): $(MNIST_FILES) $(call setting,mnist-dir,$(abspath $(MNIST_DIR)))
	+@mkdir -p $(@D)
	+@if (cd $(MNIST_DIR) && sha256sum $(MNIST_NAMES)) > $@.tmp; then \
	   $(call write_if_changed,$@.tmp,$@); \
	 else rm -f $@.tmp; $(if $(DRY_RUN),echo "(dry run: $(MNIST_DIR) not there yet)",false); fi

# A figure: $(call figure,NAME,SCRIPT,PREREQUISITES,GNUPLOT-VARIABLES)
# renders figures/PROFILE/NAME.pdf and .png with one gnuplot script, which
# gets out (the file to write), fmt (pdf or png) and the variables given.
define figure
$(FIG)/$(1).pdf $(FIG)/$(1).png: $(FIG)/$(1).%: $(2) $(3)
	@mkdir -p $$(@D)
	gnuplot -e "$(4); out='$$@.tmp'; fmt='$$*'" $(2)
	mv $$@.tmp $$@
.PHONY: $(1)
$(1): $(FIG)/$(1).pdf $(FIG)/$(1).png
FIGURES += $(FIG)/$(1).pdf $(FIG)/$(1).png
endef

# Stages, in a fixed order (later stages may use earlier ones' variables).
STAGES := mnist sines circles mnist-anode odenet cnf latent scaling
include $(foreach s,$(STAGES),stages/$(s)/stage.mk)

# ---------------------------------------------------------------- verdicts
# Every claim of the reports, one per line in stages/STAGE/report-claims.tsv,
# judged from this profile's summaries by `judge`: the paper's verdict table
# and conclusion, and data/PROFILE/verdicts.tsv.  `make verify` then checks
# the verdicts listed in tests/expected/verdicts-PROFILE.tsv (those stable
# across seeds): a verdict that changes fails it.
CLAIM_FILES := $(foreach s,$(STAGES),$(wildcard stages/$(s)/report-claims.tsv))
VERDICTS := $(DATA)/verdicts.tsv
$(VERDICTS) $(GEN)/verdicts.tex &: $(CLAIM_FILES) $(SUMMARIES) $(call code,judge,tools) | $(BIN)/judge
	@mkdir -p $(GEN) $(@D)
	$(BIN)/judge --tsv $(VERDICTS) --tex $(GEN)/verdicts.tex \
	  --caption 'Every claim of both reports that the pipeline tests, and its verdict in this profile.\rebuiltby{verdicts}\label{tab:verdicts}' \
	  $(foreach f,$(CLAIM_FILES),--claims $(f)) $(SUMMARIES) > /dev/null
PAPER_INPUTS += $(GEN)/verdicts.tex
VERDICTS_EXPECTED := $(wildcard tests/expected/verdicts-$(PROFILE).tsv)

.PHONY: verdicts
verdicts: $(VERDICTS)  ## judge every claim of both reports from this profile's numbers, and print the verdicts
	@awk -F '\t' 'NR > 1 { printf "%-30s %-15s %s\n", $$1, $$2, $$5 }' $(VERDICTS)

# ---------------------------------------------------------------- paper
# Every summary becomes LaTeX macros; the paper \inputs them and never types
# a number.
$(GEN)/numbers.tex: $(SUMMARIES) $(call code,tex-macros,tools)
	@mkdir -p $(@D)
	$(BIN)/tex-macros $@ $(SUMMARIES)

# The commit the numbers were made from, rewritten only when it changes.
.PHONY: FORCE
$(GEN)/commit.tex: FORCE
	+@mkdir -p $(@D)
	+@c=$$(git describe --always --dirty 2>/dev/null || echo unknown); \
	 printf '\\newcommand{\\pipelineCommit}{%s}\n\\newcommand{\\pipelineProfile}{%s}\n' \
	   "$$c" "$(PROFILE)" > $@.tmp; $(call write_if_changed,$@.tmp,$@)

# What the numbers were made with: library, tool and compiler versions and
# the MNIST contents, rewritten only when they change.
$(GEN)/provenance.tex: src/scripts/provenance.sh $(MNIST_STAMP) FORCE | $(BUILD)/deps.ok
	+@mkdir -p $(@D)
	+@if [ -z "$(DRY_RUN)" ] || [ -f $(MNIST_STAMP) ]; then \
	   CC='$(CC)' src/scripts/provenance.sh $(MNIST_STAMP) > $@.tmp && $(call write_if_changed,$@.tmp,$@); fi

# The paper's provenance appendix: for every figure and table, the configs,
# datasets (with sha256), profile settings, scripts and code stamps it was
# made from, read from Make's own database (`make -pq`), so that it lists
# what the rules say.  The database is taken by a plain sub-make (MAKE_DB,
# not $$(MAKE): a recursive line would run even under make -n and -q) with
# the same command-line variables, once everything else is built.
PROV_TARGETS = $(filter %.pdf,$(FIGURES)) $(filter $(GEN)/table%.tex,$(PAPER_INPUTS))
MAKE_DB = $(MAKE)
$(GEN)/appendix-provenance.tex: src/scripts/provenance-appendix.sh $(PROV_TARGETS)
	@mkdir -p $(@D) $(BUILD)
	$(MAKE_DB) --no-print-directory -pq PROFILE=$(PROFILE) paper-inputs > $(BUILD)/make-db-$(PROFILE).txt 2>/dev/null || true
	src/scripts/provenance-appendix.sh $(BUILD)/make-db-$(PROFILE).txt $(PROV_TARGETS) > $@.tmp
	mv $@.tmp $@
.PHONY: paper-inputs
paper-inputs: $(FIGURES) $(PAPER_INPUTS)

PAPER_TEXINPUTS = $(abspath $(GEN)):$(abspath $(FIG)):$(abspath paper):
$(PAPER_PDF): paper/paper.tex $(GEN)/numbers.tex $(GEN)/commit.tex $(GEN)/provenance.tex \
    $(GEN)/appendix-provenance.tex $(FIGURES) $(PAPER_INPUTS)
	@mkdir -p $(PAPER_BUILD) $(@D)
	TEXINPUTS=$(PAPER_TEXINPUTS) latexmk -pdf -interaction=nonstopmode -halt-on-error \
	  -quiet -outdir=$(abspath $(PAPER_BUILD)) paper/paper.tex > $(PAPER_BUILD)/latexmk.log 2>&1 \
	  || { tail -n 40 $(PAPER_BUILD)/latexmk.log; exit 1; }
	cp $(PAPER_BUILD)/paper.pdf $@.tmp && mv $@.tmp $@

# ---------------------------------------------------------------- targets
.PHONY: all figures paper verify check test clean help
all: figures paper  ## regenerate every figure and the report (default)
figures: $(FIGURES)  ## render every figure of this profile into figures/PROFILE/
paper: $(PAPER_PDF)  ## build the report, paper/paper-PROFILE.pdf

verify: $(SUMMARIES) $(BIN)/check-numbers $(BIN)/judge $(CLAIM_FILES)  ## compare this profile's numbers with tests/expected/PROFILE.tsv, and its verdicts
	$(if $(VERDICTS_EXPECTED),@$(BIN)/judge --tsv $(BUILD)/verdicts-$(PROFILE).tsv \
	  --expect $(VERDICTS_EXPECTED) $(foreach f,$(CLAIM_FILES),--claims $(f)) $(SUMMARIES) \
	  > $(BUILD)/verdicts-$(PROFILE).txt || { cat $(BUILD)/verdicts-$(PROFILE).txt; exit 1; }; \
	  tail -n 1 $(BUILD)/verdicts-$(PROFILE).txt)
	$(BIN)/check-numbers tests/expected/$(PROFILE).tsv $(SUMMARIES)

include tests/tests.mk

# The README's test command: unit tests, then the quick profile regenerated
# (paper included) and its numbers checked.  Ends with `N passed, N failed`.
check: test  ## unit tests, then the quick profile end to end and its numbers
	$(MAKE) --no-print-directory PROFILE=quick paper
	tests/incremental.sh
	$(MAKE) --no-print-directory PROFILE=quick verify

# A benchmark, not a test: prints timings of the ODE core on this machine and
# writes them to build/bench.tsv.  Never part of `make check`.
.PHONY: bench
bench: $(BIN)/bench $(BIN)/bench-dnnl $(MNIST_FILES) $(LATENT_DIR)/train.tsv $(BUILD)/bench-spirals-regular.tsv  ## time the vector field, its VJP and training steps (build/bench.tsv), and the convolutions beside oneDNN's (build/bench-dnnl.tsv)
	$(BIN)/bench --mnist-dir $(MNIST_DIR) --out $(BUILD)/bench.tsv --spirals $(LATENT_DIR)/train.tsv \
	  --spirals-regular $(BUILD)/bench-spirals-regular.tsv
	$(BIN)/bench-dnnl --out $(BUILD)/bench-dnnl.tsv
# The workload of torchdiffeq's latent-ODE example for the bench: 1,000
# spirals, 100 consecutive grid points each (so the same relative times for
# all), noise sd 0.3 (the example's).
$(BUILD)/bench-spirals-regular.tsv: $(BIN)/gen-data
	$(BIN)/gen-data spirals --count 1000 --seed 41 --noise 0.3 --window 100 --observations 100 \
	  --out $@

clean:  ## remove build products and every profile's outputs of STUDY (keeps fetched MNIST)
	rm -rf $(BUILD) $(foreach p,quick paper full,$(ROOT)data/$(p) $(ROOT)figures/$(p)) \
	  $(ROOT)paper/gen $(ROOT)paper/paper-*.pdf $(if $(ROOT),$(ROOT)build)

help:  ## list the targets
	@echo "usage: make [TARGET] [PROFILE=quick|paper|full] [MNIST_DIR=dir] [STUDY=dir] [RUN_SET='--set k=v']"
	@grep -h -E '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | \
	  sed -e 's/:.*## /\t/' | awk -F '\t' '{ printf "  %-14s %s\n", $$1, $$2 }'
