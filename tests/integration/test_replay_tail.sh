#!/usr/bin/env bash
# replay and tail against the real broker: every line of the files arrives once, keyed by the
# station's WBAN, stamped with the reading's UTC time, in event-time order; values read back as
# the same readings (JSON) or the same bytes (--format uscrn); --partition-per-file puts file i
# on partition i; an undecodable line is sent as it is and counted; --jitter, --limit and
# --speed do what they say; an unreachable broker is an error within a bounded time; tail's
# --count, --keys, --table and a missing topic.
# Usage: bash tests/integration/test_replay_tail.sh path/to/wxstream
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$1"
W=$(wx_bin)
wx_need mawk
wx_need_broker
P=$(wx_topic_prefix)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
WX_OUT=$WORK/run.out
WX_ERR=$WORK/run.err
note "broker $WX_BROKERS, topics under $P"

BOULDER=$WX_TEST_DATA/uscrn-subhourly-boulder-2026.txt
[ "$(wc -l <"$BOULDER")" -eq 16 ] || fail "$BOULDER should have 16 lines"

# A second station: two synthetic days of Austin, or three lines by hand if synth is missing.
mkdir -p "$WORK/synth"
if "$W" synth --days 2 --station austin --out "$WORK/synth" 2>"$WORK/synth.log"; then
    SYN=$(echo "$WORK"/synth/*.txt)
else
    note "synth failed ($(head -c 200 "$WORK/synth.log")); using three hand-written lines"
    SYN=$WORK/synth/austin.txt
    cat >"$SYN" <<'EOF'
23907 20250101 0005 20241231 1805  2.623  -98.08   30.62    18.7     0.0      0 0    17.5 C 0    39 0   0.176    20.4  1832 0   1.87 0
23907 20250101 0010 20241231 1810  2.623  -98.08   30.62    18.6     0.0      0 0    17.8 C 0    39 0   0.176    20.4  1832 0   1.43 0
23907 20250101 0015 20241231 1815  2.623  -98.08   30.62    18.5     0.0      0 0    17.2 C 0    39 0   0.176    20.4  1833 0   0.66 0
EOF
fi
N_SYN=$(wc -l <"$SYN")
N_ALL=$((16 + N_SYN))

# "KEY TIMESTAMP_MS" of each reading, computed here from the text of the lines.
key_ts() {
    TZ=UTC mawk '{
        d = $2; t = $3
        s = mktime(substr(d, 1, 4) " " substr(d, 5, 2) " " substr(d, 7, 2) " " \
                   substr(t, 1, 2) " " substr(t, 3, 2) " 00")
        printf "%05d %.0f\n", $1, s * 1000
    }' "$@"
}
key_ts "$BOULDER" "$SYN" >"$WORK/expected.keyts"

# ---------------------------------------------------------------- JSON into InputData
wx_run "$W" replay --topic-prefix "$P" "$BOULDER" "$SYN"
[ "$WX_RC" -eq 0 ] || fail "replay exited $WX_RC: $(cat "$WX_ERR")"
grep -q "$N_ALL records sent to ${P}InputData (0 undecodable" "$WX_ERR" ||
    fail "replay summary does not say $N_ALL records sent: $(cat "$WX_ERR")"
grep -q "$N_ALL delivered, 0 failed" "$WX_ERR" || fail "replay summary: $(cat "$WX_ERR")"

wx_kcat -C -t "${P}InputData" -e -q -f '%k %T\n' >"$WORK/got.keyts"
wx_expect_eq "records on ${P}InputData" "$N_ALL" "$(wc -l <"$WORK/got.keyts")"
wx_compare_sets "key and timestamp of each record" "$WORK/expected.keyts" "$WORK/got.keyts"
sort -s -n -k2,2 -c "$WORK/got.keyts" 2>/dev/null ||
    fail "timestamps go back in the partition: the files were not merged by event time"
note "keys are the WBAN, timestamps the readings' UTC times, in event-time order"

# The values: the seed's JSON records, read back through tail.
wx_tail_all "${P}InputData" "$WORK/values.jsonl"
wx_expect_eq "tail's record count" "$N_ALL" "$(wc -l <"$WORK/values.jsonl")"
wx_expect_eq "records naming the Boulder file" 16 \
    "$(grep -c '"source_file": "uscrn-subhourly-boulder-2026.txt"}$' "$WORK/values.jsonl")"
wx_expect_eq "records naming the synthetic file" "$N_SYN" \
    "$(grep -c "\"source_file\": \"$(basename "$SYN")\"}\$" "$WORK/values.jsonl")"
grep '"UTC_DATE": 20260101, "UTC_TIME": 655,' "$WORK/values.jsonl" |
    grep -q '^{"WBANNO": 94075, .*"AIR_TEMPERATURE": 3.0, .*"WIND_1_5": 4.25,' ||
    fail "Boulder's first reading (20260101 0655, 3.0 C, wind 4.25) is not on the topic as JSON"
# Every field of every record, by a JSON parser that is not ours, against the file's columns.
if command -v jq >/dev/null 2>&1; then
    jq -r '[.WBANNO, .UTC_DATE, .UTC_TIME, .LST_DATE, .LST_TIME, .CRX_VN, .LONGITUDE,
            .LATITUDE, .AIR_TEMPERATURE, .PRECIPITATION, .SOLAR_RADIATION, .SR_FLAG,
            .SURFACE_TEMPERATURE, .ST_TYPE, .ST_FLAG, .RELATIVE_HUMIDITY, .RH_FLAG,
            .SOIL_MOISTURE_5, .SOIL_TEMPERATURE_5, .WETNESS, .WET_FLAG, .WIND_1_5,
            .WIND_FLAG] | map(tostring) | join(" ")' "$WORK/values.jsonl" >"$WORK/fields.got"
    mawk '{ for (i = 1; i <= NF; i++) $i = ($i ~ /^[A-Z]$/) ? $i : $i + 0; print }' \
        "$BOULDER" "$SYN" >"$WORK/fields.expected"
    wx_compare_sets "the 23 fields of each JSON value (jq) vs the file" \
        "$WORK/fields.expected" "$WORK/fields.got"
else
    note "jq is not installed: fields checked by the round trip below only"
fi
# Round trip: the JSON values written back as USCRN lines are the files' bytes.
wx_run "$W" replay -q --topic-prefix "$P" -t RoundTrip --format uscrn "$WORK/values.jsonl"
[ "$WX_RC" -eq 0 ] || fail "replay of the JSON values exited $WX_RC: $(cat "$WX_ERR")"
wx_kcat -C -t "${P}RoundTrip" -e -q -f '%s\n' >"$WORK/roundtrip.txt"
cat "$BOULDER" "$SYN" >"$WORK/all.txt"
wx_compare_sets "JSON values written back as USCRN lines" "$WORK/all.txt" "$WORK/roundtrip.txt"
# And the analytics agree: batch on the JSON values = batch on the files.
"$W" batch -q --out "$WORK/batch.files" "$BOULDER" "$SYN"
"$W" batch -q --out "$WORK/batch.json" "$WORK/values.jsonl"
for t in Output MaxTemp Outliers; do
    wx_compare_sets "batch $t from the JSON values" "$WORK/batch.files/$t.jsonl" \
        "$WORK/batch.json/$t.jsonl"
done

# ---------------------------------------------------------------- --format uscrn
wx_run "$W" replay -q --topic-prefix "$P" -t Raw --format uscrn "$BOULDER" "$SYN"
[ "$WX_RC" -eq 0 ] || fail "replay --format uscrn exited $WX_RC: $(cat "$WX_ERR")"
wx_kcat -C -t "${P}Raw" -e -q -f '%s\n' >"$WORK/raw.txt"
wx_compare_sets "--format uscrn values vs the files' lines (bytes)" "$WORK/all.txt" "$WORK/raw.txt"

# ---------------------------------------------------------------- --partition-per-file
wx_run "$W" replay --topic-prefix "$P" --partition-per-file --format uscrn "$BOULDER" "$SYN"
[ "$WX_RC" -eq 0 ] || fail "replay --partition-per-file exited $WX_RC: $(cat "$WX_ERR")"
grep -q "records sent to ${P}Partitioned " "$WX_ERR" ||
    fail "--partition-per-file did not default to the Partitioned topic: $(cat "$WX_ERR")"
wx_kcat -L -t "${P}Partitioned" | grep -q "with 2 partitions" ||
    fail "${P}Partitioned was not created with one partition per file (2)"
wx_kcat -C -t "${P}Partitioned" -p 0 -e -q -f '%s\n' >"$WORK/p0.txt"
wx_kcat -C -t "${P}Partitioned" -p 1 -e -q -f '%s\n' >"$WORK/p1.txt"
cmp -s "$BOULDER" "$WORK/p0.txt" || fail "partition 0 does not hold file 0 (Boulder), in order"
cmp -s "$SYN" "$WORK/p1.txt" || fail "partition 1 does not hold file 1 (synthetic), in order"
wx_kcat -C -t "${P}Partitioned" -e -q -f '%p %k\n' | sort | uniq -c | awk '{print $2, $3, $1}' \
    >"$WORK/pkeys.txt"
printf '0 94075 16\n1 23907 %s\n' "$N_SYN" >"$WORK/pkeys.expected"
cmp -s "$WORK/pkeys.expected" "$WORK/pkeys.txt" ||
    fail "partition/key counts: $(tr '\n' ';' <"$WORK/pkeys.txt")"
# Three files do not fit a topic of two partitions.
wx_run "$W" replay --topic-prefix "$P" --partition-per-file "$BOULDER" "$SYN" "$BOULDER"
[ "$WX_RC" -eq 1 ] || fail "3 files into 2 partitions: exit $WX_RC, expected 1"
grep -q "has 2 partitions" "$WX_ERR" || fail "3 files into 2 partitions: $(cat "$WX_ERR")"
note "--partition-per-file: file i on partition i, in file order"

# ---------------------------------------------------------------- an undecodable line
{
    head -n 3 "$BOULDER"
    echo "this is not a reading"
    tail -n +4 "$BOULDER"
} >"$WORK/garbage.txt"
wx_run "$W" replay --topic-prefix "$P" -t Garbage --format uscrn "$WORK/garbage.txt"
[ "$WX_RC" -eq 0 ] || fail "replay with a bad line exited $WX_RC: $(cat "$WX_ERR")"
grep -q "17 records sent to ${P}Garbage (1 undecodable sent raw" "$WX_ERR" ||
    fail "the bad line is not counted: $(cat "$WX_ERR")"
grep -q "garbage.txt:4: does not decode" "$WX_ERR" || fail "the bad line is not named: $(cat "$WX_ERR")"
wx_kcat -C -t "${P}Garbage" -e -q -f '%k %T %s\n' >"$WORK/garbage.got"
third=$(key_ts <(sed -n 3p "$BOULDER"))
grep -qx "$third this is not a reading" "$WORK/garbage.got" ||
    fail "the bad line was not sent as read with the last good key and time ($third)"
cmp -s "$WORK/garbage.txt" <(cut -d' ' -f3- "$WORK/garbage.got") ||
    fail "with a bad line, the topic does not hold the file's lines in order"

# ---------------------------------------------------------------- --jitter, --limit, --speed
wx_run "$W" replay -q --topic-prefix "$P" -t Jitter --jitter 900 --seed 5 "$SYN"
[ "$WX_RC" -eq 0 ] || fail "replay --jitter exited $WX_RC: $(cat "$WX_ERR")"
wx_kcat -C -t "${P}Jitter" -e -q -f '%k %T\n' >"$WORK/jitter.got"
key_ts "$SYN" >"$WORK/jitter.expected"
wx_compare_sets "--jitter: key and timestamp of each record" "$WORK/jitter.expected" \
    "$WORK/jitter.got"
late=$(awk '{ if ($2 > max) max = $2; if (max - $2 > worst) worst = max - $2 } END { printf "%.0f", worst / 1000 }' "$WORK/jitter.got")
if [ "$N_SYN" -gt 10 ]; then
    [ "$late" -gt 0 ] || fail "--jitter 900 did not reorder anything"
fi
[ "$late" -lt 900 ] || fail "--jitter 900 delayed a reading by $late s"
note "--jitter 900: out of order by up to $late s"

wx_run "$W" replay --topic-prefix "$P" -t Limit --limit 10 "$BOULDER" "$SYN"
[ "$WX_RC" -eq 0 ] || fail "replay --limit exited $WX_RC: $(cat "$WX_ERR")"
wx_expect_eq "records with --limit 10" 10 "$(wx_kcat -C -t "${P}Limit" -e -q -f '%k\n' | wc -l)"

if [ "$N_SYN" -ge 145 ]; then
    # 145 readings span 12 h of event time: at 43200x that is 1 s.
    head -n 145 "$SYN" >"$WORK/half-day.txt"
    t0=$(date +%s%N)
    wx_run "$W" replay -q --topic-prefix "$P" -t Speed --speed 43200 "$WORK/half-day.txt"
    ms=$((($(date +%s%N) - t0) / 1000000))
    [ "$WX_RC" -eq 0 ] || fail "replay --speed exited $WX_RC: $(cat "$WX_ERR")"
    [ "$ms" -ge 900 ] && [ "$ms" -lt 15000 ] ||
        fail "--speed 43200 over 12 h of readings took $ms ms, expected about 1000"
    note "--speed 43200: 12 h of readings in $ms ms"
fi

# ---------------------------------------------------------------- broker unreachable
t0=$(date +%s)
wx_run timeout 60 "$W" replay -b 127.0.0.1:1 -X message.timeout.ms=3000 "$BOULDER"
took=$(($(date +%s) - t0))
[ "$WX_RC" -ne 0 ] || fail "replay to an unreachable broker exited 0"
[ "$WX_RC" -ne 124 ] || fail "replay to an unreachable broker hung (killed after 60 s)"
[ "$took" -lt 20 ] || fail "replay to an unreachable broker took $took s to give up"
grep -q "wxstream replay: .*127.0.0.1:1" "$WX_ERR" ||
    fail "no clear message for an unreachable broker: $(cat "$WX_ERR")"
note "unreachable broker: exit $WX_RC after $took s"

# ---------------------------------------------------------------- tail
wx_run "$W" tail --count 5 "${P}InputData"
[ "$WX_RC" -eq 0 ] || fail "tail --count 5 exited $WX_RC: $(cat "$WX_ERR")"
wx_expect_eq "tail --count 5 lines" 5 "$(wc -l <"$WX_OUT")"
grep -qx "5 records" "$WX_ERR" || fail "tail did not report '5 records': $(cat "$WX_ERR")"

wx_run "$W" tail -q --keys --idle 3 "${P}InputData"
cut -f1 "$WX_OUT" | LC_ALL=C sort | uniq -c | awk '{print $2, $1}' >"$WORK/tailkeys.txt"
printf '23907 %s\n94075 16\n' "$N_SYN" >"$WORK/tailkeys.expected"
cmp -s "$WORK/tailkeys.expected" "$WORK/tailkeys.txt" ||
    fail "tail --keys: $(tr '\n' ';' <"$WORK/tailkeys.txt")"
cut -f2- "$WX_OUT" | cmp -s - "$WORK/values.jsonl" || fail "tail --keys: values differ from tail's"

wx_run "$W" tail --idle 2 "${P}NoSuchTopic"
[ "$WX_RC" -eq 1 ] || fail "tail of a missing topic exited $WX_RC, expected 1"
grep -q "does not exist" "$WX_ERR" || fail "tail of a missing topic: $(cat "$WX_ERR")"

# --table: batch's own records (Output, DeadLetter) and a foreign value.
"$W" batch -q --out "$WORK/batch.garbage" "$WORK/garbage.txt"
{
    head -n 2 "$WORK/batch.garbage/Output.jsonl"
    cat "$WORK/batch.garbage/DeadLetter.jsonl"
    echo "not json at all"
} >"$WORK/table.in"
wx_kcat -P -t "${P}Table" <"$WORK/table.in"
wx_run "$W" tail -q --idle 3 --table "${P}Table"
[ "$WX_RC" -eq 0 ] || fail "tail --table exited $WX_RC: $(cat "$WX_ERR")"
grep -Eq '^station +lst_date +lst_hour +mean_temp +count +partial$' "$WX_OUT" ||
    fail "tail --table: no Output header: $(cat "$WX_OUT")"
grep -Eq '^94075 +2025-12-31 +23 ' "$WX_OUT" ||
    fail "tail --table: no Output row for 94075 2025-12-31 23: $(cat "$WX_OUT")"
grep -Eq '^reason +source +detail$' "$WX_OUT" || fail "tail --table: no DeadLetter header"
grep -Eq '^parse +.*garbage.txt:4 ' "$WX_OUT" || fail "tail --table: no DeadLetter row"
grep -qx "not json at all" "$WX_OUT" || fail "tail --table: a foreign value is not shown as is"

wx_delete_topics "$P"
pass "replay and tail"
