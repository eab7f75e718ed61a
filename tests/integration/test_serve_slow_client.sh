#!/usr/bin/env bash
# A live client that stops reading never holds serve's consumer up: with an event ring of 4096
# (--client-queue; 1.7 MB, much less than the burst), 40 000 records produced while one client is connected but never reads
# are all read by serve promptly; the stalled client is dropped and counted
# (sse.dropped_total, wxstream_serve_sse_clients_dropped_total); serve keeps answering.
# Usage: bash tests/integration/test_serve_slow_client.sh path/to/wxstream
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$1"
W=$(wx_bin)
wx_need node curl jq
wx_need_broker
P=$(wx_topic_prefix)
WORK=$(mktemp -d)
cleanup() {
    [ -n "${SERVE_PID:-}" ] && kill "$SERVE_PID" 2>/dev/null || true
    [ -n "${NODE_PID:-}" ] && kill "$NODE_PID" 2>/dev/null || true
    rm -rf "$WORK"
    wx_delete_topics "$P"
}
trap cleanup EXIT
N=40000
note "broker $WX_BROKERS, topics under $P"

# N Output records, one hour each (a few of them kept under the retention, all read)
awk -v n="$N" 'BEGIN {
    for (i = 0; i < n; i++) {
        t = 1704067200 + i * 3600
        printf "{\"station\":\"03072\",\"mean_temp\":%d.5,\"count\":12,\"expected\":12,\"partial\":false,\"window_start\":\"@%d\",\"station_name\":\"TX Bronte 11 NNE\",\"pad\":\"%0200d\"}\n", i % 40, t, 0
    }
}' >"$WORK/raw.jsonl"
# window_start as ISO-8601 (date -d is too slow for 40 000 lines: one date(1) call)
cut -d@ -f2 "$WORK/raw.jsonl" | cut -d'"' -f1 | sed 's/^/@/' | date -u -f - +%Y-%m-%dT%H:%M:%SZ >"$WORK/iso"
paste -d'\t' "$WORK/iso" "$WORK/raw.jsonl" | awk -F'\t' '{ sub(/@[0-9]+/, $1, $2); print $2 }' >"$WORK/records.jsonl"
[ "$(wc -l <"$WORK/records.jsonl")" -eq "$N" ] || fail "could not make $N records"
printf 'x\n' | wx_kcat -P -t "${P}Output" || fail "kcat could not create the topic" # one invalid record
# the topic exists now; serve starts, the clients connect, then the records come
"$W" serve -q --topic-prefix "$P" --listen 127.0.0.1:0 --client-queue 4096 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVE_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/serve.out" ] && break; sleep 0.1; done
URL=$(head -n 1 "$WORK/serve.out")
[[ "$URL" == http://* ]] || fail "serve printed no address: $(cat "$WORK/serve.err")"
for _ in $(seq 1 100); do
    [ "$(curl -sf "${URL}api/health" | jq '.topics[0].partitions | length')" = 1 ] && break
    sleep 0.2
done
WANT=$((N + 1)) # and the invalid one
node "$WX_SRC/tests/integration/serve_slow_client.mjs" "$URL" "$WANT" 120 >"$WORK/client.out" &
NODE_PID=$!
for _ in $(seq 1 50); do grep -q connected "$WORK/client.out" 2>/dev/null && break; sleep 0.1; done
sleep 1
# the two live streams' threads run as idle work (SCHED_IDLE = 5, docs/serve.md); serve's main
# thread (the consumer) does not. The policy is field 41 of /proc/PID/task/TID/stat (39 after
# the command name's closing parenthesis).
policy() { sed 's/.*) //' "$1" 2>/dev/null | awk '{ print $39 }'; }
idle=0
for _ in $(seq 1 100); do # the clients' connections may still be on their way
    idle=0
    for t in /proc/"$SERVE_PID"/task/*; do
        [ "$(policy "$t/stat")" = 5 ] && idle=$((idle + 1))
    done
    [ "$idle" -ge 2 ] && break
    sleep 0.1
done
[ "$idle" -eq 2 ] || fail "expected the 2 live streams' threads as SCHED_IDLE, found $idle"
[ "$(policy "/proc/$SERVE_PID/stat")" = 0 ] || fail "serve's consumer thread is not SCHED_OTHER"
wx_kcat -P -t "${P}Output" -l "$WORK/records.jsonl" || fail "kcat could not produce"
wait "$NODE_PID" || fail "the client script failed"
NODE_PID=
r=$(tail -n 1 "$WORK/client.out")
note "after the burst: $r"
[ "$(jq '.records_total' <<<"$r")" -eq "$WANT" ] && [ "$(jq '.seconds' <<<"$r")" != null ] ||
    fail "serve read $(jq '.records_total' <<<"$r") of $WANT records within 120 s: a stalled client held it up?"
# The reading client keeps up (then exactly one drop: the stalled client's), or on a loaded
# machine fell a ring behind too (then both were dropped): either way the stalled one was.
if [ "$(jq '.read' <<<"$r")" -eq "$N" ]; then
    [ "$(jq '.dropped' <<<"$r")" -eq 1 ] || fail "expected exactly the stalled client dropped: $r"
    note "the reading client received all $N events; the stalled one was dropped"
else
    [ "$(jq '.dropped' <<<"$r")" -eq 2 ] || fail "the client that never reads was not dropped: $r"
    note "the machine was slow: the reading client fell behind too and was dropped with the stalled one"
fi
curl -sf "${URL}metrics" | grep -Eq '^wxstream_serve_sse_clients_dropped_total [1-9]' ||
    fail "/metrics does not count the dropped client"
curl -sf "${URL}api/health" >/dev/null || fail "serve stopped answering"
kill -0 "$SERVE_PID" || fail "serve died"
pass "a stalled live client is dropped and counted; serve read all $N records in $(jq '.seconds' <<<"$r") s"
