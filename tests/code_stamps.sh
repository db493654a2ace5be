#!/bin/sh
# The code stamps (src/scripts/code-stamp.sh) cover what a kind's runs link
# and nothing of another kind:
# - for every command and kind, the stamp's objects hold the kind's table
#   (its folder), none of another kind's folder, and every library object
#   that defines a symbol the stamp's objects use, except other kinds'
#   tables (NAME_kind, named by the registry alone);
# - `tools` stamps (gen-data, tex-macros, judge) hold no kind's folder;
# - a stamp changes when one of its objects does, and not when another
#   kind's does.
#
#   tests/code_stamps.sh BUILD_DIR     (after `make bin`)
set -eu
build=${1:-build}
lib=$build/obj/lib
[ -d "$lib" ] || { echo "code_stamps: $lib: no objects (run make bin first)" >&2; exit 2; }
who=code_stamps
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The objects of the library's sources (not stale ones of removed files).
all=$(find src/lib -name '*.c' | LC_ALL=C sort | sed "s|^src/lib/\(.*\)\.c$|$lib/\1.o|")
for o in $all; do [ -f "$o" ] || { echo "code_stamps: $o: missing (run make bin first)" >&2; exit 2; }; done
kinds=$(cd src/lib/models && ls)
stamp_objs() { # COMMAND KIND -> the stamp's objects, one per line
    cmd=$(echo "$1" | tr - _)
    objs=$(find "src/cmd/$cmd.c" "src/cmd/$cmd" src/cmd/common -name '*.c' 2>/dev/null |
        sed "s|^src/cmd/\(.*\)\.c$|$build/obj/cmd/\1.o|")
    # shellcheck disable=SC2086
    CODE_STAMP_LIST=1 src/scripts/code-stamp.sh "$2" "$lib" $objs $all 2>&1 >/dev/null
}
nm -A -g --defined-only $all | awk '{ i = index($0, ":"); print substr($0, 1, i - 1), $NF }' > "$tmp/defs"
awk '{ print $2 }' "$tmp/defs" | LC_ALL=C sort -u > "$tmp/libsyms"
# check_complete NAME EXEMPT: every symbol the objects in $tmp/objs use that
# the library defines is defined inside them, unless it matches the regular
# expression EXEMPT (a symbol a command defines again is reported too).
check_complete() {
    # shellcheck disable=SC2046
    nm -A -u $(cat "$tmp/objs") | awk '{ print $NF }' | LC_ALL=C sort -u > "$tmp/used"
    grep -F -f "$tmp/objs" "$tmp/defs" | awk '{ print $2 }' | LC_ALL=C sort -u > "$tmp/inside"
    missing=$(LC_ALL=C comm -23 "$tmp/used" "$tmp/inside" | LC_ALL=C comm -12 - "$tmp/libsyms" | grep -Ev "$2" || true)
    if [ -z "$missing" ]; then ok; else bad "$1 uses library symbols its stamp lacks (or defines one again): $missing"; fi
}
for cmd in train eval features; do
    for k in $kinds; do
        stamp_objs $cmd "$k" > "$tmp/objs"
        if grep -q "^$lib/models/$k/" "$tmp/objs"; then ok; else bad "$cmd-$k: no object of models/$k"; fi
        other=$(grep "^$lib/models/" "$tmp/objs" | grep -v "^$lib/models/$k/" || true)
        if [ -z "$other" ]; then ok; else bad "$cmd-$k holds another kind's object: $other"; fi
        # other kinds' tables (NAME_kind) are named by the registry alone
        check_complete "$cmd-$k" '_kind$'
    done
done
for cmd in gen-data tex-macros judge; do
    stamp_objs $cmd tools > "$tmp/objs"
    if grep -q "^$lib/models/" "$tmp/objs"; then bad "$cmd-tools holds a kind's object"; else ok; fi
    if grep -q "^$lib/core/util.o$" "$tmp/objs"; then ok; else bad "$cmd-tools lacks core/util.o"; fi
    check_complete "$cmd-tools" '^$'
done
# A stamp follows its own objects only: changing (a copy of) another
# kind's object leaves mlp's stamp alone, changing its own changes it.
cp -a "$build/obj" "$tmp/obj"
tl=$tmp/obj/lib
s0=$(src/scripts/code-stamp.sh mlp "$tl" "$tmp/obj/cmd/train.o" $(echo "$all" | sed "s|^$lib/|$tl/|"))
printf 'x' >> "$tl/models/conv/odenet.o"
s1=$(src/scripts/code-stamp.sh mlp "$tl" "$tmp/obj/cmd/train.o" $(echo "$all" | sed "s|^$lib/|$tl/|"))
if [ "$s0" = "$s1" ]; then ok; else bad "editing the odenet changed mlp's stamp"; fi
printf 'x' >> "$tl/models/mlp/mlp_ode.o"
s2=$(src/scripts/code-stamp.sh mlp "$tl" "$tmp/obj/cmd/train.o" $(echo "$all" | sed "s|^$lib/|$tl/|"))
if [ "$s0" != "$s2" ]; then ok; else bad "editing the mlp model left mlp's stamp unchanged"; fi
printf 'x' >> "$tl/ode/ode.o"
s3=$(src/scripts/code-stamp.sh cnf "$tl" "$tmp/obj/cmd/train.o" $(echo "$all" | sed "s|^$lib/|$tl/|"))
s4=$(src/scripts/code-stamp.sh cnf "$build/obj/lib" "$build/obj/cmd/train.o" $all)
if [ "$s3" != "$s4" ]; then ok; else bad "editing the ODE core left cnf's stamp unchanged"; fi
finish "code stamps"
