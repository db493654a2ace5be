# Shared helpers of the command-line test scripts (cli.sh, hostile_data.sh,
# hostile_cmds.sh), sourced after setting `who` (the FAIL prefix).  Makes
# $tmp (removed at exit) and counts checks in $passed and $failed.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "$who: FAIL: $*"; }
# expect STATUS CMD...: runs CMD, output to $tmp/out, checks the exit status.
expect() {
    want=$1; shift
    "$@" > "$tmp/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "exit $got (wanted $want): $*"; cat "$tmp/out"; fi
}
has() { if grep -q -- "$1" "$tmp/out"; then ok; else bad "output lacks '$1'"; cat "$tmp/out"; fi; }
# finish TITLE: the summary line; fails if any check failed.
finish() {
    echo "$1: $passed checks passed, $failed failed"
    [ "$failed" -eq 0 ]
}
