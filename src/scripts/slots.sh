#!/bin/sh
# slots.sh MAKE_PID N COMMAND [ARG ...]
#
# Runs COMMAND holding N of Make's job slots instead of the one Make gave
# it, so that `make -j2` never runs a 2-thread training beside another job
# on 2 cores.  N is a count, or `all` for a run that measures time and must
# have the machine to itself (every slot of the build).
#
# How: GNU Make's jobserver is a pipe with one byte per free slot beyond
# the first (--jobserver-auth=R,W in MAKEFLAGS).  Make hands the pipe only
# to recipe lines marked `+`, and those run even under make -n and -q, so
# this opens Make's own descriptors through /proc/MAKE_PID/fd instead
# (MAKE_PID: the Makefile's $(MAKE_PID)).  Two wide runs must not each hold
# one slot while waiting for the other's, so a wide run first hands its own
# slot back to the pipe, then queues on a lock (one wide run at a time
# collects slots) and takes N bytes.  A run waiting on the lock holds no
# slot; one collecting may hold some idle until a running job ends, which
# costs less than a wide run waiting for every light one.
#
# Without a jobserver (make -j1, or run by hand) COMMAND simply runs.
set -eu
[ $# -ge 3 ] || { echo "usage: slots.sh MAKE_PID N|all COMMAND [ARG ...]" >&2; exit 2; }
make_pid=$1 want=$2
shift 2
flags=${MAKEFLAGS-}

# The jobserver's descriptors and the build's slot count (-jN).
auth= jobs=
for w in $flags; do
    case $w in
    --jobserver-auth=*) auth=${w#--jobserver-auth=} ;;
    -j[0-9]*) jobs=${w#-j} ;;
    esac
done
case $want in
all) want=${jobs:-1} ;;
*[!0-9]*|'') echo "slots.sh: N must be a count or 'all', not '$want'" >&2; exit 2 ;;
esac
[ -n "$jobs" ] && [ "$want" -gt "$jobs" ] && want=$jobs
rfd=${auth%%,*} wfd=${auth#*,}
case $rfd$wfd$make_pid in
*[!0-9]*|'') exec "$@" ;;   # no jobserver, or a fifo (make 4.4): run as is
esac
[ "$want" -gt 1 ] || exec "$@"
# Make's descriptors: 7 reads slots, 8 gives them back.
if ! { exec 7</proc/"$make_pid"/fd/"$rfd" 8>/proc/"$make_pid"/fd/"$wfd"; } 2>/dev/null; then
    exec "$@"
fi
rfd=7 wfd=8

# One queue per jobserver (the pipe's inode): builds in other trees or
# under other users never wait for each other.
pipe=$(stat -L -c %i /proc/"$make_pid"/fd/"${auth%%,*}")
lock=${TMPDIR:-/tmp}/node-slots.$(id -u).$pipe.lock
# Accounts: this recipe owns one slot (Make's).  It hands that one to the
# pipe, then takes `taken` bytes; on any exit it settles back to owning
# exactly one, so that Make's count stays right even after a signal.
taken=0
settle() {
    if [ "$taken" -eq 0 ]; then
        dd bs=1 count=1 <&"$rfd" >/dev/null 2>&1 || :
    fi
    while [ "$taken" -gt 1 ]; do
        printf + >&"$wfd"
        taken=$((taken - 1))
    done
}
trap 'settle' EXIT
trap 'exit 130' INT TERM HUP

printf + >&"$wfd"
exec 9>"$lock"
flock 9
while [ "$taken" -lt "$want" ]; do
    dd bs=1 count=1 <&"$rfd" >/dev/null 2>&1
    taken=$((taken + 1))
done
flock -u 9
exec 9>&-
status=0
"$@" 7<&- 8<&- 9<&- || status=$?
exit "$status"
