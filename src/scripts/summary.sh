# Sourced by the stages' table and claims scripts: reading summaries.
#
#   get FILE KEY    prints the value of KEY in the summary FILE (key<TAB>value
#                   rows), or stops the script naming the file and the key.
get() {
    awk -F '\t' -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) exit 1 }' "$1" ||
        { echo "${0##*/}: $1 lacks $2" >&2; exit 1; }
}
