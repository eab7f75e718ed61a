#!/usr/bin/env bash
# Issue 9: a restart never continues from state that does not belong to the committed input
# offsets. Every state snapshot names the input offset it covers; at restore it must equal the
# partition's committed offset. Here the committed offset is moved behind the snapshot (what a
# transaction whose snapshot was not visible looked like, and what an offset reset without the
# state does): process must refuse — exit 1, saying why, within --broker-timeout — and publish
# nothing. With the offset put back where the snapshot says, it resumes and adds nothing.
source "$(dirname "$0")/lib.sh" "$1"
W=$WX
wx_need_broker
P=$(wx_topic_prefix)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$W" synth --days 10 --seed 9 --anomalies --out "$work/data" 2>/dev/null
"$W" batch -q --out "$work/expected" "$work"/data/*.txt
"$W" replay -q --topic-prefix "$P" "$work"/data/*.txt
n=$(cat "$work"/data/*.txt | wc -l)
timeout 300 "$W" process -q --topic-prefix "$P" --exit-idle 3 || fail "the first run failed"
for t in Output MaxTemp Outliers; do
    wx_tail_all "$P$t" "$work/$t.jsonl"
    wx_compare_sets "$t" "$work/expected/$t.jsonl" "$work/$t.jsonl"
done

# kafka-consumer-groups: an offset reset needs the group empty, and a static member stays
# until its session (10 s) times out: retry for a while.
reset_offset() { # reset_offset N: the group's committed input offset becomes N
    local to=$1 i
    for (( i = 0; i < 30; i++ )); do
        if "$WX_SRC/scripts/kafka.sh" groups --group "${P}wxstream" --topic "${P}InputData" \
            --reset-offsets --to-offset "$to" --execute > "$work/reset.log" 2>&1 &&
            ! grep -qi "error\|inactive" "$work/reset.log"; then
            return 0
        fi
        sleep 1
    done
    cat "$work/reset.log" >&2
    fail "could not reset the group's offset to $to"
}

reset_offset 1000
note "committed input offset moved back to 1000; the snapshot covers $n"
rc=0
timeout 120 "$W" process --topic-prefix "$P" --exit-idle 3 --broker-timeout 5 > "$work/refuse.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { cat "$work/refuse.log" >&2; fail "process exited $rc from a snapshot that does not match the committed offset (expected 1)"; }
grep -q "refusing to resume: the state snapshot in/0 covers ${P}InputData/0 up to offset $n but the committed offset is 1000" "$work/refuse.log" ||
    { cat "$work/refuse.log" >&2; fail "process did not say why it refused"; }
note "$(grep -m1 'refusing' "$work/refuse.log" | cut -c1-200)"
wx_tail_all "${P}Output" "$work/Output.after"
wx_expect_eq "Output records after the refusal" "$(wc -l < "$work/expected/Output.jsonl")" "$(wc -l < "$work/Output.after")"
pass "a snapshot that does not belong to the committed offset: exit 1 with the reason, nothing published"

reset_offset "$n"
timeout 300 "$W" process -q --topic-prefix "$P" --exit-idle 3 || fail "the run from a matching snapshot failed"
for t in Output MaxTemp Outliers DeadLetter; do
    wx_tail_all "$P$t" "$work/$t.jsonl"
    [ -f "$work/expected/$t.jsonl" ] || : > "$work/expected/$t.jsonl"
    wx_compare_sets "$t" "$work/expected/$t.jsonl" "$work/$t.jsonl"
done
pass "with the offset the snapshot names, the restart resumes and publishes nothing twice"
wx_delete_topics "$P"
