#!/usr/bin/env bash
# replay and process throughput on a real broker, each next to raw librdkafka on the same
# records in the same run, process with and without --metrics (scraped every second) on the
# same topic, and process's peak memory for one and for two years of input.
# Usage: bench/kafka_throughput.sh [BUILD_DIR] [ROUNDS]   (default build, 3; medians reported)
set -euo pipefail
B=${1:-build}
ROUNDS=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$here/bench/lib.sh"
W=$B/wxstream
RAW=$B/bench/kafka_raw
BROKERS=$("$here/scripts/kafka.sh" start 2>/dev/null | tail -n 1)
export WX_BROKERS=$BROKERS
tmp=$(mktemp -d)
prefixes=()
cleanup() {
    for p in "${prefixes[@]}"; do
        "$here/scripts/kafka.sh" topics --delete --topic "$(printf '%s' "$p" | sed 's/[.]/\\./g').*" > /dev/null 2>&1 || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
# process_rate PREFIX GROUP [--metrics]: process's input rate over the topic, in a group of its
# own (so each run reads it all); with --metrics, an endpoint scraped every second meanwhile.
process_rate() {
    local p=$1 g=$2 err=$tmp/process.err pid port addr=""
    if [ "${3:-}" = --metrics ]; then
        port=$(( 20000 + RANDOM % 20000 ))
        addr=127.0.0.1:$port
        "$W" process --topic-prefix "$p" -G "$g" --exit-idle 2 --metrics "$addr" 2>"$err" &
    else
        "$W" process --topic-prefix "$p" -G "$g" --exit-idle 2 2>"$err" &
    fi
    pid=$!
    if [ -n "$addr" ]; then
        while kill -0 "$pid" 2>/dev/null; do
            curl -s -o /dev/null "http://$addr/metrics" || true
            sleep 1
        done
    fi
    wait "$pid"
    sed -n 's/.*= \([0-9]*\) readings\/s.*/\1/p' "$err"
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

echo "command: bench/kafka_throughput.sh $B $ROUNDS"
"$W" synth --from 2025 --to 2025 --out "$tmp/y1" 2>/dev/null
"$W" synth --from 2024 --to 2025 --out "$tmp/y2" 2>/dev/null
n1=$(cat "$tmp"/y1/*.txt | wc -l)
echo "input: the seed's three stations, one synthetic year: $n1 readings, the seed's JSON form, one partition"

replay_rates=() raw_prod_rates=() proc_rates=() raw_cons_rates=() met_rates=()
for (( r = 1; r <= ROUNDS; r++ )); do
    p="bench$$-$r."
    prefixes+=("$p")
    # replay, then raw produce of exactly the same records (key, timestamp, value); both
    # topics are made beforehand, so neither time includes creating one
    for t in InputData Raw; do
        "$here/scripts/kafka.sh" topics --create --topic "${p}$t" --partitions 1 --config retention.ms=-1 > /dev/null 2>&1
    done
    t0=$(date +%s%N)
    "$W" replay -q --topic-prefix "$p" "$tmp"/y1/*.txt
    t1=$(date +%s%N)
    replay_rates+=("$(awk -v n="$n1" -v s="$(secs "$t0" "$t1")" 'BEGIN { printf "%.0f", n / s }')")
    kcat -b "$BROKERS" -C -e -q -t "${p}InputData" -f '%k\t%T\t%s\n' > "$tmp/records.tsv"
    raw_prod_rates+=("$("$RAW" produce "$BROKERS" "${p}Raw" "$tmp/records.tsv" | awk '{ print int($6) }')")
    # raw consume, then process, of the same topic
    raw_cons_rates+=("$("$RAW" consume "$BROKERS" "${p}InputData" | awk '{ print int($6) }')")
    # process without and with --metrics on the same topic, alternating which goes first
    if (( r % 2 )); then
        proc_rates+=("$(process_rate "$p" plain)")
        met_rates+=("$(process_rate "$p" metrics --metrics)")
    else
        met_rates+=("$(process_rate "$p" metrics --metrics)")
        proc_rates+=("$(process_rate "$p" plain)")
    fi
done
rp=$(printf '%s\n' "${replay_rates[@]}" | median)
pp=$(printf '%s\n' "${raw_prod_rates[@]}" | median)
pc=$(printf '%s\n' "${proc_rates[@]}" | median)
rc=$(printf '%s\n' "${raw_cons_rates[@]}" | median)
echo "replay:  ${replay_rates[*]} records/s (median $rp, wall time of the command: start-up, reading, producing, flush)"
echo "raw produce of the same records: ${raw_prod_rates[*]} records/s (median $pp)"
awk -v a="$rp" -v b="$pp" 'BEGIN { printf "  replay / raw produce = %.2f (target >= 0.8)\n", a / b }'
echo "process: ${proc_rates[*]} readings/s (median $pc, first to last input record)"
echo "raw consume of the same topic: ${raw_cons_rates[*]} records/s (median $rc)"
awk -v a="$pc" -v b="$rc" 'BEGIN { printf "  process / raw consume = %.2f (target >= 0.8)\n", a / b }'
pm=$(printf '%s\n' "${met_rates[@]}" | median)
echo "process --metrics, scraped every second: ${met_rates[*]} readings/s (median $pm)"
awk -v a="$pm" -v b="$pc" 'BEGIN { printf "  process --metrics / process = %.2f (same topic, same rounds, order alternating)\n", a / b }'
pairs=$(for i in "${!met_rates[@]}"; do awk -v a="${met_rates[$i]}" -v b="${proc_rates[$i]}" 'BEGIN { printf "%.2f\n", a / b }'; done)
echo "  round by round: $(echo $pairs) (median $(printf '%s\n' $pairs | median))"

# Peak memory must not grow with the length of the input.
for y in y1 y2; do
    p="benchmem$$-$y."
    prefixes+=("$p")
    "$W" replay -q --topic-prefix "$p" "$tmp/$y"/*.txt
    n=$(cat "$tmp/$y"/*.txt | wc -l)
    /usr/bin/time -f '%M' -o "$tmp/rss" "$W" process -q --topic-prefix "$p" --exit-idle 2
    echo "process peak RSS, $n readings: $(( $(cat "$tmp/rss") / 1024 )) MiB"
done
