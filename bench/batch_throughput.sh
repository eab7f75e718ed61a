#!/usr/bin/env bash
# batch throughput on synthetic station-years, next to a plain read of the same files in the
# same run. Usage: bench/batch_throughput.sh [BUILD_DIR] [YEARS]   (default build, 1)
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and awk with a decimal point
B=${1:-build}
YEARS=${2:-1}
W=$B/wxstream
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
to=$((2024 + YEARS))
"$W" synth --from 2025 --to "$to" --out "$tmp/data" 2>/dev/null
"$W" synth --station austin --from 2025 --to 2025 --out "$tmp/one" 2>/dev/null
best() { # best of 5 wall-clock seconds of a command (bash's clock: no `date` process timed)
    local b=999 t0 t1
    for _ in 1 2 3 4 5; do
        t0=$EPOCHREALTIME
        "$@" > /dev/null 2>&1
        t1=$EPOCHREALTIME
        b=$(awk -v a="$t0" -v z="$t1" -v b="$b" 'BEGIN { s = z - a; print (s < b) ? s : b }')
    done
    echo "$b"
}
report() { # report LABEL FILES...
    local label=$1
    shift
    local lines t_wc t_cat t_batch
    lines=$(cat "$@" | wc -l)
    t_wc=$(best wc -l "$@")
    t_cat=$(best cat "$@")
    t_batch=$(best "$W" batch -q --out "$tmp/out" "$@")
    awk -v l="$lines" -v wc="$t_wc" -v c="$t_cat" -v b="$t_batch" -v lab="$label" 'BEGIN {
        r = (b > 0) ? l / b : 0
        printf "%s: %d lines\n", lab, l
        printf "  wc -l        %6.3f s  %6.1f M lines/s\n", wc, (wc > 0 ? l / wc / 1e6 : 0)
        printf "  cat          %6.3f s  %6.1f M lines/s\n", c, (c > 0 ? l / c / 1e6 : 0)
        printf "  wxstream batch %4.3f s  %6.2f M lines/s  (%.1fx the time of wc -l; target >= 3 M lines/s per core)\n", b, r / 1e6, (wc > 0 ? b / wc : 0)
    }'
}
echo "command: bench/batch_throughput.sh $B $YEARS   (best of 5 runs each; batch is single-threaded)"
report "one station-year (Austin, 2025)" "$tmp"/one/*.txt
report "three stations x $YEARS year(s)" "$tmp"/data/*.txt
