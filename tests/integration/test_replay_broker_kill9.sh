#!/usr/bin/env bash
# Issue 9: what replay guarantees when its broker is killed (SIGKILL) mid-run and started again
# ~15 s later, or when replay itself is killed. Every reading reaches the topic at least once;
# a copy written twice (the idempotent producer's epoch bump after the restart sends again
# what the broker had already written) is counted exactly in the summary ("N written twice"):
# the topic holds exactly lines + N records, every reading at least once. A killed replay
# leaves a prefix of each file in its partition, nothing twice. Runs WX_REPLAY_KILL_RUNS broker
# kills (default 1; the soak bench/soak_broker_kill9.sh runs more).
source "$(dirname "$0")/lib.sh" "$1"
W=$WX
wx_need_broker
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    "$WX_SRC/scripts/kafka.sh" start > /dev/null 2>&1 || true # leave a broker for the next test
    rm -rf "$work"
}
trap cleanup EXIT
"$W" synth --days 60 --seed 4 --out "$work/data" 2>/dev/null
files=("$work"/data/*.txt)
lines=$(cat "${files[@]}" | wc -l)

# topic_counts TOPIC: "total distinct" records of TOPIC.
topic_counts() {
    kcat -b "$WX_BROKERS" -C -e -q -t "$1" -f '%p %k %s\n' > "$work/topic.txt"
    echo "$(wc -l < "$work/topic.txt") $(LC_ALL=C sort -u "$work/topic.txt" | wc -l)"
}

runs=${WX_REPLAY_KILL_RUNS:-1}
total_doubled=0
for (( r = 0; r < runs; r++ )); do
    P=$(wx_topic_prefix)
    # 60 days at 300000 x real time: about 17 s of replay; the broker goes away after 3-6 s.
    "$W" replay --format uscrn --topic-prefix "$P" --partition-per-file --speed 300000 \
        -X message.timeout.ms=120000 "${files[@]}" > "$work/replay.log" 2>&1 &
    rp=$!; pids=("$rp")
    sleep $(( 3 + RANDOM % 4 ))
    wx_broker_kill9
    note "run $r: broker killed; starting it again in 15 s"
    sleep 15
    wx_broker_start
    rc=0; wait "$rp" || rc=$?; pids=()
    [ "$rc" -eq 0 ] || { cat "$work/replay.log" >&2; fail "replay exited $rc across the broker restart"; }
    summary=$(grep 'records sent to' "$work/replay.log") || { cat "$work/replay.log" >&2; fail "no summary"; }
    doubled=$(printf '%s\n' "$summary" | sed -n 's/.*delivered, \([0-9]*\) written twice.*/\1/p')
    doubled=${doubled:-0}
    read -r total distinct <<< "$(topic_counts "${P}Partitioned")"
    wx_expect_eq "distinct readings in the topic (run $r)" "$lines" "$distinct"
    wx_expect_eq "records in the topic (run $r): lines + the summary's 'written twice'" \
        "$(( lines + doubled ))" "$total"
    note "run $r: $lines readings, $total records, $doubled written twice (summary: ${summary#*: })"
    total_doubled=$(( total_doubled + doubled ))
    wx_delete_topics "$P"
done
pass "$runs broker kills under replay: every reading in the topic, copies counted exactly ($total_doubled in all)"

# replay itself killed: what reached the topic is a prefix of each file, nothing twice.
P=$(wx_topic_prefix)
"$W" replay -q --format uscrn --topic-prefix "$P" --partition-per-file --speed 300000 "${files[@]}" > "$work/replay.log" 2>&1 &
rp=$!; pids=("$rp")
sleep 4
kill -9 "$rp"; wait "$rp" 2>/dev/null || true; pids=()
read -r total distinct <<< "$(topic_counts "${P}Partitioned")"
wx_expect_eq "records twice after replay was killed" "$distinct" "$total"
[ "$total" -gt 0 ] && [ "$total" -lt "$lines" ] || fail "replay killed after 4 s wrote $total of $lines records"
for i in 0 1 2; do
    awk -v p="$i" '$1 == p' "$work/topic.txt" | cut -d' ' -f3- > "$work/part$i"
    head -n "$(wc -l < "$work/part$i")" "${files[$i]}" | cmp -s - "$work/part$i" ||
        fail "partition $i is not a prefix of ${files[$i]##*/}"
done
pass "replay killed: each partition holds a prefix of its file ($total of $lines records), nothing twice"
wx_delete_topics "$P"
