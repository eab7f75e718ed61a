#!/usr/bin/env bash
# `wxstream serve` without a broker: --help lists every option with its default; bad options
# are usage errors (2); missing page files or an address that cannot be bound are failures (1),
# each with a message that names the problem.
# Usage: bash tests/cli/serve_usage.sh path/to/wxstream
set -euo pipefail
WX=${1:?usage: serve_usage.sh path/to/wxstream}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
run() { RC=0; timeout 20 "$@" >"$TMP/out" 2>"$TMP/err" || RC=$?; }
expect() { # RC WANT WHAT [stderr pattern]
    [ "$RC" -eq "$1" ] || fail "$2: exit $RC, expected $1 ($(head -c 300 "$TMP/err"))"
    [ -z "${3:-}" ] || grep -q -- "$3" "$TMP/err" || fail "$2: stderr does not say '$3': $(head -c 300 "$TMP/err")"
}

run "$WX" serve --help
expect 0 "--help"
for o in --listen --topic-prefix --since --retention --max-stations --max-outliers --max-dead \
    --client-queue --max-clients --burst-hold --web-dir --web-lib --exit-after --quiet --brokers; do
    grep -q -- "$o" "$TMP/out" || fail "--help does not list $o"
done
grep -q "127.0.0.1:8787" "$TMP/out" || fail "--help does not give the default address"
run "$WX" --help
grep -q "serve" "$TMP/out" || fail "wxstream --help does not list serve"

run "$WX" serve --retention 0;            expect 2 "--retention 0" "--retention"
run "$WX" serve --max-clients x;          expect 2 "--max-clients x" "--max-clients"
run "$WX" serve --since yesterday;        expect 2 "--since yesterday" "--since"
run "$WX" serve --client-queue 1;         expect 2 "--client-queue 1" "--client-queue"
run "$WX" serve --burst-hold -1;          expect 2 "--burst-hold -1" "--burst-hold"
run "$WX" serve --burst-hold 5s;          expect 2 "--burst-hold 5s" "--burst-hold"
run "$WX" serve --bogus;                  expect 2 "an unknown option"
run "$WX" serve extra;                    expect 2 "an argument" "unexpected argument"
run "$WX" serve --web-dir "$TMP/none";    expect 1 "a missing --web-dir" "page's files"
mkdir -p "$TMP/web"; touch "$TMP/web/index.html" "$TMP/web/app.js"
run "$WX" serve --web-dir "$TMP/web";     expect 1 "a --web-dir without uPlot" "install-web.sh"
mkdir -p "$TMP/lib"; touch "$TMP/lib/uPlot.iife.min.js" # the page's files are only looked for
W=(--web-dir "$TMP/web" --web-lib "$TMP/lib")
run "$WX" serve "${W[@]}" --listen nonsense;      expect 1 "--listen without a port" "HOST:PORT"
run "$WX" serve "${W[@]}" --listen 203.0.113.7:0; expect 1 "--listen on an address not here" "cannot listen"

[ "$FAILS" -eq 0 ] || { echo "serve_usage: $FAILS failure(s)" >&2; exit 1; }
echo "PASS: serve_usage" >&2
