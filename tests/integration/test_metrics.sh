#!/usr/bin/env bash
# --metrics of replay and process against the real broker: each endpoint is scraped while its
# run is under way and parsed by the Prometheus project's own text parser (prometheus_client,
# test_metrics.py): the families of docs/metrics.md exist with their types, HELP and TYPE, and
# sensible values — replay's lines and records going up, process's records in equal to the
# input, commits > 0 with a commit-latency histogram whose buckets are monotone and end at +Inf,
# lag per assigned partition, event time inside the data, the stations in state. Counters never
# go down between two scrapes. Other paths are 404, other methods 405, a malformed request 4xx,
# and the endpoint still answers afterwards. A bad --metrics address is a usage error (2), an
# address in use a runtime failure (1). serve, started before process with one live client,
# is scraped on its /metrics (docs/serve.md): records read per topic equal to what the topics
# hold, no lag, event times inside the data, dead letters by reason adding up, the index's
# gauges, the live-client gauge 1 and then 0 once the client has left.
# Usage: bash tests/integration/test_metrics.sh path/to/wxstream
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$1"
W=$(wx_bin)
wx_need curl
PYENV=${WX_VENV:-$HOME/.cache/wxstream/venv}
PY=$PYENV/bin/python3
[ -x "$PY" ] && "$PY" -c 'import prometheus_client' 2>/dev/null ||
    fail "prometheus_client is not installed in $PYENV (run scripts/install-deps.sh)"
HELPER=$(dirname "$0")/test_metrics.py
wx_need_broker
P=$(wx_topic_prefix)
WORK=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wx_delete_topics "$P"
    rm -rf "$WORK"
}
trap cleanup EXIT
note "broker $WX_BROKERS, topics under $P"

# The address a run logs on stderr ("metrics at http://127.0.0.1:PORT/metrics"), waiting for it
# (the file may not exist yet: the run in the background opens it).
metrics_addr() {
    local err=$1 i addr
    for ((i = 0; i < 150; i++)); do
        addr=$(sed -n 's|.*metrics at http://\(.*\)/metrics$|\1|p' "$err" 2>/dev/null | head -n 1 || true)
        [ -n "$addr" ] && { echo "$addr"; return 0; }
        sleep 0.1
    done
    fail "no 'metrics at' line from the run: $(head -c 2000 "$err")"
}

# Three synthetic days of the seed's three stations, and a file of lines that do not decode.
"$W" synth --days 3 --out "$WORK/in" 2>"$WORK/synth.err" || fail "synth: $(cat "$WORK/synth.err")"
printf 'this is not a USCRN line\nnor is this one\n' >"$WORK/in/bad.txt"
N=$(cat "$WORK"/in/*.txt | wc -l)
note "$N lines in 4 files"

# ------------------------------------------------------------------ bad addresses
WX_OUT=$WORK/run.out WX_ERR=$WORK/run.err
wx_run "$W" process --topic-prefix "$P" --metrics :9464
wx_expect_eq "process --metrics :9464 (no host): exit status" 2 "$WX_RC"
grep -q 'names no host' "$WX_ERR" || fail "process --metrics :9464 says: $(cat "$WX_ERR")"
wx_run "$W" replay --topic-prefix "$P" --metrics 127.0.0.1:99999 "$WORK/in/bad.txt"
wx_expect_eq "replay --metrics 127.0.0.1:99999: exit status" 2 "$WX_RC"

# ------------------------------------------------------------------ replay, scraped while it runs
# Three days of event time at 20000x: about 13 s, time for the checks below under load.
"$W" replay --topic-prefix "$P" --partitions 2 --speed 20000 --metrics 127.0.0.1:0 \
    "$WORK"/in/*.txt >"$WORK/replay.out" 2>"$WORK/replay.err" &
rpid=$!
pids+=("$rpid")
RADDR=$(metrics_addr "$WORK/replay.err")
note "replay serves metrics at $RADDR"
case $RADDR in 127.0.0.1:*) ;; *) fail "replay listens on $RADDR, not 127.0.0.1" ;; esac
sleep 1
"$PY" "$HELPER" scrape "http://$RADDR/metrics" "$WORK/r1.prom" || fail "scraping replay failed"
"$PY" "$HELPER" replay "$WORK/r1.prom" topic="${P}InputData" files=4 ||
    fail "replay's metrics (first scrape): $(head -c 3000 "$WORK/r1.prom")"
# An address in use is a runtime failure, before anything is sent.
wx_run "$W" replay --topic-prefix "${P}x." --metrics "$RADDR" "$WORK/in/bad.txt"
wx_expect_eq "replay --metrics on an address in use: exit status" 1 "$WX_RC"
grep -q 'cannot listen' "$WX_ERR" || fail "address in use: $(cat "$WX_ERR")"
"$PY" "$HELPER" http "$RADDR" || fail "replay's endpoint answered bad requests wrongly"
sleep 1
"$PY" "$HELPER" scrape "http://$RADDR/metrics" "$WORK/r2.prom" ||
    fail "scraping replay a second time failed (did it end already? $(cat "$WORK/replay.err"))"
"$PY" "$HELPER" replay "$WORK/r2.prom" topic="${P}InputData" files=4 || fail "replay's metrics (second scrape)"
"$PY" "$HELPER" monotone "$WORK/r1.prom" "$WORK/r2.prom" || fail "a replay counter went down"
l1=$("$PY" "$HELPER" value "$WORK/r1.prom" wxstream_replay_lines_read)
l2=$("$PY" "$HELPER" value "$WORK/r2.prom" wxstream_replay_lines_read)
note "replay: $l1 then $l2 lines read"
[ "$l2" -gt "$l1" ] || fail "replay's lines read did not go up between scrapes ($l1, $l2)"
wait "$rpid" || fail "replay exited $?: $(cat "$WORK/replay.err")"
grep -q "$N delivered, 0 failed" "$WORK/replay.err" || fail "replay: $(cat "$WORK/replay.err")"

# ------------------------------------------------------------------ serve, started before process
# serve reads the four result topics while process writes them, with one live (SSE) client.
# The page is test_serve_browser.sh's business: an empty uPlot stands in for the real one.
mkdir "$WORK/uplot"
: >"$WORK/uplot/uPlot.iife.min.js"
SERVE_STARTED=$(date +%s)
"$W" serve --topic-prefix "$P" --listen 127.0.0.1:0 --web-lib "$WORK/uplot" \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
spid=$!
pids+=("$spid")
for ((i = 0; i < 150; i++)); do
    [ -s "$WORK/serve.out" ] && break
    kill -0 "$spid" 2>/dev/null || fail "serve exited: $(cat "$WORK/serve.err")"
    sleep 0.1
done
SURL=$(head -n 1 "$WORK/serve.out")
[[ "$SURL" == http://127.0.0.1:*/ ]] ||
    fail "serve printed no address: '$SURL' $(cat "$WORK/serve.err")"
note "serve at $SURL"
curl -sN "${SURL}events" >"$WORK/events.out" 2>/dev/null &
cpid=$!
pids+=("$cpid")
curl -s -o /dev/null "${SURL}no/such/path" # a 404, counted in http_errors_total{class="4xx"}

# ------------------------------------------------------------------ process, scraped while it runs
# --exit-idle 10: the scrapes below (a python start each) must finish while process still runs
"$W" process --topic-prefix "$P" --exit-idle 10 --metrics 127.0.0.1:0 \
    >"$WORK/process.out" 2>"$WORK/process.err" &
ppid=$!
pids+=("$ppid")
PADDR=$(metrics_addr "$WORK/process.err")
note "process serves metrics at $PADDR"
# bad requests first: on a loaded machine the run may be over soon after its input is read
"$PY" "$HELPER" http "$PADDR" || fail "process's endpoint answered bad requests wrongly"
got=0 scrapes=0
prev=""
for ((i = 0; i < 600; i++)); do
    rc=0
    "$PY" "$HELPER" scrape "http://$PADDR/metrics" "$WORK/p.prom" || rc=$?
    [ "$rc" -eq 3 ] && break # the run has ended
    [ "$rc" -eq 0 ] || fail "scraping process failed"
    scrapes=$((scrapes + 1))
    if [ -n "$prev" ]; then
        "$PY" "$HELPER" monotone "$prev" "$WORK/p.prom" || fail "a process counter went down"
    fi
    cp "$WORK/p.prom" "$WORK/p.prev"
    prev=$WORK/p.prev
    in=$("$PY" "$HELPER" value "$WORK/p.prom" wxstream_process_records_consumed topic="${P}InputData")
    commits=$("$PY" "$HELPER" value "$WORK/p.prom" wxstream_process_transactions outcome=committed)
    # and the internal topic read back: a caught-up run commits at once, before it reads it
    hr=$("$PY" "$HELPER" value "$WORK/p.prom" wxstream_process_records_consumed topic="${P}wxstream-hourly")
    if [ "${in:-0}" = "$N" ] && [ "${commits:-0}" -gt 0 ] && [ "${hr:-0}" != 0 ]; then
        got=1
        break
    fi
    sleep 0.2
done
[ "$got" = 1 ] || fail "no scrape of process showed all $N records consumed and a commit" \
    "($scrapes scrapes; last: $(head -c 3000 "$WORK/p.prom"); stderr: $(cat "$WORK/process.err"))"
note "process: all $N records in after $scrapes scrapes, $commits commits"
"$PY" "$HELPER" process "$WORK/p.prom" input="${P}InputData" hourly="${P}wxstream-hourly" \
    prefix="$P" consumed="$N" partitions=2 dead_parse_min=2 stations=3 \
    first_time=1735689600 last_time=1736035200 ||
    fail "process's metrics: $(cat "$WORK/p.prom")"
"$PY" "$HELPER" scrape "${SURL}metrics" "$WORK/s1.prom" || fail "scraping serve failed"
wait "$ppid" || fail "process exited $?: $(cat "$WORK/process.err")"

# ------------------------------------------------------------------ serve's /metrics
# What the topics hold (read_committed, as serve reads them); serve has read it all when its
# /metrics says so — scraped until every check holds, or 60 s.
declare -A held
for t in Output MaxTemp Outliers DeadLetter; do
    wx_tail_all "$P$t" "$WORK/$t.jsonl"
    held[$t]=$(wc -l <"$WORK/$t.jsonl")
done
note "the topics hold ${held[Output]} Output, ${held[MaxTemp]} MaxTemp," \
    "${held[Outliers]} Outliers, ${held[DeadLetter]} DeadLetter records"
serve_args=(prefix="$P" output="${held[Output]}" maxtemp="${held[MaxTemp]}"
    outliers="${held[Outliers]}" dead="${held[DeadLetter]}" stations=3
    first_time=1735689600 last_time=1736035200 started="$SERVE_STARTED")
ok=0
for ((i = 0; i < 120; i++)); do
    "$PY" "$HELPER" scrape "${SURL}metrics" "$WORK/s2.prom" || fail "scraping serve failed"
    if "$PY" "$HELPER" serve "$WORK/s2.prom" "${serve_args[@]}" clients=1 2>/dev/null; then
        ok=1
        break
    fi
    sleep 0.5
done
[ "$ok" = 1 ] || { "$PY" "$HELPER" serve "$WORK/s2.prom" "${serve_args[@]}" clients=1 || true
    fail "serve's metrics: $(cat "$WORK/s2.prom")"; }
"$PY" "$HELPER" monotone "$WORK/s1.prom" "$WORK/s2.prom" || fail "a serve counter went down"
[ -s "$WORK/events.out" ] || fail "the live client received nothing"
# Values are read at each scrape: the live client leaves, and the gauge follows.
kill "$cpid" 2>/dev/null || true
wait "$cpid" 2>/dev/null || true
clients=1
for ((i = 0; i < 60; i++)); do
    "$PY" "$HELPER" scrape "${SURL}metrics" "$WORK/s3.prom" || fail "scraping serve failed"
    clients=$("$PY" "$HELPER" value "$WORK/s3.prom" wxstream_serve_sse_clients)
    [ "$clients" = 0 ] && break
    sleep 0.5
done
[ "$clients" = 0 ] || fail "wxstream_serve_sse_clients is $clients after the client left"
"$PY" "$HELPER" serve "$WORK/s3.prom" "${serve_args[@]}" clients=0 ||
    fail "serve's metrics after the client left: $(cat "$WORK/s3.prom")"
n_serve=$("$PY" "$HELPER" value "$WORK/s3.prom" wxstream_serve_records topic="${P}Output")
kill "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true
pass "replay, process and serve metrics parsed by prometheus_client; $scrapes process scrapes;" \
    "serve read $n_serve Output records"
