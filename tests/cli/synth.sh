#!/usr/bin/env bash
# End-to-end tests of `wxstream synth`: help, errors and exit codes, file names, line counts,
# determinism across runs, and the labels file of --anomalies.
# Usage: bash tests/cli/synth.sh path/to/wxstream
set -euo pipefail

WX=${1:?usage: synth.sh path/to/wxstream}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILS=0

fail() {
    echo "FAIL: $*" >&2
    FAILS=$((FAILS + 1))
}

# Runs the command, records its exit status in RC and its stderr in $TMP/err (never aborts).
run() {
    RC=0
    "$@" >"$TMP/out" 2>"$TMP/err" || RC=$?
}

expect_rc() { # expected-status description
    [ "$RC" -eq "$1" ] || fail "$2: exit status $RC, expected $1 (stderr: $(head -c 300 "$TMP/err"))"
}

# --help: exit 0, on stdout, names every option and its default.
run "$WX" synth --help
expect_rc 0 "--help"
for opt in --station --from --to --days --out --seed --anomalies --list-stations --help; do
    grep -q -- "$opt" "$TMP/out" || fail "--help does not mention $opt"
done
grep -q "default 2025" "$TMP/out" || fail "--help does not give the default year"
grep -q "default 1)" "$TMP/out" || fail "--help does not give the default seed"

# --list-stations: the seed's stations are there.
run "$WX" synth --list-stations
expect_rc 0 "--list-stations"
for s in 23907 03072 04136 94075; do
    grep -q "^$s " "$TMP/out" || fail "--list-stations lacks $s"
done

# Errors: a message on stderr and the documented status.
run "$WX" synth --station nowhere --days 1 --out "$TMP/x"
expect_rc 1 "unknown station"
grep -q "unknown station 'nowhere'" "$TMP/err" || fail "unknown station: no message naming it"
[ ! -e "$TMP/x" ] || fail "unknown station: output directory created anyway"

run "$WX" synth --from 1800 --days 1 --out "$TMP/x"
expect_rc 1 "year 1800"
grep -q -- "--from" "$TMP/err" || fail "bad year: message does not name --from"

run "$WX" synth --from 2025 --days 366 --out "$TMP/x"
expect_rc 1 "366 days of 2025"

run "$WX" synth --from 2025 --to 2024 --out "$TMP/x"
expect_rc 1 "--to before --from"

run "$WX" synth --no-such-option
expect_rc 2 "unknown option"

run "$WX" synth stray-argument
expect_rc 2 "stray argument"

run "$WX" synth --days 2 --to 2026
expect_rc 2 "--days with --to"

touch "$TMP/a-file"
run "$WX" synth --days 1 --out "$TMP/a-file/sub"
expect_rc 1 "output directory under a file"
grep -q "cannot create output directory" "$TMP/err" || fail "unwritable dir: no message"

# A short run: names, line length, count, and the files listed on stderr.
run "$WX" synth --station austin --station 4136 --days 2 --seed 5 --out "$TMP/a/nested"
expect_rc 0 "two stations, two days"
for f in SYNTH-CRNS0101-05-2025-TX_Austin_33_NW.txt SYNTH-CRNS0101-05-2025-WA_Spokane_17_SSW.txt; do
    p="$TMP/a/nested/$f"
    if [ ! -f "$p" ]; then
        fail "missing $f"
        continue
    fi
    n=$(wc -l <"$p")
    [ "$n" -eq 576 ] || fail "$f has $n lines, expected 576"
    bad=$(awk 'length($0) != 134' "$p" | wc -l)
    [ "$bad" -eq 0 ] || fail "$f has $bad lines that are not 134 characters"
    grep -q "$f" "$TMP/err" || fail "$f is not listed on stderr"
done
[ -z "$(ls "$TMP/a/nested" | grep -v '\.txt$')" ] || fail "labels or temp files without --anomalies"
head -1 "$TMP/a/nested/SYNTH-CRNS0101-05-2025-TX_Austin_33_NW.txt" |
    grep -q '^23907 20250101 0005 20241231 1805  2.623' || fail "first Austin line is not 2025-01-01 00:05 UTC"

# Default stations: the seed's three.
run "$WX" synth --days 1 --out "$TMP/d"
expect_rc 0 "default stations"
[ "$(ls "$TMP/d" | wc -l)" -eq 3 ] || fail "default run wrote $(ls "$TMP/d" | wc -l) files, expected 3"

# Determinism: two runs, same bytes; another seed, other bytes.
for run_dir in r1 r2; do
    run "$WX" synth --station bronte --days 30 --seed 77 --anomalies --out "$TMP/$run_dir"
    expect_rc 0 "determinism run $run_dir"
    cp "$TMP/err" "$TMP/err.$run_dir"
done
for f in SYNTH-CRNS0101-05-2025-TX_Bronte_11_NNE.txt SYNTH-CRNS0101-05-2025-TX_Bronte_11_NNE.labels.csv; do
    cmp -s "$TMP/r1/$f" "$TMP/r2/$f" || fail "$f differs between two runs with the same seed"
done
run "$WX" synth --station bronte --days 30 --seed 78 --out "$TMP/r3"
expect_rc 0 "seed 78"
! cmp -s "$TMP/r1/SYNTH-CRNS0101-05-2025-TX_Bronte_11_NNE.txt" \
    "$TMP/r3/SYNTH-CRNS0101-05-2025-TX_Bronte_11_NNE.txt" || fail "seeds 77 and 78 gave the same file"

# --anomalies: a labels file with the header and events inside the file's time range.
L="$TMP/r1/SYNTH-CRNS0101-05-2025-TX_Bronte_11_NNE.labels.csv"
[ "$(head -1 "$L")" = "event,kind,wban,first_utc,last_utc,magnitude" ] || fail "labels header is $(head -1 "$L")"
nev=$(($(wc -l <"$L") - 1))
[ "$nev" -ge 1 ] || fail "30 days with --anomalies gave no events"
ISO='2025-01-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:00Z'
awk -F, -v iso="^$ISO\$" 'NR > 1 && ($2 !~ /^(spike|step|stuck|range|shift|front|outflow|sunrise|foehn)$/ ||
         $3 != "03072" || $4 !~ iso || $5 !~ iso || $5 < $4 ||
         ($2 ~ /^(stuck|range)$/ ? $6 != "" : $6 !~ /^-?[0-9]+\.[0-9][0-9]$/)) { bad++; print "bad label: " $0 }
         END { exit bad > 0 }' "$L" >&2 || fail "malformed label lines in $L"
grep -q "labels.csv ($nev event" "$TMP/err.r1" || fail "labels file not listed on stderr"
# A range event's readings hold an impossible value in the data file.
if grep -q ',range,' "$L"; then
    first=$(grep ',range,' "$L" | head -1 | cut -d, -f4)
    stamp=$(echo "$first" | sed -E 's/^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}).*/\1\2\3 \4\5/')
    line=$(grep " $stamp " "$TMP/r1/SYNTH-CRNS0101-05-2025-TX_Bronte_11_NNE.txt" | head -1)
    v=$(echo "$line" | awk '{print $9}')
    awk -v v="$v" 'BEGIN { exit !(v >= 65 || v <= -65) }' || fail "range event at $first has value $v"
fi

# A whole year, timed: 105120 lines.
start=$(date +%s%N)
run "$WX" synth --station spokane --from 2025 --out "$TMP/y"
end=$(date +%s%N)
expect_rc 0 "a station-year"
n=$(wc -l <"$TMP/y/SYNTH-CRNS0101-05-2025-WA_Spokane_17_SSW.txt")
[ "$n" -eq 105120 ] || fail "a station-year has $n lines, expected 105120"
echo "synth: one station-year in $(((end - start) / 1000000)) ms"

if [ "$FAILS" -ne 0 ]; then
    echo "synth.sh: $FAILS failure(s)" >&2
    exit 1
fi
echo "synth.sh: all passed"
