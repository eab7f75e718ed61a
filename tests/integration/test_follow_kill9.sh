#!/usr/bin/env bash
# follow killed with kill -9 five times at random moments while the site grows, restarted each
# time: InputData holds every reading exactly once (no duplicate, no gap), and process on it
# equals batch on the final files.
source "$(dirname "$0")/follow_lib.sh" "$1"
fl_site
fl_data
fl_reference
fl_feed 0.5
for i in 1 2 3 4 5; do
    fl_follow
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.1f", 1.5 + (r % 30) / 10 }')"
    kill -9 "$FOLLOW_PID" 2>/dev/null || true
    wait "$FOLLOW_PID" 2>/dev/null || true
    note "kill -9 number $i: InputData holds $(fl_count "${PREFIX}InputData") records"
done
fl_follow
wait "$FEED_PID" || fail "the feeder failed"
fl_wait_readings "$EXPECTED_READINGS" 120
sleep 3
fl_stop_follow
fl_compare_input
fl_compare_process
pass "five kill -9s: each of $EXPECTED_READINGS readings produced once; process equals batch"
