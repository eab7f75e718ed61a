#!/usr/bin/env bash
# The seed's kind of client: kcat produces the seed's JSON records (numbers as pandas wrote them:
# "UTC_TIME": 5, "AIR_TEMPERATURE": 12.3, "-9999.0" for missing), keyed by station, with no
# record timestamp of ours, for three hours of one station. `wxstream process` reads them and
# its Output (read back with kcat, read_committed) holds the hourly means `wxstream batch`
# computes from the same records; MaxTemp and Outliers equal batch's too, and nothing is
# dead-lettered.
# Usage: bash tests/integration/test_kcat_compat.sh path/to/wxstream
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$1"
W=$(wx_bin)
wx_need mawk
wx_need_broker
P=$(wx_topic_prefix)
WORK=$(mktemp -d)
PROC_PID=
cleanup() {
    [ -n "$PROC_PID" ] && kill -9 "$PROC_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
note "broker $WX_BROKERS, topics under $P"

"$W" process --help >/dev/null 2>&1 || fail "wxstream has no working 'process' command"

# 36 readings of TX Austin 33 NW (WBAN 23907, LST = UTC - 6 h), 2025-01-01 00:05..03:00 UTC:
# LST hours 18, 19 and 20 of 2024-12-31, one reading missing (-9999.0), written the way the
# seed's pandas producer wrote them. Key and value separated by a tab for kcat -K.
mawk 'BEGIN {
    for (i = 1; i <= 36; i++) {
        m = i * 5
        utc = int(m / 60) * 100 + m % 60
        lm = 18 * 60 + m
        lst = int(lm / 60) * 100 + lm % 60
        t = 12.3 + 0.4 * (i % 5) - 0.07 * i
        air = (i == 20) ? "-9999.0" : sprintf("%.1f", t)
        printf "23907\t{\"WBANNO\": 23907, \"UTC_DATE\": 20250101, \"UTC_TIME\": %d, " \
               "\"LST_DATE\": 20241231, \"LST_TIME\": %d, \"CRX_VN\": 2.623, " \
               "\"LONGITUDE\": -98.08, \"LATITUDE\": 30.62, \"AIR_TEMPERATURE\": %s, " \
               "\"PRECIPITATION\": 0.0, \"SOLAR_RADIATION\": 0, \"SR_FLAG\": 0, " \
               "\"SURFACE_TEMPERATURE\": 11.5, \"ST_TYPE\": \"C\", \"ST_FLAG\": 0, " \
               "\"RELATIVE_HUMIDITY\": 60, \"RH_FLAG\": 0, \"SOIL_MOISTURE_5\": 0.176, " \
               "\"SOIL_TEMPERATURE_5\": 14.2, \"WETNESS\": 1832, \"WET_FLAG\": 0, " \
               "\"WIND_1_5\": 1.87, \"WIND_FLAG\": 0, " \
               "\"source_file\": \"CRNS0101-05-2025-TX_Austin_33_NW.txt\"}\n", utc, lst, air
    }
}' >"$WORK/records.tsv"
cut -f2- "$WORK/records.tsv" >"$WORK/records.jsonl"

# The reference: batch on the very same records.
"$W" batch -q --out "$WORK/expected" "$WORK/records.jsonl" ||
    fail "wxstream batch failed on the seed's records"
wx_expect_eq "batch's hourly means (3 hours)" 3 "$(wc -l <"$WORK/expected/Output.jsonl")"
wx_expect_eq "batch's dead letters" 0 "$(wc -l <"$WORK/expected/DeadLetter.jsonl")"

# The seed's client: kcat, into the input topic (created first: the broker may not auto-create).
"$WX_SRC/scripts/kafka.sh" topics --create --if-not-exists --topic "${P}InputData" \
    --partitions 1 >/dev/null 2>&1 || fail "could not create ${P}InputData"
wx_kcat -P -t "${P}InputData" -K $'\t' <"$WORK/records.tsv" || fail "kcat -P failed"
wx_expect_eq "records on ${P}InputData" 36 \
    "$(wx_kcat -C -t "${P}InputData" -e -q -f '%k\n' | grep -c '^23907$')"

# process until the input has been quiet for 5 s. Its own group (so that concurrent runs on a
# shared broker do not share a group or a transactional id).
timeout 300 "$W" process -q --topic-prefix "$P" -G "${P}kcat" --exit-idle 5 \
    2>"$WORK/process.err" &
PROC_PID=$!
rc=0
wait "$PROC_PID" || rc=$?
PROC_PID=
[ "$rc" -ne 124 ] || fail "process did not exit within 300 s with --exit-idle 5"
[ "$rc" -eq 0 ] || fail "process exited $rc: $(tail -n 20 "$WORK/process.err")"

# Results, read as the seed's consumer would: kcat, committed records only.
mkdir -p "$WORK/got"
for t in Output MaxTemp Outliers DeadLetter; do
    wx_kcat -C -t "${P}$t" -e -q -X isolation.level=read_committed -f '%s\n' \
        >"$WORK/got/$t.jsonl" 2>"$WORK/kcat.err" ||
        fail "kcat could not read ${P}$t: $(cat "$WORK/kcat.err")"
done
wx_compare_sets "Output (hourly means) vs batch" "$WORK/expected/Output.jsonl" "$WORK/got/Output.jsonl"
wx_compare_sets "MaxTemp vs batch" "$WORK/expected/MaxTemp.jsonl" "$WORK/got/MaxTemp.jsonl"
wx_compare_sets "Outliers vs batch" "$WORK/expected/Outliers.jsonl" "$WORK/got/Outliers.jsonl"
wx_compare_sets "DeadLetter (none)" "$WORK/expected/DeadLetter.jsonl" "$WORK/got/DeadLetter.jsonl"

# And the means are the arithmetic ones (12 readings per hour, the missing one left out).
mawk -F'\t' '{
    match($2, /"UTC_TIME": [0-9]+/); utc = substr($2, RSTART + 12, RLENGTH - 12) + 0
    match($2, /"AIR_TEMPERATURE": [-0-9.]+/); t = substr($2, RSTART + 19, RLENGTH - 19) + 0
    m = int(utc / 100) * 60 + utc % 100          # minutes after 00:00 UTC, interval end
    h = 18 + int((m - 1) / 60)                   # LST hour the reading closes into
    if (t > -9999) { s[h] += t; n[h]++ }
} END { for (h = 18; h <= 20; h++) printf "%02d %.2f\n", h, s[h] / n[h] }' \
    "$WORK/records.tsv" | sort >"$WORK/means.expected"
sed -n 's/.*"lst_hour":"\([0-9]*\)".*"mean_temp":\([-0-9.]*\).*/\1 \2/p' \
    "$WORK/got/Output.jsonl" | mawk '{ printf "%s %.2f\n", $1, $2 }' | sort >"$WORK/means.got"
cmp -s "$WORK/means.expected" "$WORK/means.got" ||
    fail "hourly means: expected $(tr '\n' ';' <"$WORK/means.expected"), got $(tr '\n' ';' <"$WORK/means.got")"
note "hourly means $(tr '\n' ' ' <"$WORK/means.got")"

wx_delete_topics "$P"
pass "kcat's seed-format records through process equal batch"
