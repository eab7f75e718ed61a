#!/usr/bin/env bash
# `wxstream serve` in a real browser (Debian's chromium driven by playwright-core from web/):
# results of replay + process on synthetic data (plus a hostile station name and a dead letter
# produced with kcat) are served; the page loads without console errors; each station's chart
# holds exactly the points of its Output records; the hottest-station and outlier tables (and
# their filters) match MaxTemp and Outliers; a record committed while the page is open shows
# within 2 s; a corrected MaxTemp hour replaces the first; the hostile name renders as text;
# the page reconnects by itself when serve restarts. Also: the JSON API's 400/404/405 answers,
# and /metrics. A screenshot goes to the test's working directory (the build tree):
# serve-dashboard.png.
# Usage: bash tests/integration/test_serve_browser.sh path/to/wxstream
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$1"
W=$(wx_bin)
wx_need node chromium curl jq
[ -f "$WX_SRC/web/node_modules/playwright-core/package.json" ] ||
    fail "web/node_modules is not installed (scripts/install-web.sh)"
wx_need_broker
P=$(wx_topic_prefix)
WORK=$(mktemp -d)
SHOT=${WX_ARTIFACTS:-$PWD}/serve-dashboard.png
cleanup() {
    [ -f "$WORK/serve.pid" ] && kill "$(cat "$WORK/serve.pid")" 2>/dev/null || true
    rm -rf "$WORK"
    wx_delete_topics "$P"
}
trap cleanup EXIT
note "broker $WX_BROKERS, topics under $P"

# ---------------------------------------------------------------- results on the topics
"$W" synth --days 3 --seed 11 --anomalies --out "$WORK/data" 2>"$WORK/synth.log"
FILES=("$WORK"/data/*.txt)
echo "this line is not a USCRN reading" >>"${FILES[0]}"
"$W" replay -q --topic-prefix "$P" "${FILES[@]}" || fail "replay failed"
timeout 300 "$W" process -q --topic-prefix "$P" --exit-idle 3 || fail "process failed"

HOSTILE='<img src=x onerror=alert(1)>'
rec() { # station-json name-json window_start mean
    printf '{"station":%s,"lst_date":"2025-01-01","lst_hour":"00","mean_temp":%s,"count":12,"expected":12,"min_temp":1.0,"max_temp":2.0,"partial":false,"window_start":"%s","window_end":"%s","station_name":%s}' \
        "$1" "$4" "$3" "$(date -u -d "$3 + 1 hour" +%Y-%m-%dT%H:%M:%SZ)" "$2"
}
{
    printf 'h1\t%s\n' "$(rec '"<img src=x onerror=alert(1)>"' '"<img src=x onerror=alert(1)>"' 2025-01-01T00:00:00Z 1.5)"
    printf 'h2\t%s\n' "$(rec '"<img src=x onerror=alert(1)>"' '"<img src=x onerror=alert(1)>"' 2025-01-01T01:00:00Z 2.5)"
    printf 'h3\t%s\n' "$(rec 99999 '"<script>alert(2)</script>"' 2025-01-01T00:00:00Z 3.5)"
} | wx_kcat -P -t "${P}Output" -K $'\t' || fail "kcat could not produce the hostile records"

for t in Output MaxTemp Outliers DeadLetter; do
    wx_tail_all "$P$t" "$WORK/$t.jsonl"
done
N_OUT=$(wc -l <"$WORK/Output.jsonl")
N_ALL=$(cat "$WORK"/{Output,MaxTemp,Outliers,DeadLetter}.jsonl | wc -l)
[ "$N_OUT" -gt 100 ] || fail "only $N_OUT Output records: the comparison would prove little"
[ -s "$WORK/Outliers.jsonl" ] || fail "no Outliers records to compare"
[ -s "$WORK/DeadLetter.jsonl" ] || fail "no DeadLetter record (the bad line should make one)"
note "$N_ALL records on the four topics ($N_OUT Output)"

# ---------------------------------------------------------------- serve
SERVE_LOG=$WORK/serve.log
start_serve() { # [port]
    "$W" serve --topic-prefix "$P" --listen "127.0.0.1:${1:-0}" >"$WORK/serve.out" 2>>"$SERVE_LOG" &
    echo $! >"$WORK/serve.pid"
    local i
    for i in $(seq 1 100); do
        [ -s "$WORK/serve.out" ] && break
        kill -0 "$(cat "$WORK/serve.pid")" 2>/dev/null || fail "serve exited: $(cat "$SERVE_LOG")"
        sleep 0.1
    done
    URL=$(head -n 1 "$WORK/serve.out")
    [[ "$URL" == http://127.0.0.1:*/ ]] || fail "serve printed no address: '$URL' $(cat "$SERVE_LOG")"
}
start_serve
PORT=${URL##*:}
PORT=${PORT%/}
note "serve at $URL"
for i in $(seq 1 300); do
    got=$(curl -sf "${URL}api/health" | jq -r '.records_total') || got=0
    [ "$got" -ge "$N_ALL" ] && break
    sleep 0.2
done
[ "$got" -eq "$N_ALL" ] || fail "serve read $got records, the topics hold $N_ALL"

# The API: the bad and the unknown get 4xx with a JSON error, never a crash.
code() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
for q in "api/hourly?from=yesterday" "api/hourly?limit=0" "api/hourly?station=" "api/hottest?to=2024-13-01" \
    "api/outliers?limit=abc" "api/outliers?bogus=1" "api/hourly?from=2025-01-02&to=2025-01-01" \
    "api/deadletters?reason=$(printf 'x%.0s' $(seq 40))" "api/hourly?station=%0a"; do
    c=$(code "${URL}$q")
    [ "$c" = 400 ] || fail "GET /$q answered $c, expected 400"
    jq -e '.error | type == "string"' "$WORK/body" >/dev/null || fail "GET /$q: no JSON error body"
done
[ "$(code "${URL}no/such/path")" = 404 ] || fail "an unknown path is not a 404"
[ "$(code -X POST -d x "${URL}api/health")" = 405 ] || fail "POST is not a 405"
[ "$(code "${URL}api/hourly?station=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")" = 200 ] &&
    jq -e '.count == 2' "$WORK/body" >/dev/null || fail "hourly of the hostile station key: $(cat "$WORK/body")"
[ "$(code "${URL}api/hourly?station=$(jq -r 'select(.station_name != null) | .station' "$WORK/Output.jsonl" | head -n 1)&limit=5")" = 200 ] &&
    jq -e '.count == 5 and .truncated' "$WORK/body" >/dev/null || fail "hourly with limit=5: $(head -c 300 "$WORK/body")"
curl -sf "${URL}api/deadletters" | jq -e '.total >= 1 and (.records | length) >= 1' >/dev/null ||
    fail "the dead letter is not in /api/deadletters"
curl -sf "${URL}metrics" >"$WORK/metrics" || fail "/metrics failed"
grep -q "^wxstream_serve_records_total{topic=\"${P}Output\"} $N_OUT\$" "$WORK/metrics" ||
    fail "/metrics does not count $N_OUT Output records: $(grep records_total "$WORK/metrics")"
kill -0 "$(cat "$WORK/serve.pid")" || fail "serve died answering bad requests"
note "API: 400 with a JSON error for bad parameters, 404, 405; /metrics counts the records"

# ---------------------------------------------------------------- the browser
cat >"$WORK/stop.sh" <<EOF
kill \$(cat "$WORK/serve.pid"); while kill -0 \$(cat "$WORK/serve.pid") 2>/dev/null; do sleep 0.1; done
EOF
cat >"$WORK/start.sh" <<EOF
"$W" serve --topic-prefix "$P" --listen "127.0.0.1:$PORT" >"$WORK/serve2.out" 2>>"$SERVE_LOG" & echo \$! >"$WORK/serve.pid"
EOF
jq -n --arg url "$URL" --arg src "$WX_SRC" --arg work "$WORK" --arg screenshot "$SHOT" \
    --arg brokers "$WX_BROKERS" --arg prefix "$P" --arg hostile "$HOSTILE" \
    --arg stop "bash $WORK/stop.sh" --arg start "bash $WORK/start.sh" \
    '{url: $url, src: $src, work: $work, screenshot: $screenshot, brokers: $brokers,
      prefix: $prefix, hostile: $hostile, stop: $stop, start: $start}' >"$WORK/config.json"
timeout 300 node "$WX_SRC/tests/integration/serve_browser.mjs" "$WORK/config.json" ||
    fail "the browser checks failed (serve's log: $(tail -n 5 "$SERVE_LOG"))"
[ -s "$SHOT" ] || fail "no screenshot at $SHOT"
pass "dashboard, API and live updates match the topics in chromium; screenshot $SHOT"
