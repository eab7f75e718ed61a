# Shared steps of the follow and fetch tests (sourced): a local NCEI-shaped site served by
# tests/httpd/wx_httpd, grown while the test runs by follow_feed.py, and the reference records.
#
#   source follow_lib.sh "$1"
#   fl_site                 start wx_httpd on $WORK/site (URL in $BASE; faults file $FAULTS,
#                           request log $HTTP_LOG)
#   fl_data                 synthesize the final files ($WORK/final/<YEAR>/CRNS0101-05-...txt):
#                           Austin's last 240 readings of 2025 and first 360 of 2026 (New Year),
#                           Bronte and Spokane's first 2 days of 2026; $EXPECTED_READINGS
#   fl_feed STEP_S          grow the site towards the final files in the background ($FEED_PID)
#   fl_reference            replay the final files into ${PREFIX}Reference (what follow must
#                           produce to ${PREFIX}InputData, as a set)
#   fl_follow [opts...]     start follow in the background ($FOLLOW_PID), log $WORK/follow.log
#   fl_wait_readings N SECS wait until ${PREFIX}InputData holds N records
#   fl_compare_input        InputData equals Reference as sets (key and value): no gap, no double
#   fl_compare_process      process on InputData equals batch on the final files
# shellcheck shell=bash
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

W=${1:?usage: $0 path/to/wxstream}
HTTPD=${WX_HTTPD:-$(dirname "$W")/tests/httpd/wx_httpd}
[ -x "$HTTPD" ] || fail "no test HTTP server at $HTTPD (build tests/httpd)"
wx_need python3
wx_need_broker
PREFIX=$(wx_topic_prefix)
WORK=$(mktemp -d)
FL_PIDS=()
fl_cleanup() {
    local pid
    for pid in "${FL_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    [ -n "${HTTPD_PID:-}" ] && kill "$HTTPD_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap fl_cleanup EXIT

fl_site() {
    mkdir -p "$WORK/site/subhourly01"
    cp "$WX_TEST_DATA/ncei-stations.tsv" "$WORK/site/stations.tsv"
    FAULTS=$WORK/faults
    HTTP_LOG=$WORK/http.log
    : > "$FAULTS"
    "$HTTPD" --root "$WORK/site" --port-file "$WORK/port" --faults "$FAULTS" --log "$HTTP_LOG" &
    HTTPD_PID=$!
    local i
    for i in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
    [ -s "$WORK/port" ] || fail "wx_httpd did not start"
    BASE="http://127.0.0.1:$(cat "$WORK/port")"
}

fl_data() {
    local s="$WORK/synth"
    "$W" synth -s austin --from 2025 --to 2026 --seed 5 --out "$s/austin" 2> /dev/null
    "$W" synth -s bronte -s spokane --days 2 --from 2026 --seed 5 --out "$s/two" 2> /dev/null
    mkdir -p "$WORK/final/2025" "$WORK/final/2026"
    tail -n 240 "$s/austin/SYNTH-CRNS0101-05-2025-TX_Austin_33_NW.txt" \
        > "$WORK/final/2025/CRNS0101-05-2025-TX_Austin_33_NW.txt"
    head -n 360 "$s/austin/SYNTH-CRNS0101-05-2026-TX_Austin_33_NW.txt" \
        > "$WORK/final/2026/CRNS0101-05-2026-TX_Austin_33_NW.txt"
    # three more of Austin's readings, for tests that grow a file past its final state
    sed -n '361,363p' "$s/austin/SYNTH-CRNS0101-05-2026-TX_Austin_33_NW.txt" > "$WORK/spare.txt"
    cp "$s/two/SYNTH-CRNS0101-05-2026-TX_Bronte_11_NNE.txt" "$WORK/final/2026/CRNS0101-05-2026-TX_Bronte_11_NNE.txt"
    cp "$s/two/SYNTH-CRNS0101-05-2026-WA_Spokane_17_SSW.txt" "$WORK/final/2026/CRNS0101-05-2026-WA_Spokane_17_SSW.txt"
    rm -rf "$s"
    FINAL_FILES=("$WORK"/final/2025/*.txt "$WORK"/final/2026/*.txt)
    EXPECTED_READINGS=$(cat "${FINAL_FILES[@]}" | wc -l)
}

# The 2025 file is there from the start and done by step 10; the 2026 folder appears at step 8
# (New Year), Austin's new file passes January 2nd at step 20; the others grow from step 0.
fl_feed() {
    local step=$1 f=$WORK/final
    {
        echo "$f/2025/CRNS0101-05-2025-TX_Austin_33_NW.txt $WORK/site/subhourly01/2025/CRNS0101-05-2025-TX_Austin_33_NW.txt 0 24"
        echo "$f/2026/CRNS0101-05-2026-TX_Austin_33_NW.txt $WORK/site/subhourly01/2026/CRNS0101-05-2026-TX_Austin_33_NW.txt 8 24"
        echo "$f/2026/CRNS0101-05-2026-TX_Bronte_11_NNE.txt $WORK/site/subhourly01/2026/CRNS0101-05-2026-TX_Bronte_11_NNE.txt 9 36"
        echo "$f/2026/CRNS0101-05-2026-WA_Spokane_17_SSW.txt $WORK/site/subhourly01/2026/CRNS0101-05-2026-WA_Spokane_17_SSW.txt 9 36"
    } > "$WORK/plan"
    python3 "$WX_SRC/tests/integration/follow_feed.py" "$WORK/plan" "$step" 2> "$WORK/feed.log" &
    FEED_PID=$!
    FL_PIDS+=("$FEED_PID")
}

fl_reference() {
    "$W" replay -q -t "${PREFIX}Reference" "${FINAL_FILES[@]}" || fail "replay of the final files failed"
    wx_tail_all "${PREFIX}Reference" "$WORK/reference.jsonl" --keys
    wx_expect_eq "reference records" "$EXPECTED_READINGS" "$(wc -l < "$WORK/reference.jsonl")"
}

FOLLOW_OPTS=(--stations austin,bronte,spokane --year 2026 --interval 1 --timeout 3 --retries 3)
fl_follow() {
    "$W" follow "${FOLLOW_OPTS[@]}" --base-url "$BASE" --topic-prefix "$PREFIX" "$@" \
        >> "$WORK/follow.log" 2>&1 &
    FOLLOW_PID=$!
    FL_PIDS+=("$FOLLOW_PID")
}

# Records now on a topic (read_committed).
fl_count() {
    "$W" tail -q --idle 1 "$1" 2> /dev/null | wc -l
}

fl_wait_readings() {
    local want=$1 secs=$2 n=0 t0=$SECONDS
    while [ $((SECONDS - t0)) -lt "$secs" ]; do
        n=$(fl_count "${PREFIX}InputData")
        [ "$n" -ge "$want" ] && return 0
        sleep 1
    done
    echo "--- follow.log (last 30 lines)" >&2
    grep -v ": round [0-9]*:" "$WORK/follow.log" | tail -n 40 >&2
    cp "$WORK/follow.log" "${TMPDIR:-/tmp}/wx-follow-failed.log" 2>/dev/null || true
    cp "$HTTP_LOG" "${TMPDIR:-/tmp}/wx-http-failed.log" 2>/dev/null || true
    fail "InputData holds $n records after ${secs}s, expected $want"
}

fl_stop_follow() {
    kill -TERM "$FOLLOW_PID" 2>/dev/null || true
    wait "$FOLLOW_PID" 2>/dev/null || true
}

fl_compare_input() {
    wx_tail_all "${PREFIX}InputData" "$WORK/input.jsonl" --keys
    wx_compare_sets InputData "$WORK/reference.jsonl" "$WORK/input.jsonl"
}

fl_compare_process() {
    "$W" batch -q --out "$WORK/expected" "${FINAL_FILES[@]}"
    # Stations hours apart on the partition cost nothing (event time is per station), but at
    # the New Year a station's last lines of the old year can come after its first of the new
    # one (the site still appends to the old file): the grace must cover that, as in a live
    # deployment (docs/live.md)
    timeout 300 "$W" process -q --topic-prefix "$PREFIX" --exit-idle 3 --grace 86400 ||
        fail "process failed"
    local t late
    mkdir -p "$WORK/got"
    for t in Output MaxTemp Outliers; do
        wx_tail_all "$PREFIX$t" "$WORK/got/$t.jsonl"
        if [ "$t" = MaxTemp ]; then # corrected hours: the last record of each counts
            wx_last_per_hour "$WORK/got/$t.jsonl" > "$WORK/got/$t.last.jsonl"
            mv "$WORK/got/$t.last.jsonl" "$WORK/got/$t.jsonl"
        fi
        wx_compare_sets "$t" "$WORK/expected/$t.jsonl" "$WORK/got/$t.jsonl"
    done
    late=$(wx_tail_all "${PREFIX}DeadLetter" /dev/stdout | grep -c '"reason":"late"' || true)
    [ "$late" -eq 0 ] || fail "$late readings were late"
    [ "$(wc -l < "$WORK/expected/Output.jsonl")" -gt 0 ] || fail "batch produced no Output"
}
