#!/bin/sh
# The library's include graph points only down its layers (src/lib/README.md):
#
#   core (0) <- ode, data, report (1) <- nn (2) <- train (3) <- models (4)
#
# A file may include headers of its own folder and of folders of a lower
# rank; a model kind's folder (models/KIND) may not include another kind's.
# Prints every include that points up or sideways and fails if there is one.
#
#   tests/layers.sh [SRC_LIB_DIR]     (default src/lib)
set -eu
lib=${1:-src/lib}
[ -d "$lib" ] || { echo "layers: $lib: no such directory" >&2; exit 2; }
rank() {
    case $1 in
    core) echo 0 ;;
    ode | data | report) echo 1 ;;
    nn) echo 2 ;;
    train) echo 3 ;;
    models/*) echo 4 ;;
    *) echo "" ;;
    esac
}
bad=0 checked=0
for f in $(cd "$lib" && find . -name '*.[ch]' | sed 's|^\./||' | LC_ALL=C sort); do
    dir=$(dirname "$f")
    r=$(rank "$dir")
    if [ -z "$r" ]; then
        echo "layers: $lib/$f: in no layer (put it in one of core ode data report nn train models/KIND)"
        bad=$((bad + 1)); continue
    fi
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$lib/$f"); do
        checked=$((checked + 1))
        idir=$(dirname "$inc")
        if [ "$idir" = . ]; then
            echo "layers: $lib/$f: #include \"$inc\" names no layer (write \"$dir/$inc\")"
            bad=$((bad + 1)); continue
        fi
        [ -f "$lib/$inc" ] || { echo "layers: $lib/$f: #include \"$inc\": no such header"; bad=$((bad + 1)); continue; }
        [ "$idir" = "$dir" ] && continue
        ir=$(rank "$idir")
        if [ -z "$ir" ] || [ "$ir" -ge "$r" ]; then
            echo "layers: $lib/$f ($dir, rank $r) includes $inc ($idir, rank ${ir:-?}): points up or sideways"
            bad=$((bad + 1))
        fi
    done
done
echo "layers: $checked includes checked, $bad pointing up or sideways"
[ "$bad" -eq 0 ]
