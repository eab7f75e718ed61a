#!/usr/bin/env bash
# `wxstream stations` on a local copy of NOAA's catalogue (no internet): JSON lines and the
# table, the filters, and the usage errors of stations, fetch and follow.
# Usage: bash tests/cli/stations.sh path/to/wxstream
set -euo pipefail
WX=${1:?usage: stations.sh path/to/wxstream}
DATA=${WX_TEST_DATA:-$(dirname "$0")/../data}
CAT=$DATA/ncei-stations.tsv
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
expect() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }

expect "all stations" 7 "$("$WX" stations --file "$CAT" | wc -l)"
expect "Texas" 4 "$("$WX" stations --file "$CAT" --state tx | wc -l)"
expect "closed" 1 "$("$WX" stations --file "$CAT" --status closed | wc -l)"
line=$("$WX" stations --file "$CAT" --name austin)
expect "Austin as JSON" '{"wban":"23907","station":23907,"name":"TX Austin 33 NW","state":"TX","location":"Austin","vector":"33 NW","latitude":30.6200,"longitude":-98.0800,"status":"Commissioned","file":"TX_Austin_33_NW"}' "$line"
"$WX" stations --file "$CAT" --name deadhorse | grep -q '"wban":"UN","station":null' ||
    fail "a station without a WBAN is not listed with station null"
"$WX" stations --file "$CAT" --table | head -1 | grep -q "^WBAN" || fail "no table header"
rc=0; "$WX" stations --file /nonexistent >/dev/null 2>&1 || rc=$?
expect "missing catalogue exit" 1 "$rc"
rc=0; "$WX" stations --bogus >/dev/null 2>&1 || rc=$?
expect "bad option exit" 2 "$rc"
rc=0; "$WX" fetch --stations austin --out /tmp/x >/dev/null 2>&1 || rc=$?
expect "fetch without --years" 2 "$rc"
rc=0; "$WX" fetch --stations nowhere --years 2025 --out /tmp/x --catalog "$CAT" >/dev/null 2>&1 || rc=$?
expect "fetch of an unknown station" 2 "$rc"
rc=0; "$WX" follow >/dev/null 2>&1 || rc=$?
expect "follow without stations" 2 "$rc"
for c in stations fetch follow; do
    "$WX" "$c" --help | grep -q "base-url" || fail "$c --help does not name --base-url"
done
[ "$FAILS" -eq 0 ] || exit 1
echo "PASS: stations"
