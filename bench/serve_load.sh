#!/usr/bin/env bash
# Load test of `wxstream serve` on loopback: CLIENTS live (SSE) clients plus RPS API requests per
# second for SECONDS, while `process` runs a backlog (YEARS synthetic years of the seed's three
# stations) into the topics serve reads. Measured in
# the same run: process's throughput with that load and without it (no serve, no clients: the
# baseline, same backlog, alternating ROUNDS times; medians), serve's memory (RSS sampled every
# second), and whether every client received every result (its event counts against the
# records on the topics).
# The clients stand for browsers on other machines: on this loopback test they must not take
# the CPU a remote client would not, so they run as idle work (below; nice 19 is not enough: a
# woken process still waits for a niced thread's slice, and process wakes thousands of times
# a second). SERVE_GROUP=idle runs serve as idle work too (a low CPU weight, as docs/serve.md
# advises on a machine shared with the pipeline); SERVE_NICE (default 0) runs it at that
# niceness; SERVE_OPTS adds options to serve's command line (e.g. "--burst-hold 0").
# Usage: bench/serve_load.sh [BUILD_DIR] [SECONDS] [CLIENTS] [RPS] [ROUNDS]
#        (default build 60 200 50 3; WX_KAFKA_PORT picks the broker as for the tests)
set -euo pipefail
B=${1:-build}
SECONDS_LOAD=${2:-60}
CLIENTS=${3:-200}
RPS=${4:-50}
ROUNDS=${5:-3}
SERVE_NICE=${SERVE_NICE:-0}
read -r -a serve_opts <<<"${SERVE_OPTS:-}"
SERVE_GROUP=${SERVE_GROUP:-same}
serve_wrap=()
YEARS=${YEARS:-3} # synthetic years of backlog: process needs a few seconds for it, not a fraction of one
case "$SERVE_GROUP" in same | idle) ;; *) echo "serve_load.sh: SERVE_GROUP is same or idle, not '$SERVE_GROUP'" >&2; exit 2 ;; esac
[[ "$YEARS" =~ ^[1-9][0-9]?$ ]] || { echo "serve_load.sh: YEARS is 1..99, not '$YEARS'" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$here/bench/lib.sh"
W=$B/wxstream
BROKERS=$("$here/scripts/kafka.sh" start 2>/dev/null | tail -n 1)
export WX_BROKERS=$BROKERS
tmp=$(mktemp -d)
prefixes=()
SERVE_PID= clients_pid= api_pid= sampler=
cleanup() {
    local pids=()
    for p in "$SERVE_PID" "$clients_pid" "$api_pid" "$sampler"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null && pids+=("$p")
    done
    [ ${#pids[@]} -gt 0 ] && { wait "${pids[@]}" 2>/dev/null || true; }
    idle_group_remove
    for p in "${prefixes[@]}"; do
        "$here/scripts/kafka.sh" topics --delete --topic "$(printf '%s' "$p" | sed 's/[.]/\\./g').*" >/dev/null 2>&1 || true
    done
    rm -rf "$tmp"
    return 0
}
trap cleanup EXIT
# The clients stand for browsers on other machines: they run as idle work, in a CPU cgroup
# of their own with cpu.idle=1 (their CPU time is not charged to the group process runs in),
# or as SCHED_IDLE threads where no cgroup can be made (bench/lib.sh)
idle_group "wxstream-viewers-$$"
viewers=("${idle_run[@]}")
viewers_how=$idle_how
# SERVE_GROUP=idle runs serve in that cgroup too: serve deployed with a low CPU weight, as
# docs/serve.md advises on a machine shared with the pipeline; default: beside process
serve_how="beside process"
if [ "$SERVE_GROUP" = idle ]; then
    serve_wrap=("${viewers[@]}")
    serve_how="as idle work, like the clients"
fi

echo "command: SERVE_NICE=$SERVE_NICE SERVE_GROUP=$SERVE_GROUP SERVE_OPTS='${SERVE_OPTS:-}' YEARS=$YEARS bench/serve_load.sh $B $SECONDS_LOAD $CLIENTS $RPS $ROUNDS (clients $viewers_how; serve $serve_how)"
"$W" synth --from $((2026 - YEARS)) --to 2025 --out "$tmp/data" 2>/dev/null
n=$(cat "$tmp"/data/*.txt | wc -l)
echo "backlog: the seed's three stations, $YEARS synthetic years: $n readings (replayed before process starts)"


base_rates=() load_rates=() summaries=()
for (( r = 1; r <= ROUNDS; r++ )); do
    # baseline: nothing reads the results
    p="sload$$-b$r."
    prefixes+=("$p")
    "$W" replay -q --topic-prefix "$p" "$tmp"/data/*.txt
    base_rates+=("$(process_rate "$p")")

    # under load: serve reads the results, CLIENTS live clients and RPS API requests/s
    p="sload$$-l$r."
    prefixes+=("$p")
    "$W" replay -q --topic-prefix "$p" "$tmp"/data/*.txt
    for t in Output MaxTemp Outliers DeadLetter; do
        "$here/scripts/kafka.sh" topics --create --topic "${p}$t" --partitions 1 --config retention.ms=-1 >/dev/null 2>&1 || true
    done
    # the ring holds a whole round of results at least twice over: serve holds a burst back from the
    # clients until it has ended or fills half the ring (docs/serve.md, "Bursts are held
    # back"), and a client that is slower than process's burst catches up instead of being
    # dropped; --max-clients leaves room for the API's connections
    "${serve_wrap[@]}" nice -n "$SERVE_NICE" "$W" serve -q --topic-prefix "$p" --listen 127.0.0.1:0 --client-queue $((YEARS * 131072)) \
        --max-clients $((CLIENTS + 100)) "${serve_opts[@]}" >"$tmp/serve.out" 2>"$tmp/serve.err" &
    SERVE_PID=$!
    for _ in $(seq 1 100); do [ -s "$tmp/serve.out" ] && break; sleep 0.1; done
    url=$(head -n 1 "$tmp/serve.out")
    # wait until serve follows all four topics
    for _ in $(seq 1 100); do
        [ "$(curl -sf "${url}api/health" | jq '[.topics[].partitions | length] | add')" = 4 ] && break
        sleep 0.2
    done
    : >"$tmp/rss"
    ( while kill -0 "$SERVE_PID" 2>/dev/null; do
          awk '/^VmRSS/ { print $2 }' "/proc/$SERVE_PID/status" >>"$tmp/rss" 2>/dev/null || true
          sleep 1
      done ) &
    sampler=$!
    # live clients and API requests from two processes, so the API's latencies are not those
    # of an event loop busy with 200 streams
    /usr/bin/time -f '%U %S' -o "$tmp/clients.cpu" "${viewers[@]}" \
        node "$here/bench/serve_load_clients.mjs" "$url" "$CLIENTS" 0 "$SECONDS_LOAD" >"$tmp/clients.json" &
    clients_pid=$!
    "${viewers[@]}" node "$here/bench/serve_load_clients.mjs" "$url" 0 "$RPS" "$SECONDS_LOAD" >"$tmp/api.json" &
    api_pid=$!
    sleep 3 # the clients are connected
    load_rates+=("$(process_rate "$p")")
    wait "$clients_pid" "$api_pid"
    health=$(curl -sf "${url}api/health")
    serve_cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$SERVE_PID/stat")
    kill "$SERVE_PID"
    wait "$SERVE_PID" 2>/dev/null || true
    SERVE_PID= clients_pid= api_pid=
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    sampler=
    # the records on the topics, against what each client counted
    declare -A want
    for t in Output MaxTemp Outliers DeadLetter; do
        want[$t]=$("$W" tail -q --idle 2 "${p}$t" | wc -l)
    done
    c=$(cat "$tmp/clients.json")
    rss_first=$(sed -n 5p "$tmp/rss")
    rss_max=$(sort -n "$tmp/rss" | tail -n 1)
    rss_last=$(tail -n 1 "$tmp/rss")
    echo "round $r: process ${base_rates[-1]} readings/s without serve, ${load_rates[-1]} with serve + $CLIENTS clients + $RPS req/s"
    echo "  results on the topics: Output ${want[Output]}, MaxTemp ${want[MaxTemp]}, Outliers ${want[Outliers]}, DeadLetter ${want[DeadLetter]}"
    echo "  per client (min-max): Output $(jq -r '"\(.output.min)-\(.output.max)"' <<<"$c"), MaxTemp $(jq -r '"\(.maxtemp.min)-\(.maxtemp.max)"' <<<"$c"), Outliers $(jq -r '"\(.outlier.min)-\(.outlier.max)"' <<<"$c"), dead $(jq -r '"\(.dead.min)-\(.dead.max)"' <<<"$c"); clients ended early: $(jq -r '.ended_early' <<<"$c")"
    echo "  API ($RPS req/s over 6 paths): $(jq -c '.api' "$tmp/api.json"); serve: dropped clients $(jq '.sse.dropped_total' <<<"$health"), bursts held $(jq '.sse.bursts_held_total' <<<"$health"), index $(jq '.index.bytes' <<<"$health") bytes"
    echo "  serve RSS (KiB): after 5 s $rss_first, max $rss_max, at the end $rss_last; every 10 s: $(awk 'NR % 10 == 0 { printf "%s ", $1 }' "$tmp/rss")"
    echo "  CPU seconds: serve $serve_cpu, the clients (node) $(awk '{ printf "%.1f", $1 + $2 }' "$tmp/clients.cpu") (2 cores shared by everything)"
    all=$(jq --argjson o "${want[Output]}" --argjson m "${want[MaxTemp]}" --argjson u "${want[Outliers]}" --argjson d "${want[DeadLetter]}" \
        '.output.min == $o and .output.max == $o and .maxtemp.min == $m and .maxtemp.max == $m and .outlier.min == $u and .outlier.max == $u and .dead.min == $d and .dead.max == $d and .ended_early == 0' <<<"$c")
    echo "  every client received every result: $all"
    summaries+=("$all")
done
bp=$(printf '%s\n' "${base_rates[@]}" | median)
lp=$(printf '%s\n' "${load_rates[@]}" | median)
echo "process without serve: ${base_rates[*]} readings/s (median $bp)"
echo "process with serve, $CLIENTS SSE clients, $RPS API req/s: ${load_rates[*]} readings/s (median $lp)"
awk -v a="$lp" -v b="$bp" 'BEGIN { printf "  loaded / baseline = %.2f (target >= 0.90)\n", a / b }'
# each round's loaded run against its own baseline, run just before it: the machine's speed
# drifts from minute to minute, and a paired ratio is blind to that drift
ratios=$(for (( r = 0; r < ROUNDS; r++ )); do awk -v a="${load_rates[r]}" -v b="${base_rates[r]}" 'BEGIN { printf "%.2f\n", a / b }'; done)
echo "  per round: $(echo $ratios) (median $(printf '%s\n' $ratios | median))"
echo "every client received every result, each round: ${summaries[*]}"
