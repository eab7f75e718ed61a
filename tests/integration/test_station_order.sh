#!/usr/bin/env bash
# Issue 8: event time per station. Stations interleaved in ways a per-partition clock turned
# into `late` — whole files one after another in reverse station order, one station a day
# behind the others, one partition hours behind another while process runs — all equal batch
# (MaxTemp: the last record of each hour), and nothing is late.
source "$(dirname "$0")/pipeline.sh" "$1"
pl_data 4
mapfile -t FILES < <(printf '%s\n' "${DATA_FILES[@]}" | sort)
[ ${#FILES[@]} -eq 3 ] || fail "expected three station files, got ${#FILES[@]}"

# chunk FILE DAY: day DAY (1-based, 288 readings a day) of FILE, under the file's own name
# (so replay puts the same source_file on it) in $WORK/chunks/DAY/.
chunk() {
    local f=$1 d=$2 dir="$WORK/chunks/$2"
    mkdir -p "$dir"
    awk -v d="$d" 'NR > (d - 1) * 288 && NR <= d * 288' "$f" > "$dir/$(basename "$f")"
    echo "$dir/$(basename "$f")"
}

no_late() {
    local late
    wx_tail_all "${PREFIX}DeadLetter" "$WORK/dead.jsonl"
    late=$(grep -c '"reason":"late"' "$WORK/dead.jsonl" || true)
    [ "$late" -eq 0 ] || fail "$1: $late readings or summaries were late: $(head -c 600 "$WORK/dead.jsonl")"
}

# 1. Whole files one after another, in reverse station order, into one partition.
note "files one after another, reverse station order"
pl_expect "${FILES[@]}"
for ((i = ${#FILES[@]} - 1; i >= 0; i--)); do
    "$W" replay -q --topic-prefix "$PREFIX" "${FILES[$i]}"
done
# Small transactions, so the hottest station is decided hour by hour as the first file goes by
# (not once at the end), and the later files correct it.
pl_process --commit-records 200
pl_compare | tee "$WORK/compare.log"
grep -q 'MaxTemp: [0-9]* records, [1-9][0-9]* of them superseded' "$WORK/compare.log" ||
    fail "no MaxTemp hour was corrected: the files were not really one after another"
no_late "files in reverse order"

# 2. One station a day behind the others (its link was down): its day d comes with the
#    others' day d + 1.
PREFIX=$(wx_topic_prefix)
note "one station a day behind"
for d in 1 2 3 4 5; do
    parts=()
    [ "$d" -le 4 ] && parts+=("$(chunk "${FILES[0]}" "$d")" "$(chunk "${FILES[2]}" "$d")")
    [ "$d" -ge 2 ] && parts+=("$(chunk "${FILES[1]}" $((d - 1)))")
    "$W" replay -q --topic-prefix "$PREFIX" "${parts[@]}"
    rm -rf "$WORK/chunks"
done
pl_process --commit-records 200
pl_compare
no_late "a station a day behind"

# 3. Two partitions, one hours behind the other while process runs: each replay sends a day
#    of the first station to partition 0 and the day before of the second to partition 1.
PREFIX=$(wx_topic_prefix)
note "one partition a day behind the other, process running"
pl_expect "${FILES[0]}" "${FILES[1]}"
"$W" replay -q --topic-prefix "$PREFIX" --partition-per-file --partitions 2 \
    "$(chunk "${FILES[0]}" 1)" "$(: > "$WORK/empty.txt"; echo "$WORK/empty.txt")"
timeout 300 "$W" process -q --topic-prefix "$PREFIX" -t Partitioned --exit-idle 6 &
proc=$!
PIDS+=("$proc")
for d in 2 3 4 5; do
    sleep 1
    a=$WORK/empty.txt
    [ "$d" -le 4 ] && a=$(chunk "${FILES[0]}" "$d")
    "$W" replay -q --topic-prefix "$PREFIX" --partition-per-file "$a" "$(chunk "${FILES[1]}" $((d - 1)))"
    rm -rf "$WORK/chunks"
done
wait "$proc" || fail "process failed (exit $?)"
pl_compare
no_late "a lagging partition"
pass "stations and partitions in any interleaving equal batch, nothing late"
