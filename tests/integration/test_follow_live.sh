#!/usr/bin/env bash
# follow against a growing local NCEI site (year folder appearing at New Year, half-written last
# lines, a 404 year): every reading produced once to InputData, and process on it equals batch
# on the files as they end.
source "$(dirname "$0")/follow_lib.sh" "$1"
fl_site
fl_data
fl_reference
fl_follow
fl_feed 0.4
wait "$FEED_PID" || fail "the feeder failed"
note "site grown: $(cat "$WORK/feed.log")"
fl_wait_readings "$EXPECTED_READINGS" 120
sleep 3 # one more poll: nothing more may come
fl_stop_follow
fl_compare_input
grep -q "half-written last line" "$WORK/follow.log" || fail "no half-written last line was seen"
grep -q "404" "$HTTP_LOG" || fail "the 2026 folder was never asked for before it was there"
fl_compare_process

# --start end: a second follower (its own id and topic) starts at the files' ends and produces
# only what is added afterwards
"$W" follow "${FOLLOW_OPTS[@]}" --base-url "$BASE" --topic-prefix "$PREFIX" --id late \
    --start end -t Late --polls 1 -q 2>> "$WORK/follow.log" || fail "follow --start end failed"
wx_expect_eq "records of a follower started at the end" 0 "$(fl_count "${PREFIX}Late")"
cat "$WORK/spare.txt" >> "$WORK/site/subhourly01/2026/CRNS0101-05-2026-TX_Austin_33_NW.txt"
"$W" follow "${FOLLOW_OPTS[@]}" --base-url "$BASE" --topic-prefix "$PREFIX" --id late \
    --start end -t Late --polls 1 -q 2>> "$WORK/follow.log" || fail "follow --start end failed"
"$W" tail -q --idle 1 "${PREFIX}Late" | grep -o '"UTC_TIME": [0-9]*' > "$WORK/late.txt"
wx_expect_eq "readings added after the start" "$(awk '{ print "\"UTC_TIME\": " $3 + 0 }' "$WORK/spare.txt")" "$(cat "$WORK/late.txt")"
pass "follow produced each of $EXPECTED_READINGS readings once; process equals batch; --start end"
