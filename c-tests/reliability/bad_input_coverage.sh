#!/bin/sh
# bad_input_coverage.sh LIB FILE... - every function libwstls exports must be called by one of
# the bad-input tests FILE... (by its Windows name, which the compat headers map, or by its
# wstls_ name). Prints the functions nobody calls and fails if there is one.
set -eu
lib=$1
shift
syms=$(nm -D --defined-only "$lib" | awk '$2 == "T" && $3 ~ /^wstls_/ { print $3 }' | sort -u)
[ -n "$syms" ] || { echo "no wstls_ symbols in $lib"; exit 1; }
missing=0
total=0
for s in $syms; do
    total=$((total + 1))
    win=${s#wstls_}
    if cat "$@" | grep -Eq "(\\b$s\\b|(^|[^A-Za-z0-9_])$win[[:space:]]*\\()"; then
        :
    else
        echo "not covered by a bad-input test: $s"
        missing=$((missing + 1))
    fi
done
echo "$((total - missing)) of $total exported functions covered"
[ "$missing" -eq 0 ]
