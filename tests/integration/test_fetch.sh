#!/usr/bin/env bash
# fetch end to end against the local NCEI site: a mirror with NCEI's names, a download reset
# mid-body resumed with a range request, a partial file left by an earlier run resumed, a bad
# line reported without stopping, a year NCEI does not publish skipped; a second fetch
# transfers nothing; a name spelled otherwise is found in the year's index; replay of the mirror
# works and batch on it equals batch on the site's files.
# (No broker needed for fetch itself; the replay comparison uses it.)
source "$(dirname "$0")/follow_lib.sh" "$1"
fl_site
fl_data
mkdir -p "$WORK/site/subhourly01/2025" "$WORK/site/subhourly01/2026"
cp "$WORK"/final/2025/*.txt "$WORK/site/subhourly01/2025/"
cp "$WORK"/final/2026/*.txt "$WORK/site/subhourly01/2026/"
# Austin's 2025 file published under another spelling than the catalogue gives: found in the
# year folder's index
mv "$WORK/site/subhourly01/2025/CRNS0101-05-2025-TX_Austin_33_NW.txt" \
    "$WORK/site/subhourly01/2025/CRNS0101-05-2025-TX_Austin_33_N.W.txt"
# a bad line in Bronte's file
B=$WORK/site/subhourly01/2026/CRNS0101-05-2026-TX_Bronte_11_NNE.txt
awk 'NR == 10 { print "03072 20260101 0050 garbage" } { print }' "$B" > "$B.new" && mv "$B.new" "$B"
# an earlier run's partial download of Spokane's file
M=$WORK/mirror
mkdir -p "$M"
head -c 20000 "$WORK/site/subhourly01/2026/CRNS0101-05-2026-WA_Spokane_17_SSW.txt" \
    > "$M/CRNS0101-05-2026-WA_Spokane_17_SSW.txt.part"
echo "2026-TX_Austin reset 30000 1" > "$FAULTS"

"$W" fetch --stations austin,bronte,spokane --years 2025-2026 --out "$M" --base-url "$BASE" \
    --parallel 3 2> "$WORK/fetch1.log" || { cat "$WORK/fetch1.log" >&2; fail "fetch failed"; }
cat "$WORK/fetch1.log" >&2
for f in "$WORK"/site/subhourly01/*/CRNS*.txt; do
    cmp -s "$f" "$M/$(basename "$f")" || fail "$(basename "$f") differs from the site's"
done
[ ! -e "$M/CRNS0101-05-2025-TX_Bronte_11_NNE.txt" ] || fail "a 404 left a file"
ls "$M"/*.part 2> /dev/null && fail "a .part file was left"
grep -q "CRNS0101-05-2026-TX_Bronte_11_NNE.txt:10: bad line" "$WORK/fetch1.log" ||
    fail "the bad line was not reported with its file and line"
grep -q "not published (404)" "$WORK/fetch1.log" || fail "the missing year was not reported"
grep -q "2025-TX_Austin_33_NW.txt is published as CRNS0101-05-2025-TX_Austin_33_N.W.txt" \
    "$WORK/fetch1.log" || fail "the name from the year's index was not used"
grep -q "retrying" "$WORK/fetch1.log" || fail "the reset download was not retried"
grep -q "2026-TX_Austin_33_NW.txt bytes=30000- 206" "$HTTP_LOG" ||
    fail "the reset download was not resumed with a range request"
grep -q "WA_Spokane_17_SSW.txt bytes=20000- 206" "$HTTP_LOG" ||
    fail "the earlier partial download was not resumed"

: > "$FAULTS"
before=$(wc -l < "$HTTP_LOG")
"$W" fetch --stations austin,bronte,spokane --years 2025-2026 --out "$M" --base-url "$BASE" \
    2> "$WORK/fetch2.log" || fail "second fetch failed"
cat "$WORK/fetch2.log" >&2
tail -n +"$((before + 1))" "$HTTP_LOG" | grep "CRNS" > "$WORK/second.log"
if awk '$4 != 304 && $4 != 404 { bad = 1 } END { exit !bad }' "$WORK/second.log"; then
    cat "$WORK/second.log" >&2
    fail "the second fetch downloaded again"
fi
grep -q "4 unchanged" "$WORK/fetch2.log" || fail "the second fetch did not report 4 unchanged"

"$W" batch -q --out "$WORK/b1" "$WORK"/site/subhourly01/*/CRNS*.txt
"$W" batch -q --out "$WORK/b2" "$M"/CRNS*.txt
for t in Output MaxTemp Outliers; do
    wx_compare_sets "$t" "$WORK/b1/$t.jsonl" "$WORK/b2/$t.jsonl"
done
"$W" replay -q -t "${PREFIX}Mirror" "$M"/CRNS*.txt || fail "replay of the mirror failed"
wx_expect_eq "replayed records" "$(cat "$M"/CRNS*.txt | wc -l)" "$(fl_count "${PREFIX}Mirror")"
pass "mirror complete, resumed, checked; second fetch transferred nothing; replay works"
