#!/usr/bin/env bash
# wxstream batch writes the seed's record types (issue 8): `station` is the WBAN as a number with
# the five-digit string in `wban`, Outliers' lst_time is "HH:MM", and source_file names the
# reading's file: by default as `replay` does (the JSON record's own, else the file's name),
# with --source-file record only the record's own (null for a USCRN line).
set -euo pipefail
W=${1:?usage: batch_records.sh path/to/wxstream}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { if eval "$2"; then echo "ok: $1"; else fail "$1 ($2)"; fi; }

# Ten days of Bronte (WBAN 03072) with labelled anomalies, so there are outliers.
"$W" synth --station bronte --days 10 --seed 3 --anomalies --out "$tmp/data" 2>/dev/null
file=$(ls "$tmp"/data/*.txt)
name=$(basename "$file")
"$W" batch -q --out "$tmp/a" "$file"
out1=$(head -n 1 "$tmp/a/Output.jsonl")
check "Output: station is the number 3072" '[[ $out1 == "{\"station\":3072,\"lst_date\":"* ]]'
check "Output: wban is \"03072\" among the extras" \
    '[[ $out1 == *",\"wban\":\"03072\",\"station_name\":\"TX Bronte 11 NNE\"}" ]]'
check "Outliers: there are some" '[ -s "$tmp/a/Outliers.jsonl" ]'
check "Outliers: every lst_time is HH:MM" \
    '! grep -v "\"lst_time\":\"[0-2][0-9]:[0-5][05]\"" "$tmp/a/Outliers.jsonl" | grep -q .'
check "Outliers: source_file is the file's name" \
    '! grep -v "\"source_file\":\"$name\"" "$tmp/a/Outliers.jsonl" | grep -q .'
m1=$(head -n 1 "$tmp/a/MaxTemp.jsonl")
check "MaxTemp: station, mean_station and stations are numbers" \
    '[[ $m1 == "{\"station\":3072,"*"\"mean_station\":3072,"*"\"stations\":[3072],"* ]]'
check "MaxTemp: source_file is the file's name" '[[ $m1 == *"\"source_file\":\"$name\","* ]]'

# --source-file record: a USCRN line names no file.
"$W" batch -q --source-file record --out "$tmp/b" "$file"
check "--source-file record: Outliers source_file null" \
    '! grep -v "\"source_file\":null" "$tmp/b/Outliers.jsonl" | grep -q .'
check "--source-file record: MaxTemp source_file null" \
    '! grep -v "\"source_file\":null" "$tmp/b/MaxTemp.jsonl" | grep -q .'
check "--source-file record: otherwise the same records" \
    'cmp -s <(sed "s/\"source_file\":[^,]*,//" "$tmp/a/Outliers.jsonl") <(sed "s/\"source_file\":[^,]*,//" "$tmp/b/Outliers.jsonl")'

head -n 1 "$file" > "$tmp/one.txt"
"$W" batch -q --source-file nope "$tmp/one.txt" >/dev/null 2>&1 && rc=0 || rc=$?
check "bad --source-file value exits 2" '[ "$rc" -eq 2 ]'

if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "batch records: all checks passed"
