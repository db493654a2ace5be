#!/bin/sh
# Make's shell for the recipes of the stages' outputs (stages/timings.mk
# sets it with SHELL and .SHELLFLAGS): runs one recipe line with /bin/sh, as
# Make would have, and when it succeeds appends one record of its wall time
# to RECORDS,
#   SESSION<TAB>STAGE<TAB>TARGET<TAB>START<TAB>END     (seconds since the epoch)
# SESSION is the start of the `make` the line belongs to (a seed replica's
# sub-make shares its parent's), so that the lines of one run of a target
# can be told from an earlier run's.  Nothing is printed: a $(shell ...) in
# a recipe comes here too and its output must be the command's alone.  A
# failed line records nothing; its status is passed on.
#
#   timed-shell.sh RECORDS SESSION STAGE TARGET -c LINE
set -eu
[ $# -ge 5 ] || { echo "usage: timed-shell.sh RECORDS SESSION STAGE TARGET -c LINE" >&2; exit 2; }
records=$1 session=$2 stage=$3 target=$4
shift 4
start=$(date +%s.%N)
status=0
/bin/sh "$@" || status=$?
if [ "$status" -eq 0 ]; then
    end=$(date +%s.%N)
    [ -d "${records%/*}" ] || mkdir -p "${records%/*}"
    printf '%s\t%s\t%s\t%s\t%s\n' "$session" "$stage" "$target" "$start" "$end" >> "$records"
fi
exit "$status"
