#!/bin/sh
# The code stamp of one command for one model kind: the sha256 of the
# objects the command's link pulls from the library, with every other kind's
# folder left out.
#
#   code-stamp.sh KIND LIBOBJDIR OBJ...
#
# KIND is a folder name under src/lib/models/ (or `tools`, which uses no
# kind); LIBOBJDIR is where the library's objects are (build/obj/lib).  The
# OBJs outside LIBOBJDIR are the command's own (its main, its folder, the
# commands' common parts): all of them are in the stamp.  Starting from
# them, every undefined symbol is resolved against the
# library objects that remain, and the object that defines it joins the set,
# until nothing new joins: the members a linker would take from the archive.
# The registry (train/kind.c) names every kind's table, so a kind's own
# folder is reached through it; the other kinds' tables stay unresolved.
# Prints "HASH  -" (sha256sum of the objects' concatenation, in path order),
# or nothing when an object is missing.
set -eu
[ $# -ge 3 ] || { echo "usage: code-stamp.sh KIND LIBOBJDIR OBJ..." >&2; exit 2; }
kind=$1 libdir=$2
shift 2
# An object not built yet (make -n runs the stamp's recipe too, and in a
# fresh tree there is nothing to hash): no stamp at all, so that nothing
# looks up to date that is not.  A stamp written then would be newer than
# the sources, and Make would never build the objects it names (they are
# intermediate files) nor the command they make.
for o in "$@"; do
    [ -f "$o" ] || exit 0
done
cmd= candidates=
for o in "$@"; do
    case $o in
    "$libdir"/*) ;;
    *) cmd="$cmd $o"; continue ;;
    esac
    case $o in
    "$libdir"/models/"$kind"/*) ;;
    "$libdir"/models/*) continue ;;
    esac
    candidates="$candidates $o"
done
# nm -A prints "FILE: ADDR TYPE SYMBOL" (undefined: "FILE:  U SYMBOL").
# shellcheck disable=SC2086
objs=$(nm -A -g $cmd $candidates | awk -v start="$cmd" '
{
    i = index($0, ":"); file = substr($0, 1, i - 1); n = split(substr($0, i + 1), f, " ")
    sym = f[n]; type = f[n - 1]
    # U: undefined; w, v: weak and undefined here (a reference, never a
    # definition); anything else defines sym in file.
    if (type == "U" || type == "w" || type == "v") und[file] = und[file] " " sym
    else if (!(sym in def)) def[sym] = file
}
END {
    n0 = split(start, st, " ")
    for (j = 1; j <= n0; j++) { want[st[j]] = 1; queue[++q] = st[j] }
    for (h = 1; h <= q; h++) {
        m = split(und[queue[h]], s, " ")
        for (j = 1; j <= m; j++)
            if ((s[j] in def) && !(def[s[j]] in want)) { want[def[s[j]]] = 1; queue[++q] = def[s[j]] }
    }
    for (o in want) print o
}' | LC_ALL=C sort)
[ -n "$objs" ] || { echo "code-stamp: no objects for $kind" >&2; exit 1; }
# CODE_STAMP_LIST=1 lists the objects (on stderr) for a reader's check.
[ -z "${CODE_STAMP_LIST:-}" ] || echo "$objs" >&2
# shellcheck disable=SC2086
cat $objs | sha256sum
