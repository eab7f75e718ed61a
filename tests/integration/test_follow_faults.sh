#!/usr/bin/env bash
# follow against a site that misbehaves: 500s, a stall longer than the time-out, connections
# reset mid-body, ranges ignored (200 with the whole file), a file rewritten shorter and grown
# again, a malformed line. Every fault is retried or reported; no reading is lost or doubled;
# the malformed line goes to DeadLetter with its reason.
source "$(dirname "$0")/follow_lib.sh" "$1"
fl_site
fl_data
# a malformed line in Spokane's file, in the middle
SPOK=$WORK/final/2026/CRNS0101-05-2026-WA_Spokane_17_SSW.txt
awk 'NR == 300 { print "04136 20260102 0100 not a reading" } { print }' "$SPOK" > "$SPOK.new"
mv "$SPOK.new" "$SPOK"
grep -v "not a reading" "$SPOK" > "$WORK/spokane-good.txt"
FINAL_GOOD=("$WORK"/final/2025/*.txt "$WORK"/final/2026/CRNS0101-05-2026-TX_*.txt "$WORK/spokane-good.txt")
"$W" replay -q -t "${PREFIX}Reference" "${FINAL_GOOD[@]}" || fail "replay failed"
wx_tail_all "${PREFIX}Reference" "$WORK/reference.jsonl" --keys
# replay names the file it read: give the reference Spokane's real name
sed -i 's/spokane-good\.txt/CRNS0101-05-2026-WA_Spokane_17_SSW.txt/' "$WORK/reference.jsonl"

fl_follow -v
fl_feed 0.5
sleep 2
cat > "$FAULTS" <<'F'
Bronte status 500 3
Spokane reset 60 2
Austin_33_NW norange 0 4
Bronte stall 5 1
F
note "faults on: 500s, reset mid-body, ignored ranges, a stall"
wait "$FEED_PID" || fail "the feeder failed"
: > "$FAULTS"
fl_wait_readings "$EXPECTED_READINGS" 180
# a file rewritten shorter, then grown back to the same lines: nothing new may be produced
B=$WORK/site/subhourly01/2026/CRNS0101-05-2026-TX_Bronte_11_NNE.txt
n=$(wc -l < "$B")
head -n $((n / 2)) "$B" > "$WORK/b.tmp"
cat "$WORK/b.tmp" > "$B"
note "rewrote Bronte's file shorter ($n lines -> $((n / 2)))"
sleep 3
cat "$WORK/final/2026/CRNS0101-05-2026-TX_Bronte_11_NNE.txt" > "$B"
sleep 3
sleep 3
fl_stop_follow
fl_compare_input
for what in "HTTP 500" "retrying" "range" "shrank\|rewritten"; do
    grep -qi "$what" "$WORK/follow.log" || fail "follow's log does not mention '$what'"
done
grep -q " 500 " "$HTTP_LOG" || fail "no 500 was served"
grep -q " 200 " "$HTTP_LOG" || fail "no whole-file answer was served"
wx_tail_all "${PREFIX}DeadLetter" "$WORK/dead.jsonl"
wx_expect_eq "dead letters" 1 "$(wc -l < "$WORK/dead.jsonl")"
grep -q '"reason":"parse"' "$WORK/dead.jsonl" || fail "the dead letter's reason is not parse"
grep -q 'CRNS0101-05-2026-WA_Spokane_17_SSW.txt:300' "$WORK/dead.jsonl" ||
    fail "the dead letter does not name the file and line"
pass "every fault retried or reported; each reading once; the malformed line dead-lettered"
