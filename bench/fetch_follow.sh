#!/usr/bin/env bash
# fetch and follow against the local NCEI stand-in (tests/httpd/wx_httpd, on this machine):
#  1. fetch of 10 station-years, time and bytes, next to curl fetching the same files in the same
#     run (both 4 transfers at once), then a second fetch (should transfer nothing);
#  2. follow's cost when nothing changed: requests and body bytes per poll per station.
# Usage: bench/fetch_follow.sh [BUILD_DIR]   (starts the Kafka broker for part 2)
set -euo pipefail
export LC_ALL=C
B=${1:-build}
W=$B/wxstream
HTTPD=$B/tests/httpd/wx_httpd
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
site=$tmp/site
mkdir -p "$site/subhourly01"
cp "$here/../tests/data/ncei-stations.tsv" "$site/stations.tsv"
"$W" synth -s austin -s bronte -s spokane -s boulder --from 2024 --to 2025 --out "$tmp/s" 2>/dev/null
"$W" synth -s austin -s bronte --from 2023 --to 2023 --out "$tmp/s" 2>/dev/null
for f in "$tmp"/s/*.txt; do
    n=${f##*/SYNTH-}
    y=${n:12:4}
    mkdir -p "$site/subhourly01/$y"
    mv "$f" "$site/subhourly01/$y/$n"
done
files=$(cd "$site" && ls subhourly01/*/*.txt)
nfiles=$(echo "$files" | wc -l)
"$HTTPD" --root "$site" --port-file "$tmp/port" --log "$tmp/http.log" &
pid=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
base="http://127.0.0.1:$(cat "$tmp/port")"

t() { local t0=$EPOCHREALTIME; "$@" >/dev/null 2>&1; awk -v a="$t0" -v z="$EPOCHREALTIME" 'BEGIN { printf "%.3f", z - a }'; }
curl_args=()
for f in $files; do curl_args+=(-o "$tmp/curl/${f##*/}" "$base/$f"); done
mkdir -p "$tmp/curl"
echo "# $nfiles station-years ($(du -cb "$site"/subhourly01/*/*.txt | tail -1 | cut -f1) bytes) from $base"
echo "\$ curl --parallel --parallel-max 4 -s -o ... (each file)"
tc=$(t curl --parallel --parallel-max 4 -s "${curl_args[@]}")
bc=$(du -cb "$tmp"/curl/*.txt | tail -1 | cut -f1)
echo "\$ $W fetch --stations austin,bronte,spokane,boulder --years 2023-2025 --parallel 4 --out DIR"
: > "$tmp/http.log"
tf=$(t "$W" fetch --stations austin,bronte,spokane,boulder --years 2023-2025 --parallel 4 \
    --out "$tmp/mirror" --base-url "$base")
bf=$(awk '{ s += $5 } END { print s }' "$tmp/http.log")
: > "$tmp/http.log"
t2=$(t "$W" fetch --stations austin,bronte,spokane,boulder --years 2023-2025 --parallel 4 \
    --out "$tmp/mirror" --base-url "$base")
b2=$(awk '$2 ~ /CRNS/ && $4 != 404 { s += $5 } END { print s + 0 }' "$tmp/http.log")
r2=$(awk '$2 ~ /CRNS/ && $4 != 404' "$tmp/http.log" | wc -l)
c304=$(awk '$4 == 304' "$tmp/http.log" | wc -l)
printf "| %-34s | %8s s | %12s bytes |\n" "curl (baseline)" "$tc" "$bc"
printf "| %-34s | %8s s | %12s bytes | %.2fx curl's time |\n" "wxstream fetch" "$tf" "$bf" \
    "$(awk -v a="$tf" -v b="$tc" 'BEGIN { print a / b }')"
printf "| %-34s | %8s s | %12s bytes | %s requests, %s answered 304 |\n" "second wxstream fetch" "$t2" "$b2" "$r2" "$c304"

# 2. follow when nothing changes: the current year's files (2025) of the four stations
export WX_KAFKA_PORT=${WX_KAFKA_PORT:-9092}
WX_BROKERS=$("$here/../scripts/kafka.sh" start 2>/dev/null | tail -n 1)
export WX_BROKERS
prefix="bench$$."
"$W" follow --stations austin,bronte,spokane,boulder --year 2025 --polls 1 -q \
    --base-url "$base" --topic-prefix "$prefix" 2>/dev/null
: > "$tmp/http.log"
polls=5
echo "\$ $W follow --stations austin,bronte,spokane,boulder --year 2025 --polls $polls --interval 1 (nothing changes)"
"$W" follow --stations austin,bronte,spokane,boulder --year 2025 --polls "$polls" --interval 1 -q \
    --base-url "$base" --topic-prefix "$prefix" 2>/dev/null
awk -v p="$polls" -v s=4 '$2 ~ /CRNS/ { n++; b += $5; st[$4]++ }
    END { printf "follow, nothing changed: %.2f requests and %.1f body bytes per poll per station (", n / p / s, b / p / s;
          for (k in st) printf "%s x%d ", k, st[k]; print ")" }' "$tmp/http.log"
