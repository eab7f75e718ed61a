#!/usr/bin/env bash
# Live latency of `wxstream serve`: from the input record that closes a station's hour (after
# the grace period) to that hour's Output record on an open live client, with replay --speed
# feeding process in real time. p50/p99 over every hour closed during SECONDS, for each
# --commit-interval given (process's transaction length bounds how soon a result is visible
# to read_committed readers). Target p99 <= 100 ms.
# Usage: bench/serve_latency.sh [BUILD_DIR] [SECONDS] [SPEED] [COMMIT_INTERVALS...]
#        (default build 150 300 50 200; WX_KAFKA_PORT picks the broker)
set -euo pipefail
B=${1:-build}
SECS=${2:-150}
SPEED=${3:-300}
shift $(( $# > 3 ? 3 : $# ))
if [ $# -gt 0 ]; then INTERVALS=("$@"); else INTERVALS=(50 200); fi
here=$(cd "$(dirname "$0")/.." && pwd)
W=$B/wxstream
BROKERS=$("$here/scripts/kafka.sh" start 2>/dev/null | tail -n 1)
export WX_BROKERS=$BROKERS
tmp=$(mktemp -d)
prefixes=()
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${prefixes[@]}"; do
        "$here/scripts/kafka.sh" topics --delete --topic "$(printf '%s' "$p" | sed 's/[.]/\\./g').*" >/dev/null 2>&1 || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "command: bench/serve_latency.sh $B $SECS $SPEED ${INTERVALS[*]}"
# every station synth has a climate for, a few days (only the first SECS * SPEED s are sent)
st=()
while read -r w _; do st+=(-s "$w"); done < <("$W" synth --list-stations | awk '$1 ~ /^[0-9]+$/')
"$W" synth --days 7 "${st[@]}" --out "$tmp/data" 2>/dev/null
echo "input: $(ls "$tmp"/data/*.txt | wc -l) synthetic stations, replay --speed $SPEED (a reading per station every $(awk -v s="$SPEED" 'BEGIN { printf "%.2f", 300 / s }') s), grace 900 s of event time"

for ci in "${INTERVALS[@]}"; do
    p="slat$$-$ci."
    prefixes+=("$p")
    "$here/scripts/kafka.sh" topics --create --topic "${p}InputData" --partitions 1 --config retention.ms=-1 >/dev/null 2>&1
    "$W" serve -q --topic-prefix "$p" --listen 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
    pids+=($!)
    for _ in $(seq 1 100); do [ -s "$tmp/serve.out" ] && break; sleep 0.1; done
    url=$(head -n 1 "$tmp/serve.out")
    "$W" process -q --topic-prefix "$p" --commit-interval "$ci" 2>"$tmp/process.err" &
    pids+=($!)
    sleep 5 # process has joined its group and serve follows the result topics once they exist
    node "$here/bench/serve_latency.mjs" "$url" "$BROKERS" "${p}InputData" "$SECS" "$tmp/lat.json" &
    lat=$!
    sleep 1
    timeout "$((SECS - 2))" "$W" replay -q --topic-prefix "$p" --speed "$SPEED" "$tmp"/data/*.txt || true
    wait "$lat"
    for p2 in "${pids[@]}"; do kill "$p2" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
    echo "commit interval $ci ms: $(cat "$tmp/lat.json")"
done
