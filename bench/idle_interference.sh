#!/usr/bin/env bash
# What idle work alone costs `process` on this machine: process's throughput on a backlog with
# nothing else running, against the same with one busy loop per CPU run as idle work (in a CPU
# cgroup with cpu.idle=1, else chrt --idle), alternating ROUNDS times in the same run. The loops
# touch no memory and make no system call: whatever they cost process is the price of any work
# that only takes the CPU process leaves — the floor under bench/serve_load.sh, whose live
# clients run as such work.
# Usage: bench/idle_interference.sh [BUILD_DIR] [ROUNDS]   (default build 4; YEARS as serve_load)
set -euo pipefail
B=${1:-build}
ROUNDS=${2:-4}
YEARS=${YEARS:-3}
[[ "$ROUNDS" =~ ^[1-9][0-9]?$ ]] || { echo "idle_interference.sh: ROUNDS is 1..99, not '$ROUNDS'" >&2; exit 2; }
[[ "$YEARS" =~ ^[1-9][0-9]?$ ]] || { echo "idle_interference.sh: YEARS is 1..99, not '$YEARS'" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$here/bench/lib.sh"
W=$B/wxstream
export WX_BROKERS=$("$here/scripts/kafka.sh" start 2>/dev/null | tail -n 1)
tmp=$(mktemp -d)
loops=()
cleanup() {
    for p in "${loops[@]}"; do kill "$p" 2>/dev/null || true; done
    [ ${#loops[@]} -gt 0 ] && { wait "${loops[@]}" 2>/dev/null || true; }
    idle_group_remove
    "$here/scripts/kafka.sh" topics --delete --topic "idlex$$-.*" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
idle_group "wxstream-idlex-$$"
ncpu=$(nproc)
echo "command: YEARS=$YEARS bench/idle_interference.sh $B $ROUNDS ($ncpu busy loops $idle_how)"
"$W" synth --from $((2026 - YEARS)) --to 2025 --out "$tmp/data" 2>/dev/null
alone=() loaded=()
for (( r = 1; r <= ROUNDS; r++ )); do
    "$W" replay -q --topic-prefix "idlex$$-a$r." "$tmp"/data/*.txt
    alone+=("$(process_rate "idlex$$-a$r.")")
    "$W" replay -q --topic-prefix "idlex$$-b$r." "$tmp"/data/*.txt
    for (( i = 0; i < ncpu; i++ )); do "${idle_run[@]}" sh -c 'while :; do :; done' & loops+=($!); done
    sleep 0.5
    loaded+=("$(process_rate "idlex$$-b$r.")")
    kill "${loops[@]}" 2>/dev/null || true
    wait "${loops[@]}" 2>/dev/null || true
    loops=()
    echo "round $r: process ${alone[-1]} readings/s alone, ${loaded[-1]} beside $ncpu idle busy loops"
done
a=$(printf '%s\n' "${alone[@]}" | median)
b=$(printf '%s\n' "${loaded[@]}" | median)
awk -v a="$a" -v b="$b" 'BEGIN { printf "medians: alone %d, beside idle loops %d: ratio %.2f\n", a, b, b / a }'
