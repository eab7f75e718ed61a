#!/usr/bin/env bash
# Every benchmark, one after the other (make bench). Each prints the command that reproduces it,
# its baseline from the same run, and the ratio. Usage: bench/run.sh [BUILD_DIR]
set -euo pipefail
B=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
echo "== batch throughput"
"$here/batch_throughput.sh" "$B" 1
echo
echo "== JSON reader"
"$B/bench/json_parse"
echo
echo "== outlier detection quality"
"$here/outlier_quality.sh" "$B" 1
echo
echo "== Kafka: replay and process throughput, process memory"
"$here/kafka_throughput.sh" "$B" 3
echo
echo "== recovery after kill -9"
"$here/recovery.sh" "$B" 5
echo
echo "== what idle work alone costs process on this machine (the floor under serve's load test)"
"$here/idle_interference.sh" "$B" 4
echo
echo "== serve under load (200 live clients, 50 API requests/s, process on a backlog)"
"$here/serve_load.sh" "$B" 60 200 50 2
echo
echo "== serve's live latency (replay --speed 300, closing reading -> result on a live client)"
"$here/serve_latency.sh" "$B" 150 300 50 200
echo
echo "== fetch and follow against the local NCEI stand-in"
"$here/fetch_follow.sh" "$B"
