#!/usr/bin/env bash
# Detection quality of the outlier cascade on labelled synthetic data.
#
#   bench/outlier_quality.sh [BUILD_DIR] [SEED]      (defaults: build, 1)
#
# Writes `wxstream synth --anomalies --seed SEED --from 2024 --to 2025` for the seed's three
# stations (Austin, Bronte, Spokane) into a temporary directory, runs bench/outlier_quality
# (default outlier config) over the six files, and checks the targets:
#   event recall >= 0.98 for EACH fault kind (spike, step, stuck, range, shift), false positives
#   <= 0.05 % of clean valid readings (labelled weather counts as clean; its false positives are
#   also reported per kind: front, outflow, sunrise, foehn).
# Builds nothing: build first (cmake --build BUILD_DIR). Exit 1 when a target is missed.
set -euo pipefail

BUILD=${1:-build}
SEED=${2:-1}
MIN_RECALL=0.98
MAX_FP_PCT=0.05

WX="$BUILD/wxstream"
TOOL="$BUILD/bench/outlier_quality"
for x in "$WX" "$TOOL"; do
    if [ ! -x "$x" ]; then
        echo "outlier_quality.sh: $x not found; build first: cmake --build $BUILD" >&2
        exit 2
    fi
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cmd=("$WX" synth --anomalies --seed "$SEED" --from 2024 --to 2025 --out "$TMP")
echo "\$ ${cmd[*]}"
"${cmd[@]}" 2>"$TMP/synth.log" || {
    cat "$TMP/synth.log" >&2
    exit 2
}

pairs=()
for f in "$TMP"/SYNTH-*.txt; do
    pairs+=("$f" "${f%.txt}.labels.csv")
done
run=("$TOOL" --min-recall "$MIN_RECALL" --max-fp-pct "$MAX_FP_PCT" "${pairs[@]}")
echo "\$ ${run[*]}" | sed "s|$TMP/|\$TMP/|g"
rc=0
"${run[@]}" | sed "s|$TMP/||g" | tee "$TMP/report.txt" || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || exit "$rc"

json=$(tail -1 "$TMP/report.txt")
recall=$(echo "$json" | sed -E 's/^[^}]*"recall":([0-9.]+).*/\1/')
worst=$(echo "$json" | grep -oE '"[a-z]+":\{"events":[0-9]+,"detected":[0-9]+,"recall":[0-9.]+' |
    sed -E 's/"([a-z]+)".*"recall":([0-9.]+)/\2 \1/' | sort -n | head -1)
fp_pct=$(echo "$json" | sed -E 's/.*"fp_pct":([0-9.]+).*/\1/')
echo
echo "targets: event recall >= $MIN_RECALL for each fault kind (overall $recall, lowest $worst), false positives <= $MAX_FP_PCT % of clean readings (got $fp_pct %)"
if [ "$rc" -ne 0 ]; then
    echo "outlier_quality.sh: TARGET MISSED (see the MISSED events and false positives above)"
    exit 1
fi
echo "outlier_quality.sh: targets met"
