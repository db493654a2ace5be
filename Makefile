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

# ---------------------------------------------------------------- validation
# Every variable that names a path or goes into a command line is checked
# before anything is written (nothing below runs a shell command built from
# an unchecked value): one word where one is expected, characters that are
# safe in a path, a Make rule and a shell word, and a study root that is
# neither the filesystem's root, an ancestor of this tree, this tree under
# another name, nor inside its sources.
streq = $(and $(findstring x$(1),x$(2)),$(findstring x$(2),x$(1)))
# $(call one_word,V): empty unless V is exactly one word (no blanks around).
one_word = $(and $(filter 1,$(words $(1))),$(call streq,$(1),$(strip $(1))))
# $(call strip_chars,TEXT,CHARS): TEXT without the characters in CHARS.
comma := ,
strip_chars = $(if $(2),$(call strip_chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
alnum := a b c d e f g h i j k l m n o p q r s t u v w x y z \
         A B C D E F G H I J K L M N O P Q R S T U V W X Y Z 0 1 2 3 4 5 6 7 8 9
path_chars := $(alnum) _ . / + -
# $(call check_path,NAME): dies unless variable NAME is one non-empty word of
# path characters ([A-Za-z0-9_./+-]).
check_path = $(if $(and $(call one_word,$($(1))),$(if $(strip $(call strip_chars,$($(1)),$(path_chars))),,ok)),,\
  $(error $(1) must be one non-empty path of the characters A-Z a-z 0-9 _ . / + -, not '$($(1))'))

PROFILE ?= paper
ifeq ($(and $(call one_word,$(PROFILE)),$(filter quick paper full,$(PROFILE))),)
$(error PROFILE must be quick, paper or full, not '$(PROFILE)')
endif

# ---------------------------------------------------------------- parallel
# Building results uses every core by default: JOBS job slots (default: the
# core count; `make -jN` on the command line wins).  Every output is
# byte-identical to a serial build's (tests/parallel.sh).  A run with
# several threads holds as many slots, and a run that measures time holds
# them all (src/scripts/slots.sh).  Tests, benchmarks and sub-makes (which
# share their parent's slots) keep what they were given.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
digits := 0 1 2 3 4 5 6 7 8 9
ifneq ($(and $(call one_word,$(JOBS)),$(if $(call strip_chars,$(JOBS),$(digits)),,ok),$(filter-out 0%,$(JOBS))),$(JOBS))
$(error JOBS must be a positive whole number, not '$(JOBS)')
endif
# Only the top-level make: a sub-make (a seed replica's, a test's) shares
# its parent's slots, or runs with the -j its caller gives it.
SERIAL_GOALS := test test-% check fuzz fuzz-% sanitize-% bench bench-% clean
ifeq ($(MAKELEVEL),0)
ifeq ($(filter $(SERIAL_GOALS),$(MAKECMDGOALS)),)
MAKEFLAGS += -j$(JOBS)
endif
endif

BUILD := build
BIN := $(BUILD)/bin
# MPIRUN: a launcher for the heavy stages' training (the ODE-Net and the
# ResNet, the flow, report 000's MNIST runs, the latent ODE), which then runs
# data parallel in the launched processes (src/lib/train/trainer.h), e.g.
#   make MPIRUN='mpirun -np 4 --hostfile hosts'     or, under Slurm,  MPIRUN=srun
# A group's result is one process's up to the order of the sums of its
# gradients: in double, within 1e-12 (tests/mpi.sh).  In float32 (the
# ODE-Net's convolutions) such a change of order moves a run by more than
# rounding, so MPIRUN is a setting of the heavy stages (GROUP_SETTING, set
# after the settings machinery below): changing it retrains them.
MPIRUN ?=
ifneq ($(strip $(call strip_chars,$(MPIRUN),$(path_chars) = $(comma) :)),)
$(error MPIRUN may hold only a launcher's words of the characters A-Z a-z 0-9 _ . / + - = , :, not '$(MPIRUN)')
endif
# (Its launcher must exist, once the set-up has installed the packages.)
ifneq ($(MPIRUN)$(wildcard $(BUILD)/deps.ok),)
ifeq ($(MPIRUN),)
else ifeq ($(shell command -v $(firstword $(MPIRUN))),)
$(error MPIRUN: launcher '$(firstword $(MPIRUN))' not found)
endif
endif
# A training run holds as many of Make's job slots as its INI's `threads`
# (src/scripts/slots.sh; $< is the INI in every rule that uses this).
ini_threads = $(or $(shell sed -n 's/^[[:space:]]*threads[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' $(1) | tail -n 1),1)
SLOTS = src/scripts/slots.sh $(MAKE_PID)
TRAIN_GROUP = $(SLOTS) $(call ini_threads,$<) $(MPIRUN) $(BIN)/train
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
ifeq ($(STUDY),)
$(error STUDY is set but empty: leave it unset for the main report, or name the study's directory)
endif
$(call check_path,STUDY)
TREE := $(realpath $(CURDIR))
ifeq ($(filter . ./,$(STUDY)),)
STUDY_REAL := $(shell realpath -m -- '$(STUDY)')
ifeq ($(STUDY_REAL),$(TREE))
$(error STUDY=$(STUDY) is this tree itself: leave STUDY unset (or STUDY=.) for the main report)
endif
ifneq ($(filter $(STUDY_REAL)/%,$(TREE)/)$(filter /,$(STUDY_REAL)),)
$(error STUDY=$(STUDY) is $(STUDY_REAL), the filesystem's root or a directory holding this tree: a study needs a directory of its own)
endif
ifneq ($(filter $(foreach d,src stages tests paper,$(TREE)/$(d) $(TREE)/$(d)/%),$(STUDY_REAL)),)
$(error STUDY=$(STUDY) is inside the tree's sources ($(STUDY_REAL)): choose a directory outside src/, stages/, tests/ and paper/)
endif
endif
ROOT := $(if $(filter . ./,$(STUDY)),,$(patsubst %/,%,$(STUDY))/)
# RUN_SET: `--set section.key=value` pairs, and nothing else.
RUN_SET ?=
ifneq ($(strip $(call strip_chars,$(RUN_SET),$(path_chars) = $(comma) :)),)
$(error RUN_SET may hold only --set section.key=value pairs of the characters A-Z a-z 0-9 _ . / + - = , :, not '$(RUN_SET)')
endif
ifneq ($(RUN_SET),)
ifneq ($(shell set -- $(RUN_SET); while [ $$# -gt 0 ]; do \
  [ "$$1" = --set ] && [ $$# -ge 2 ] && printf '%s\n' "$$2" | grep -q -E -x '[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*=.+' \
  || { echo bad; break; }; shift 2; done),)
$(error RUN_SET must be --set section.key=value pairs, not '$(RUN_SET)')
endif
endif
# SEED_BASE=K shifts every seed of the study by K: each generated dataset's
# (gen-data --seed), each training run's (train --seed-offset, added to the
# seed its INI file sets) and the MNIST runs' per-run seeds.  With another
# STUDY it makes an independent replication of the whole report:
#   make PROFILE=quick STUDY=/tmp/rep SEED_BASE=100 paper
SEED_BASE ?= 0
digits := 0 1 2 3 4 5 6 7 8 9
ifneq ($(and $(call one_word,$(SEED_BASE)),$(if $(strip $(call strip_chars,$(SEED_BASE),$(digits))),,ok)),ok)
$(error SEED_BASE must be one non-negative integer, not '$(SEED_BASE)')
endif
# (No leading zeros: 010 and 10 must not be two settings for one shift.)
ifneq ($(shell echo '$(SEED_BASE)' | grep -E -x '0|[1-9][0-9]{0,9}'),$(SEED_BASE))
$(error SEED_BASE must be a non-negative integer of at most 10 digits without leading zeros, not '$(SEED_BASE)')
endif
# SEEDS=N: every judged stage but the MNIST one (MNIST_SEEDS) run N times
# (see "seed replicas" below).
SEEDS ?=
ifneq ($(SEEDS),)
ifneq ($(and $(call one_word,$(SEEDS)),$(if $(strip $(call strip_chars,$(SEEDS),$(digits))),,ok)),ok)
$(error SEEDS must be an integer from 1 to 99, not '$(SEEDS)')
endif
ifneq ($(shell echo '$(SEEDS)' | grep -E -x '[1-9][0-9]?'),$(SEEDS))
$(error SEEDS must be an integer from 1 to 99, not '$(SEEDS)')
endif
endif
SEED_ARGS := $(if $(filter-out 0,$(SEED_BASE)),--seed-offset $(SEED_BASE))
# The arguments every training run gets from the command line.
RUN_ARGS := $(strip $(RUN_SET) $(SEED_ARGS))
# $(call seed,S): generator seed S shifted by SEED_BASE.
seed = $(if $(filter-out 0,$(SEED_BASE)),$(shell expr $(1) + $(SEED_BASE)),$(1))
DATA := $(ROOT)data/$(PROFILE)
FIG := $(ROOT)figures/$(PROFILE)
GEN := $(ROOT)paper/gen/$(PROFILE)
PAPER_PDF := $(ROOT)paper/paper-$(PROFILE).pdf
STUDY_BUILD := $(if $(ROOT),$(ROOT)build,$(BUILD))
PAPER_BUILD := $(STUDY_BUILD)/paper/$(PROFILE)
MNIST_DIR ?= data/mnist
$(call check_path,MNIST_DIR)

# ---------------------------------------------------------------- settings
# Every setting that changes a result and lives outside the INI files (a
# profile's overrides, a generator's arguments, seed counts, grid sizes,
# RUN_SET, MNIST_DIR) is written to a file under $(SETTINGS) while the
# Makefile is read, and that file is a prerequisite of what the setting
# changes.  The file is rewritten only when its text changes, so a changed
# setting reruns exactly its dependents and an unchanged one nothing.
#   $(call setting,NAME,TEXT)  expands to the path of the file NAME
SETTINGS := $(DATA)/settings
# Non-empty under make -n or -q.
DRY_RUN := $(findstring n,$(firstword -$(MAKEFLAGS)))$(findstring q,$(firstword -$(MAKEFLAGS)))
# A changed file is written to a temporary file of this make process and
# renamed, so that a seed replica's sub-make reading the same file at the
# same time never sees it half written.
MAKE_PID := $(shell echo $$PPID)
setting_same = $(and $(wildcard $(SETTINGS)/$(1)),$(call streq,$(file <$(SETTINGS)/$(1)),$(strip $(2))))
ifeq ($(DRY_RUN),)
$(shell mkdir -p $(SETTINGS))
setting = $(if $(call setting_same,$(1),$(2)),,\
  $(file >$(SETTINGS)/$(1).$(MAKE_PID).tmp,$(strip $(2)))$(shell mv -f $(SETTINGS)/$(1).$(MAKE_PID).tmp $(SETTINGS)/$(1)))$(SETTINGS)/$(1)
else
# Under make -n and -q nothing is written: a setting that would change
# becomes a target that is always remade (with a recipe that only says so),
# so that the dry run shows, and -q reports, exactly what it would rebuild.
setting = $(if $(call setting_same,$(1),$(2)),,$(call dry_setting,$(1)))$(SETTINGS)/$(1)
dry_setting = $(if $(DRY_SETTING_$(1)),,$(eval DRY_SETTING_$(1) := 1)$(eval \
  $(SETTINGS)/$(1): FORCE ; @echo '(dry run: setting $(1) would change; $(SETTINGS)/$(1) not written)'))
endif

GROUP_SETTING := $(call setting,mpirun,$(MPIRUN))

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
# libxsmm (static only in Debian) before OpenBLAS: it falls back to BLAS.
DEP_LIBS = $(shell pkg-config --libs libxsmm openblas inih zlib) -llbfgs \
           -lsundials_arkode -lsundials_nvecserial -ldnnl -lm
# Open MPI, for train alone (data-parallel training under mpirun or srun;
# the library itself never calls MPI).
MPI_CFLAGS = $(shell pkg-config --cflags ompi-c)
MPI_LIBS = $(shell pkg-config --libs ompi-c)
# GSL, for judge alone (t quantiles of the verdicts' 95 % intervals).
GSL_CFLAGS = $(shell pkg-config --cflags gsl)
GSL_LIBS = $(shell pkg-config --libs gsl)
# OpenMP shares the loops around the convolutions' gemms among the threads.
OPENMP := -fopenmp
ALL_CFLAGS = -std=c11 $(WARNINGS) $(CFLAGS) $(OPENMP) -Isrc/lib -Isrc/cmd $(DEP_CFLAGS)

# The library, one folder per layer (src/lib/README.md) and one per model
# kind under src/lib/models/.
LIB_SRC := $(sort $(wildcard src/lib/*/*.c src/lib/models/*/*.c))
LIB_OBJ := $(patsubst src/lib/%.c,$(BUILD)/obj/lib/%.o,$(LIB_SRC))
# A command is src/cmd/NAME.c (its main) with its own parts in src/cmd/NAME/
# and the parts every command shares in src/cmd/common/.
CMD_OBJ := $(patsubst src/cmd/%.c,$(BUILD)/obj/cmd/%.o,$(wildcard src/cmd/*.c))
CMD_COMMON_OBJ := $(patsubst src/cmd/%.c,$(BUILD)/obj/cmd/%.o,$(wildcard src/cmd/common/*.c))
cmd_objs = $(BUILD)/obj/cmd/$(1).o $(patsubst src/cmd/%.c,$(BUILD)/obj/cmd/%.o,$(wildcard src/cmd/$(1)/*.c)) $(CMD_COMMON_OBJ)
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
$(BUILD)/obj/lib/nn/fastmath.o: ALL_CFLAGS += -ftree-vectorize -fno-trapping-math
$(BUILD)/obj/lib/ode/nvec_fast.o: ALL_CFLAGS += -ftree-vectorize
$(BUILD)/obj/lib/nn/conv.o: ALL_CFLAGS += -ftree-vectorize
$(BUILD)/obj/cmd/train.o: ALL_CFLAGS += $(MPI_CFLAGS)
$(BUILD)/obj/cmd/train/%.o: ALL_CFLAGS += $(MPI_CFLAGS)
$(BIN)/train: CMD_LIBS = $(MPI_LIBS)
$(BUILD)/obj/cmd/judge.o: ALL_CFLAGS += $(GSL_CFLAGS)
$(BUILD)/obj/cmd/judge/%.o: ALL_CFLAGS += $(GSL_CFLAGS)
$(BIN)/judge: CMD_LIBS = $(GSL_LIBS)

$(BUILD)/libnodeode.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# src/cmd/foo_bar.c builds $(BIN)/foo-bar.
.SECONDEXPANSION:
$(BIN)/%: $(BUILD)/libnodeode.a $$(call cmd_objs,$$(subst -,_,$$*))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(OPENMP) $(call cmd_objs,$(subst -,_,$*)) $(BUILD)/libnodeode.a $(DEP_LIBS) $(CMD_LIBS) -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

.PHONY: bin
bin: $(BINARIES)  ## build every executable into build/bin

# ---------------------------------------------------------------- code stamps
# A result depends on the code that made it, not on the whole binary: a run
# of one model kind depends on $(call code,COMMAND,KIND), the sha256 of the
# objects that COMMAND's link pulls from the library when every other kind's
# folder (src/lib/models/OTHER/) is left out (src/scripts/code-stamp.sh
# follows the undefined symbols, as the linker does with an archive).  So
# editing the ODE-Net's convolutions retrains no MLP run, while a change to
# shared code the kind uses (the ODE core, the trainer, the registry of
# kinds) retrains it.  A kind is the folder src/lib/models/KIND: nothing
# here lists its files.  The stamp is recomputed whenever an object changes
# and rewritten only when its contents do.  The binary itself is an
# order-only prerequisite: built first, but its link time decides nothing.
KINDS := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard src/lib/models/*/*.c)))))
code = $(BUILD)/stamps/$(1)-$(2).sha256
# (The temporary file is per process: a seed replica's sub-make may run the
# same recipe at the same time.)
define code_stamp
$(call code,$(1),$(2)): $(call cmd_objs,$(subst -,_,$(1))) $(LIB_OBJ) src/scripts/code-stamp.sh | $(BIN)/$(1)
	+@mkdir -p $$(@D)
	+@src/scripts/code-stamp.sh $(2) $(BUILD)/obj/lib $$(filter %.o,$$^) > $$@.$$$$$$$$.tmp && \
	 if [ -s $$@.$$$$$$$$.tmp ]; then $$(call write_if_changed,$$@.$$$$$$$$.tmp,$$@); else rm -f $$@.$$$$$$$$.tmp; fi
endef
$(foreach c,train eval features,$(foreach k,$(KINDS),$(eval $(call code_stamp,$(c),$(k)))))
# The generator and the macro writer use no model kind.
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
# The files are never trusted because they exist: every build that needs
# them checks their contents against MNIST_SUMS (src/scripts/check-mnist.sh),
# the tracked data/mnist.sha256 for data/mnist, and for another MNIST_DIR a
# checksum file its user writes (default MNIST_DIR/mnist.sha256; README).
# (Under make -n and -q the stamp is neither forced nor written: a dry run
# must not record another directory's contents.)
MNIST_SUMS ?= $(if $(call streq,$(MNIST_DIR),data/mnist),data/mnist.sha256,$(MNIST_DIR)/mnist.sha256)
$(call check_path,MNIST_SUMS)
DRY_PLUS := $(if $(DRY_RUN),,+)
ifeq ($(DRY_RUN),)
$(MNIST_STAMP): $(MNIST_FILES) $(call setting,mnist-dir,$(abspath $(MNIST_DIR))) FORCE
	+@mkdir -p $(@D)
	+@src/scripts/check-mnist.sh $(MNIST_DIR) $(MNIST_SUMS) > $@.tmp || { rm -f $@.tmp; exit 1; }; \
	 $(call write_if_changed,$@.tmp,$@)
else
# A dry run reads the contents (while Make reads the Makefile; nothing is
# written): the stamp is up to date exactly when the verified contents are
# the recorded ones, wherever the files are.
MNIST_DRY_SAME := $(if $(wildcard $(MNIST_STAMP)),$(shell src/scripts/check-mnist.sh $(MNIST_DIR) \
  $(MNIST_SUMS) 2>/dev/null | cmp -s - $(MNIST_STAMP) && echo same))
$(MNIST_STAMP): $(if $(MNIST_DRY_SAME),,$(MNIST_FILES) FORCE)
	@echo '(dry run: $(MNIST_DIR) would be verified against $(MNIST_SUMS) and $@ rewritten)'
endif

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

# ---------------------------------------------------------------- seed replicas
# A claim about trained models is judged over independent runs (README,
# Verdicts).  A stage listed below is run SEEDS_STAGE_PROFILE times:
# replica 1 is the stage itself (its figures and numbers), replica K > 1
# the same stage built as a study of its own under $(DATA)/replica-K by a
# sub-make with every seed shifted by a further $(REPLICA_STRIDE) (K - 1),
# datasets included, so that a claim about a method is not a claim about one
# draw of its data.  The sub-make is always asked (FORCE) but remakes a
# replica's merged summaries only when one of its summaries was remade, so
# an unchanged replica reruns nothing downstream.  Each stage's replicas are pooled by
# src/scripts/pool.sh into STAGE/seeds.tsv (key, then its N values), which
# `judge` reads.  The MNIST stage has its seeds inside (MNIST_SEEDS).
# How many, and why (README, Verdicts, measured spreads):
#   sines, circles, latent: 5 in paper (the issue's floor; runs take seconds
#   to a minute; latent's replicas include Table 2's six runs);
#   cnf: 3 in paper (9 min a run); odenet: 1 in paper (an hour a run: its
#   comparisons say "one run"), 3 in full; quick: 5 for the toy stages
#   (seconds a run; with 3, whose t quantile is 4.3, two held verdicts
#   moved on a replication, tests/replication.sh), 1 for cnf and odenet.
# SEEDS=N overrides every stage's count (SEEDS=1: one run each, no interval).
REPLICA_STRIDE := 1000
SEEDED_STAGES := sines circles cnf latent odenet
SEEDS_sines_quick := 5
SEEDS_sines_paper := 5
SEEDS_sines_full := 5
SEEDS_circles_quick := 5
SEEDS_circles_paper := 5
SEEDS_circles_full := 5
SEEDS_latent_quick := 5
SEEDS_latent_paper := 5
SEEDS_latent_full := 5
SEEDS_cnf_quick := 1
SEEDS_cnf_paper := 3
SEEDS_cnf_full := 3
SEEDS_odenet_quick := 1
SEEDS_odenet_paper := 1
SEEDS_odenet_full := 3
seeds_of = $(if $(SEEDS),$(SEEDS),$(SEEDS_$(1)_$(PROFILE)))
replica_ids = $(wordlist 2,$(call seeds_of,$(1)),1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 \
  $(shell seq 21 99))
replica_merged = $(foreach k,$(call replica_ids,$(1)),$(DATA)/replica-$(k)/data/$(PROFILE)/$(1)/merged.tsv)
SAMPLES :=

# $(call seeded_stage,STAGE,SUMMARIES[,ORDER-ONLY PREREQUISITES])
# (The replica's seed shift is computed by expr, which reads every number
# as decimal, unlike the shell's arithmetic.)
define seeded_stage
$(DATA)/$(1)/merged.tsv: $(2)
	cat $(2) > $$@.tmp && mv $$@.tmp $$@
$(DATA)/replica-%/data/$(PROFILE)/$(1)/merged.tsv: FORCE | $(BIN)/gen-data $(BIN)/train $(BIN)/eval $(BIN)/features $(3)
	+@$$(MAKE) --no-print-directory STUDY=$(DATA)/replica-$$* SEEDS=1 \
	  SEED_BASE=$$$$(expr $(SEED_BASE) + $(REPLICA_STRIDE) '*' $$* - $(REPLICA_STRIDE)) $$@
$(DATA)/$(1)/seeds.tsv: src/scripts/pool.sh $(DATA)/$(1)/merged.tsv $(call replica_merged,$(1)) \
    $(call setting,seeds-$(1),$(call seeds_of,$(1)))
	src/scripts/pool.sh $$@ $(DATA)/$(1)/merged.tsv $(call replica_merged,$(1))
SAMPLES += $(DATA)/$(1)/seeds.tsv
endef
$(eval $(call seeded_stage,sines,$(SINES_SUMMARIES)))
$(eval $(call seeded_stage,circles,$(CIRCLES_SUMMARIES)))
$(eval $(call seeded_stage,cnf,$(CNF_SUMMARIES)))
# The latent stage's replicas include Chen et al.'s Table 2 (its six runs),
# so that its comparisons are judged over seeds, not from one run.
$(eval $(call seeded_stage,latent,$(LATENT_SUMMARIES) $(LATENT_DIR)/table2.tsv))
$(eval $(call seeded_stage,odenet,$(ON_SUMMARIES),$(MNIST_FILES)))

.PHONY: samples
samples: $(SAMPLES)  ## every judged stage's results pooled over its seed replicas (STAGE/seeds.tsv)

# ---------------------------------------------------------------- verdicts
# Every claim of the reports, one per line in stages/STAGE/report-claims.tsv,
# and every comparison with values from elsewhere (Chen et al.'s published
# numbers, the authors' notebooks) in stages/STAGE/reference-claims.tsv,
# judged by `judge` from every seed's results (the stages' seeds.tsv, the
# MNIST runs' seeds.tsv) and the other summaries: 95 % intervals over
# seeds, the outcomes reproduced / contradicted / inconclusive for a
# comparison and matches / better / worse for a value (README, Verdicts).
# Outputs: data/PROFILE/verdicts.tsv, the paper's two tables, its counts
# and per-stage summary, and the effects behind the forest plot.  `make
# verify` checks the verdicts held in tests/expected/verdicts-PROFILE.tsv
# (those that clear their threshold by a stated margin): a verdict that
# changes fails it.
CLAIM_FILES := $(foreach s,$(STAGES),$(wildcard stages/$(s)/report-claims.tsv))
REFERENCE_FILES := $(foreach s,$(STAGES),$(wildcard stages/$(s)/reference-claims.tsv))
JUDGE_INPUTS = $(sort $(foreach s,$(STAGES),$(JUDGE_INPUTS_$(s))))
JUDGE_CLAIMS := $(foreach f,$(CLAIM_FILES),--claims $(f)) $(foreach f,$(REFERENCE_FILES),--references $(f))
# `make verify-verdicts JUDGE_STAGES='sines circles'` judges only those
# stages' claims, from only what they read, against the held verdicts of
# EXPECT (default tests/expected/verdicts-PROFILE.tsv; every id in it must be
# one of those stages' claims): the seed-replication test (tests/replication.sh)
# uses it so as not to train the stages it does not check.
JUDGE_STAGES ?= $(STAGES)
JUDGE_INPUTS_sines := $(DATA)/sines/seeds.tsv
JUDGE_INPUTS_circles := $(DATA)/circles/seeds.tsv
JUDGE_INPUTS_cnf := $(DATA)/cnf/seeds.tsv
JUDGE_INPUTS_latent := $(DATA)/latent/seeds.tsv
JUDGE_INPUTS_odenet := $(DATA)/odenet/seeds.tsv
JUDGE_INPUTS_mnist-anode := $(SAMPLES_MNIST) $(MA_DIR)/refs.tsv
JUDGE_INPUTS_mnist := $(DATA)/mnist/summary.tsv
VERIFY_INPUTS := $(sort $(foreach s,$(JUDGE_STAGES),$(JUDGE_INPUTS_$(s))))
VERIFY_CLAIMS := $(foreach s,$(JUDGE_STAGES),$(addprefix --claims ,$(wildcard stages/$(s)/report-claims.tsv)) \
                   $(addprefix --references ,$(wildcard stages/$(s)/reference-claims.tsv)))
EXPECT ?= $(VERDICTS_EXPECTED)
ifneq ($(EXPECT),)
$(call check_path,EXPECT)
endif
ifneq ($(filter-out $(STAGES),$(JUDGE_STAGES)),)
$(error JUDGE_STAGES: no stage named '$(filter-out $(STAGES),$(JUDGE_STAGES))' (the stages: $(STAGES)))
endif
VERDICTS := $(DATA)/verdicts.tsv
EFFECTS := $(DATA)/effects.tsv
$(VERDICTS) $(EFFECTS) $(GEN)/verdicts.tex $(GEN)/references.tex $(GEN)/verdict-counts.tex &: \
    $(CLAIM_FILES) $(REFERENCE_FILES) $(JUDGE_INPUTS) $(call code,judge,tools) | $(BIN)/judge
	@mkdir -p $(GEN) $(@D)
	$(BIN)/judge --tsv $(VERDICTS) --effects $(EFFECTS) --tex $(GEN)/verdicts.tex \
	  --ref-tex $(GEN)/references.tex --counts-tex $(GEN)/verdict-counts.tex \
	  $(JUDGE_CLAIMS) $(JUDGE_INPUTS) > /dev/null
PAPER_INPUTS += $(GEN)/verdicts.tex $(GEN)/references.tex $(GEN)/verdict-counts.tex
VERDICTS_EXPECTED := $(wildcard tests/expected/verdicts-$(PROFILE).tsv)

# The forest plot: every comparison's effect and interval on one scale.
$(eval $(call figure,fig-forest,src/scripts/forest.gp,$(EFFECTS),effects='$(EFFECTS)'))

# Every number of this study in one file, for `make compare`: the summaries
# (replica 1's runs, the numbers the paper prints) and, as KEY:mean, the
# mean over seeds of every pooled key.
NUMBERS := $(DATA)/numbers.tsv
$(NUMBERS): $(SUMMARIES) $(SAMPLES) $(SAMPLES_MNIST)
	{ cat $(SUMMARIES) && awk -F '\t' '!/^#/ && NF == 2 { n = split($$2, v, " "); s = 0; \
	    for (i = 1; i <= n; i++) s += v[i]; printf "%s:mean\t%.6g\n", $$1, s / n }' \
	    $(SAMPLES) $(SAMPLES_MNIST); } > $@.tmp && mv $@.tmp $@

# `make compare STUDY=dir [BASE=dir]`: what differs between a study and the
# main report (or the study BASE), numbers and verdicts, largest change
# first (src/scripts/compare.sh).  BASE must have been built.
BASE ?= .
$(call check_path,BASE)
BASE_DATA := $(if $(filter . ./,$(BASE)),,$(patsubst %/,%,$(BASE))/)data/$(PROFILE)
.PHONY: compare
compare: $(NUMBERS) $(VERDICTS)  ## print every number and verdict of STUDY that differs from the main report's (or BASE's)
	@src/scripts/compare.sh $(BASE_DATA)/numbers.tsv $(BASE_DATA)/verdicts.tsv $(NUMBERS) $(VERDICTS)

.PHONY: verdicts
verdicts: $(VERDICTS)  ## judge every claim of both reports from this profile's runs, and print the outcomes
	@awk -F '\t' 'NR > 1 { printf "%-36s %-10s %-13s %s\n", $$1, $$2, $$4, $$12 }' $(VERDICTS)

# ---------------------------------------------------------------- paper
# Every summary becomes LaTeX macros; the paper \inputs them and never types
# a number.  Each stage writes its own, $(GEN)/numbers-STAGE.tex (tex-macros
# over the stage's summaries, in stages/STAGE/stage.mk), and adds it to
# PAPER_INPUTS: a stage's changed result rewrites only its own macros.

# The commit the numbers were made from, rewritten only when it changes.
.PHONY: FORCE
$(GEN)/commit.tex: FORCE
	$(DRY_PLUS)@mkdir -p $(@D)
	$(DRY_PLUS)@c=$$(git describe --always --dirty 2>/dev/null || echo unknown); \
	 printf '\\newcommand{\\pipelineCommit}{%s}\n\\newcommand{\\pipelineProfile}{%s}\n' \
	   "$$c" "$(PROFILE)" > $@.tmp; $(call write_if_changed,$@.tmp,$@)

# What the numbers were made with: library, tool and compiler versions and
# the MNIST contents, rewritten only when they change.
$(GEN)/provenance.tex: src/scripts/provenance.sh $(MNIST_STAMP) FORCE | $(BUILD)/deps.ok
	$(DRY_PLUS)@mkdir -p $(@D)
	$(DRY_PLUS)@if [ -z "$(DRY_RUN)" ] || [ -f $(MNIST_STAMP) ]; then \
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
$(PAPER_PDF): paper/paper.tex $(GEN)/commit.tex $(GEN)/provenance.tex \
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
paper: $(PAPER_PDF) $(NUMBERS)  ## build the report, paper/paper-PROFILE.pdf

verify: verify-verdicts $(SUMMARIES) $(BIN)/check-numbers  ## compare this profile's numbers with tests/expected/PROFILE.tsv, and its held verdicts
	$(BIN)/check-numbers tests/expected/$(PROFILE).tsv $(SUMMARIES)

.PHONY: verify-verdicts
verify-verdicts: $(VERIFY_INPUTS) $(BIN)/judge $(CLAIM_FILES) $(REFERENCE_FILES)  ## judge JUDGE_STAGES (default all) and check the held verdicts (EXPECT)
	$(if $(EXPECT),@mkdir -p $(STUDY_BUILD) && $(BIN)/judge --tsv $(STUDY_BUILD)/verdicts-$(PROFILE).tsv \
	  --expect $(EXPECT) $(VERIFY_CLAIMS) $(VERIFY_INPUTS) \
	  > $(STUDY_BUILD)/verdicts-$(PROFILE).txt || { cat $(STUDY_BUILD)/verdicts-$(PROFILE).txt; exit 1; }; \
	  tail -n 1 $(STUDY_BUILD)/verdicts-$(PROFILE).txt)

include tests/tests.mk
# Every run's wall time, `make timings`, and the plan `make` prints first.
include stages/timings.mk

# The README's test command: unit tests, then the quick profile regenerated
# (paper included) and its numbers checked.  Ends with `N passed, N failed`.
# The quick build uses every core (JOBS), as every build of results does.
# The parallel build's outputs must be a serial build's (tests/parallel.sh).
# Last, the held verdicts must survive a replication under other seeds.
check: test  ## unit tests, then the quick profile end to end, its numbers and its seed replication
	$(MAKE) --no-print-directory -j$(JOBS) PROFILE=quick paper
	tests/parallel.sh
	tests/incremental.sh
	$(MAKE) --no-print-directory PROFILE=quick verify
	tests/replication.sh

# A benchmark, not a test: prints timings of the ODE core on this machine and
# writes them to build/bench.tsv.  Never part of `make check`.
.PHONY: bench
bench: $(BIN)/bench $(BIN)/bench-dnnl $(MNIST_FILES) $(LATENT_DIR)/train.tsv $(BUILD)/bench-spirals-regular.tsv  ## time the vector field, its VJP and training steps (build/bench.tsv), and the convolutions beside oneDNN's (build/bench-dnnl.tsv)
	$(BIN)/bench --mnist-dir $(MNIST_DIR) --out $(BUILD)/bench.tsv --spirals $(LATENT_DIR)/train.tsv \
	  --spirals-regular $(BUILD)/bench-spirals-regular.tsv
	$(BIN)/bench-dnnl --out $(BUILD)/bench-dnnl.tsv
# Our training steps beside PyTorch + torchdiffeq's, in one sitting (bench,
# the peer scripts, bench again): build/bench-peers.tsv.  Needs the peers
# (PEERS_DIR, default ../shared/peers; TORCHDIFFEQ_DIR; python3-torch), and
# says what is missing without them.  Not part of `make check`.
.PHONY: bench-peers
bench-peers: $(BIN)/bench $(MNIST_FILES) $(LATENT_DIR)/train.tsv $(BUILD)/bench-spirals-regular.tsv  ## our training steps beside PyTorch's in one sitting, with the ratios (build/bench-peers.tsv; needs TORCHDIFFEQ_DIR)
	src/scripts/bench-peers.sh $(BIN) $(MNIST_DIR) $(LATENT_DIR)/train.tsv $(BUILD)/bench-spirals-regular.tsv $(BUILD)
# The workload of torchdiffeq's latent-ODE example for the bench: 1,000
# spirals, 100 consecutive grid points each (so the same relative times for
# all), noise sd 0.3 (the example's).
$(BUILD)/bench-spirals-regular.tsv: $(BIN)/gen-data
	$(BIN)/gen-data spirals --count 1000 --seed 41 --noise 0.3 --window 100 --observations 100 \
	  --out $@

# (Its root is the tree or a study root validated at the top, never /, an
# ancestor of the tree or its sources.)
clean:  ## remove build products and every profile's outputs of STUDY (keeps fetched MNIST)
	rm -rf $(BUILD) $(foreach p,quick paper full,$(ROOT)data/$(p) $(ROOT)figures/$(p)) \
	  $(ROOT)paper/gen $(ROOT)paper/paper-*.pdf $(if $(ROOT),$(ROOT)build)

help:  ## list the targets
	@echo "usage: make [TARGET] [PROFILE=quick|paper|full] [MNIST_DIR=dir] [STUDY=dir] [RUN_SET='--set k=v'] [SEED_BASE=K] [SEEDS=N] [BASE=dir]"
	@grep -h -E '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | \
	  sed -e 's/:.*## /\t/' | awk -F '\t' '{ printf "  %-14s %s\n", $$1, $$2 }'
