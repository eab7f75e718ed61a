#!/usr/bin/env bash
# Recovery cost of `wxstream process` after kill -9, on a station-year of the seed's three stations
# (one partition): how much input the restarted instance reads again, and how long from the
# restart until it publishes a result again. Each trial also checks the final records equal batch.
# Usage: bench/recovery.sh [BUILD_DIR] [TRIALS]   (default build, 5)
set -euo pipefail
B=${1:-build}
TRIALS=${2:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
W=$B/wxstream
RAW=$B/bench/kafka_raw
BROKERS=$("$here/scripts/kafka.sh" start 2>/dev/null | tail -n 1)
export WX_BROKERS=$BROKERS
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
ms() { echo $(( $(date +%s%N) / 1000000 )); }

echo "command: bench/recovery.sh $B $TRIALS"
# Two years, so every kill below lands while the input is still being read.
"$W" synth --from 2024 --to 2025 --out "$tmp/data" 2>/dev/null
"$W" batch -q --out "$tmp/expected" "$tmp"/data/*.txt
n=$(cat "$tmp"/data/*.txt | wc -l)
echo "input: $n readings (3 stations x 2 years, seed JSON, 1 partition); commit interval 200 ms"
printf '%-6s %-22s %-18s %-20s %-16s %-10s\n' trial "killed (after assign)" "resumed at offset" "largest txn (records)" "restart->result" "vs batch"
for (( t = 1; t <= TRIALS; t++ )); do
    p="recov$$-$t."
    "$W" replay -q --topic-prefix "$p" "$tmp"/data/*.txt
    : > "$tmp/a.log"
    "$W" process -v --topic-prefix "$p" --exit-idle 3 >> "$tmp/a.log" 2>&1 &
    pid=$!; pids+=("$pid")
    until grep -q "resumes at offset" "$tmp/a.log"; do sleep 0.05; done
    delay=$(( 300 + (t * 137) % 600 ))
    sleep "0.$delay"
    kill -9 "$pid"; wait "$pid" 2>/dev/null || true
    largest=$(sed -n 's/.*committed in [0-9]* ms: \([0-9]*\) records consumed.*/\1/p' "$tmp/a.log" | sort -n | tail -n 1)
    # Wait for the next committed Output record, then restart.
    "$RAW" next "$BROKERS" "${p}Output" 60 > "$tmp/next.log" &
    rpid=$!; pids+=("$rpid")
    until grep -q ready "$tmp/next.log"; do sleep 0.02; done
    : > "$tmp/b.log"
    restart=$(ms)
    "$W" process -v --topic-prefix "$p" --exit-idle 3 >> "$tmp/b.log" 2>&1 &
    pid=$!; pids+=("$pid")
    wait "$rpid" || true
    arrived=$(sed -n 's/.*at \([0-9]*\) ms since the epoch.*/\1/p' "$tmp/next.log")
    wait "$pid"
    resumed=$(sed -n 's/.*resumes at offset \([0-9]*\).*/\1/p' "$tmp/b.log" | head -n 1)
    verdict=equal
    for topic in Output MaxTemp Outliers; do
        kcat -b "$BROKERS" -C -e -q -t "$p$topic" -X isolation.level=read_committed -f '%s\n' | sort > "$tmp/got"
        sort "$tmp/expected/$topic.jsonl" | cmp -s - "$tmp/got" || verdict="DIFFERS($topic)"
    done
    printf '%-6s %-22s %-18s %-20s %-16s %-10s\n' "$t" "$delay ms" "$resumed" "${largest:-0}" \
        "$(( ${arrived:-0} - restart )) ms" "$verdict"
    "$here/scripts/kafka.sh" topics --delete --topic "$(printf '%s' "$p" | sed 's/[.]/\\./g').*" > /dev/null 2>&1 || true
done
echo "The restarted instance reads again only what the killed one had consumed in its open"
echo "transaction: at most the largest transaction above (one commit interval of input)."
