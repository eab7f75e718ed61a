#!/usr/bin/env bash
# The whole pipeline in one go, on a broker of its own: synthesize a year of the seed's three
# stations, replay it into Kafka, run `wxstream process`, and show what came out. Takes a few
# minutes, then serves the dashboard of the results (`wxstream serve`) until Ctrl-C.
# Usage: scripts/demo.sh [path/to/wxstream]   (make demo builds it first)
# WX_DEMO_SERVE: how long to serve the dashboard: unset = until Ctrl-C when run from a
# terminal and not at all otherwise (so CI and scripts never block); 0 = not at all; N = N s.
# WX_DEMO_HTTP: the dashboard's address (default 127.0.0.1:8787).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-$here/build/wxstream}
[ -x "$W" ] || { echo "demo: $W is not built; run 'make demo'" >&2; exit 1; }
YEAR=${WX_DEMO_YEAR:-2025}
PORT=${WX_DEMO_PORT:-19092}
work=${WX_DEMO_DIR:-$(mktemp -d /tmp/wxstream-demo.XXXXXX)}
export WX_KAFKA_PORT=$PORT WX_KAFKA_DATA=$work/kafka
export WX_BROKERS=127.0.0.1:$PORT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cleanup() { "$here/scripts/kafka.sh" stop > /dev/null 2>&1 || true; }
trap cleanup EXIT

step "Starting a single-node Kafka broker on 127.0.0.1:$PORT (data in $work/kafka)"
"$here/scripts/kafka.sh" start --clean > /dev/null

step "Synthesizing $YEAR for Austin, Bronte and Spokane (SYNTHETIC data, with labelled faults)"
"$W" synth --from "$YEAR" --to "$YEAR" --anomalies --seed 1 --out "$work/data"

step "Replaying the three files into Partitioned (one partition and one producer per file)"
"$W" replay --partition-per-file "$work"/data/*.txt

step "Processing: hourly means, hottest station per hour, outliers (exactly once)"
"$W" process -t Partitioned --exit-idle 5

step "The first hourly means (Output)"
"$W" tail Output --table --count 12 -q

step "The hottest station per hour on $YEAR-07-04 (MaxTemp, UTC hours)"
# The hours arrive from several hour-stage partitions; sort them for reading.
"$W" tail MaxTemp --table --idle 3 -q > "$work/maxtemp.table"
head -n 1 "$work/maxtemp.table"
grep "^$YEAR-07-04T" "$work/maxtemp.table" | sort || echo "(no hour of that day)"

step "Outliers by reason"
"$W" tail Outliers --idle 3 -q | grep -o '"reason":"[a-z]*"' | sort | uniq -c | sort -rn

step "Dead letters by reason"
"$W" tail DeadLetter --idle 3 -q | grep -o '"reason":"[a-z_]*"' | sort | uniq -c | sort -rn || echo "none"

step "Checking the stream against 'wxstream batch' on the same files"
"$W" batch -q --out "$work/batch" "$work"/data/*.txt
for t in Output MaxTemp Outliers; do
    "$W" tail "$t" --idle 3 -q | sort > "$work/stream-$t.jsonl"
    sort "$work/batch/$t.jsonl" > "$work/batch-$t.sorted"
    if cmp -s "$work/batch-$t.sorted" "$work/stream-$t.jsonl"; then
        echo "$t: $(wc -l < "$work/stream-$t.jsonl") records, identical to batch"
    else
        echo "$t: DIFFERS from batch (see $work)"; exit 1
    fi
done
SERVE=${WX_DEMO_SERVE:-}
if [ -z "$SERVE" ]; then
    if [ -t 0 ] && [ -t 1 ]; then SERVE=forever; else SERVE=0; fi
fi
if [ "$SERVE" != 0 ]; then
    limit=()
    [ "$SERVE" = forever ] || limit=(--exit-after "$SERVE")
    step "The dashboard of these results: open the address below$([ "$SERVE" = forever ] && echo "; Ctrl-C stops it" || echo " (for $SERVE s)")"
    # The whole year stays in the index (--retention in hours): 3 stations need about 10 MB.
    "$W" serve --listen "${WX_DEMO_HTTP:-127.0.0.1:8787}" --retention 9000 -q "${limit[@]}" ||
        echo "(serve could not start: is ${WX_DEMO_HTTP:-127.0.0.1:8787} in use? set WX_DEMO_HTTP)"
else
    step "Dashboard skipped (not a terminal, or WX_DEMO_SERVE=0); WX_DEMO_SERVE=600 serves it for 600 s"
fi
step "Done. The broker is stopped; files are in $work"
