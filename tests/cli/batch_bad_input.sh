#!/usr/bin/env bash
# wxstream batch on bad input: every bad line becomes a DeadLetter record with a reason, nothing
# crashes, nothing is silently dropped, and lines read = readings used + dead letters.
set -euo pipefail
W=${1:?usage: batch_bad_input.sh path/to/wxstream}
DATA=${WX_TEST_DATA:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { if eval "$2"; then echo "ok: $1"; else fail "$1 ($2)"; fi; }

good=$(head -n 4 "$DATA/uscrn-subhourly-boulder-2026.txt")
{
    echo "$good" | head -n 2
    echo "this is not a weather reading"                                   # garbage
    echo "$good" | sed -n 3p | cut -c1-80                                  # truncated
    echo "$good" | sed -n 3p | sed 's/ 0$//'                               # 22 fields
    echo "$good" | sed -n 3p | sed 's/$/ 7/'                               # 24 fields
    printf '\0\0\0\0\0\0\0\0\0\0\n'                                        # NUL line
    echo '{"WBANNO": 94075, "UTC_DATE": 20260101'                          # truncated JSON
    echo '{"WBANNO": 94075, "UTC_DATE": 20260101, "UTC_TIME": "x"}'        # wrong type
    echo '{"WBANNO": 94075, "UTC_DATE": 20260101, "UTC_TIME": 715, "LST_DATE": 20260101, "LST_TIME": 15, "AIR_TEMPERATURE": 2.5} trailing'
    head -c 200000 /dev/zero | tr '\0' 'x'; echo                           # huge line
    echo ""                                                                # empty line
    echo "$good" | sed -n 3,4p
    echo "$good" | sed -n 4p                                               # duplicate
    # A reading whose LST contradicts the station's catalogued offset (Boulder is -7 h)
    echo "$good" | sed -n 4p | sed 's/20260101 0010  2.623/20260101 0110  2.623/'
} > "$tmp/bad.txt"
lines=$(wc -l < "$tmp/bad.txt")

set +e
"$W" batch "$tmp/bad.txt" --out "$tmp/out" 2> "$tmp/stderr"
rc=$?
set -e
check "batch exits 0 on bad lines (they are results, not failures)" "[ $rc -eq 0 ]"
dead=$(wc -l < "$tmp/out/DeadLetter.jsonl")
check "12 dead letters for the 12 bad lines" "[ $dead -eq 12 ]"
check "summary says the counts add up" "grep -q \"$lines lines = 4 readings used + 12 dead letters\" $tmp/stderr"
for reason in parse too_long duplicate station; do
    check "a '$reason' dead letter" "grep -q '\"reason\":\"$reason\"' $tmp/out/DeadLetter.jsonl"
done
check "every dead letter names its file and line" \
    "[ \$(grep -c '\"source\":\"$tmp/bad.txt:[0-9]*\"' $tmp/out/DeadLetter.jsonl) -eq $dead ]"
check "the garbage line is kept as input" "grep -q 'this is not a weather reading' $tmp/out/DeadLetter.jsonl"
check "the NUL line is reported as such" "grep -q 'NUL' $tmp/out/DeadLetter.jsonl"
check "the huge line is cut, not kept whole" "[ \$(wc -c < $tmp/out/DeadLetter.jsonl) -lt 20000 ]"
check "a field is named for the truncated JSON or wrong type" "grep -q 'UTC_TIME' $tmp/out/DeadLetter.jsonl"
check "dead letters are valid JSON" "python3 -c 'import json,sys; [json.loads(l) for l in open(\"$tmp/out/DeadLetter.jsonl\")]'"

# A file of pure random bytes: no crash, every line accounted for.
head -c 100000 /dev/urandom > "$tmp/random.bin"
set +e
"$W" batch "$tmp/random.bin" --out "$tmp/out2" 2> "$tmp/stderr2"
rc=$?
set -e
check "random bytes: exit 0" "[ $rc -eq 0 ]"
check "random bytes: counts add up" "grep -q 'readings used' $tmp/stderr2"

# Files that cannot be read are errors, before anything is written.
set +e
"$W" batch "$tmp/does-not-exist.txt" --out "$tmp/out3" 2> "$tmp/stderr3"
rc=$?
set -e
check "missing file: exit 1" "[ $rc -eq 1 ]"
check "missing file: says which" "grep -q 'does-not-exist.txt' $tmp/stderr3"
check "missing file: nothing written" "[ ! -e $tmp/out3 ]"
set +e
"$W" batch "$tmp" > /dev/null 2> "$tmp/stderr4"; rc=$?
"$W" batch > /dev/null 2>&1; rc2=$?
"$W" batch --min-valid 13 "$tmp/bad.txt" > /dev/null 2>&1; rc3=$?
"$W" batch --help > "$tmp/help"; rc4=$?
set -e
check "a directory: exit 1" "[ $rc -eq 1 ]"
check "no files: usage exit 2" "[ $rc2 -eq 2 ]"
check "bad option value: usage exit 2" "[ $rc3 -eq 2 ]"
check "--help exits 0 and lists --out and the defaults" "[ $rc4 -eq 0 ] && grep -q -- '--out' $tmp/help && grep -q 'default: 10' $tmp/help"

# Without --out every record goes to stdout, tagged with its topic.
"$W" batch -q "$DATA/uscrn-subhourly-boulder-2026.txt" > "$tmp/stdout.jsonl"
check "stdout records are tagged with their topic" "grep -q '^{\"topic\":\"Output\",\"key\":\"94075/' $tmp/stdout.jsonl"

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all batch bad-input checks passed"
