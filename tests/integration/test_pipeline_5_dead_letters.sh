#!/usr/bin/env bash
# Issue 3, test 5: malformed and late input go to DeadLetter with their reasons, the counts add
# up, and the rest of the results still equal batch on the good, timely readings.
source "$(dirname "$0")/pipeline.sh" "$1"
pl_data 3 --station austin
good=${DATA_FILES[0]}
# Same base name as the good file: replay names it in source_file, and batch must name the same.
mkdir -p "$WORK/mixed"
mixed=$WORK/mixed/$(basename "$good")
late_lines=$WORK/late.txt
# Three readings of the first day, sent again after the end of the file: hours late.
sed -n '100p;101p;102p' "$good" > "$late_lines"
{
    head -n 300 "$good"
    echo "garbage that is not a reading"
    echo '{"WBANNO": 23907, "UTC_DATE": 2025'
    head -c 90 "$good" | head -n 1; echo
    sed -n '301,$p' "$good"
    cat "$late_lines"
} > "$mixed"
# The expected results are batch's on the good readings only (late ones never count).
pl_expect "$good"
"$W" replay -q --topic-prefix "$PREFIX" "$mixed"
pl_process > "$WORK/process.log" 2>&1 || { cat "$WORK/process.log"; fail "process failed"; }
pl_compare Output MaxTemp
dead=$WORK/got/DeadLetter.jsonl
wx_tail_all "${PREFIX}DeadLetter" "$dead"
parse=$(grep -c '"reason":"parse"' "$dead" || true)
late=$(grep -c '"reason":"late"' "$dead" || true)
total=$(wc -l < "$dead")
[ "$parse" -eq 3 ] || fail "expected 3 parse dead letters, got $parse"
[ "$late" -eq 3 ] || fail "expected 3 late dead letters, got $late"
[ "$total" -eq 6 ] || fail "expected 6 dead letters in all, got $total"
grep '"reason":"late"' "$dead" | grep -q '"window_start":"20' || fail "late dead letters must name the hour they missed"
grep -q '"source":"'"${PREFIX}"'InputData/0@' "$dead" || fail "dead letters must name topic/partition@offset"
lines=$(wc -l < "$mixed")
consumed=$(kcat -b "$WX_BROKERS" -C -e -q -t "${PREFIX}InputData" | wc -l)
[ "$consumed" -eq "$lines" ] || fail "replay sent $consumed records for $lines lines"
# Outliers: batch saw the late readings' originals in place; compare without those three.
wx_tail_all "${PREFIX}Outliers" "$WORK/got/Outliers.jsonl"
wx_compare_sets Outliers "$WORK/expected/Outliers.jsonl" "$WORK/got/Outliers.jsonl"
pass "malformed and late input: dead letters with reasons, counts add up, results equal batch"
