#!/usr/bin/env bash
# Issue 4: the broker is stopped and started again in the middle of a run. replay and process
# carry on by themselves and the final records still equal batch. Then the broker stays away
# longer than --broker-timeout: process must end with exit 1 and say why, not hang or exit 0.
source "$(dirname "$0")/lib.sh" "$1"
W=$WX
wx_need_broker
P=$(wx_topic_prefix)
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    "$WX_SRC/scripts/kafka.sh" start > /dev/null 2>&1 || true # leave a broker for the next test
    rm -rf "$work"
}
trap cleanup EXIT

"$W" synth --days 120 --seed 5 --anomalies --out "$work/data" 2>/dev/null
"$W" batch -q --out "$work/expected" "$work"/data/*.txt
n=$(cat "$work"/data/*.txt | wc -l)
note "$n readings; replay paced to last about 8 s"

# 120 days of event time at 1.3 M x real time: about 8 s of replay.
"$W" replay -q --topic-prefix "$P" --speed 1300000 -X message.timeout.ms=120000 "$work"/data/*.txt \
    > "$work/replay.log" 2>&1 &
rp=$!; pids+=("$rp")
sleep 1
"$W" process --topic-prefix "$P" --exit-idle 5 --broker-timeout 120 > "$work/process.log" 2>&1 &
pp=$!; pids+=("$pp")
sleep 2
note "restarting the broker in the middle of the run"
"$WX_SRC/scripts/kafka.sh" stop > /dev/null 2>&1
sleep 2
WX_KAFKA_START_TIMEOUT=${WX_KAFKA_START_TIMEOUT:-180} "$WX_SRC/scripts/kafka.sh" start > /dev/null 2>&1 ||
    fail "the broker did not come back"
wait "$rp" || { cat "$work/replay.log" >&2; fail "replay did not survive the broker restart"; }
wait "$pp" || { cat "$work/process.log" >&2; fail "process did not survive the broker restart"; }
pids=()
sed 's/^/    /' "$work/process.log" | tail -n 3 >&2
for t in Output MaxTemp Outliers; do
    wx_tail_all "$P$t" "$work/$t.jsonl"
    wx_compare_sets "$t" "$work/expected/$t.jsonl" "$work/$t.jsonl"
done
pass "broker restarted mid-run: replay and process carried on; results equal batch"

# The broker stays away: process must give up after --broker-timeout with exit 1 and a reason.
P2=$(wx_topic_prefix)
"$W" replay -q --topic-prefix "$P2" "$work"/data/*.txt
"$W" process --topic-prefix "$P2" --broker-timeout 8 -X socket.timeout.ms=2000 > "$work/gone.log" 2>&1 &
pp=$!; pids+=("$pp")
sleep 3
"$WX_SRC/scripts/kafka.sh" stop > /dev/null 2>&1
start=$(date +%s)
rc=0
wait "$pp" || rc=$?
pids=()
took=$(( $(date +%s) - start ))
"$WX_SRC/scripts/kafka.sh" start > /dev/null 2>&1 || fail "the broker did not come back"
[ "$rc" -eq 1 ] || { cat "$work/gone.log" >&2; fail "process exited $rc with the broker gone (expected 1)"; }
[ "$took" -le 120 ] || fail "process took $took s to give up (--broker-timeout 8)"
grep -q "broker-timeout\|broker" "$work/gone.log" || { cat "$work/gone.log" >&2; fail "process did not say why it stopped"; }
note "gave up after ${took} s: $(grep -m1 'broker' "$work/gone.log")"
pass "broker gone longer than --broker-timeout: exit 1 with the reason"
wx_delete_topics "$P"
wx_delete_topics "$P2"
