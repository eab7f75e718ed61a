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
pass "follow produced each of $EXPECTED_READINGS readings once; process equals batch"
