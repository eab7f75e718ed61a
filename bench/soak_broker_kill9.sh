#!/usr/bin/env bash
# Issue 9's soak (not in CI): RUNS runs of tests/integration/test_broker_kill9.sh's scenario
# (three instances, --commit-records 50, random kill -9 of instances every 2-6 s, the broker
# killed with SIGKILL and started again ~15 s later, a finish phase with --exit-idle 3; every
# topic compared with batch), each a separate seed, continuing past a failure; then REPLAY_RUNS
# runs of test_replay_broker_kill9.sh (replay with its broker killed: every reading in the topic,
# copies counted exactly in the summary). Prints runs and failures, and keeps the log of every
# failing run in the directory it names.
# Usage: bench/soak_broker_kill9.sh [WXSTREAM] [RUNS] [REPLAY_RUNS]   (default build/wxstream 100 10)
# Uses the broker of $WX_KAFKA_PORT (scripts/kafka.sh); about 90 s a run.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-$here/build/wxstream}
RUNS=${2:-100}
REPLAY_RUNS=${3:-10}
base=${WX_KILL_SEED:-$(date +%s)}
logs=$(mktemp -d "${TMPDIR:-/tmp}/soak-broker-kill9.XXXXXX")
echo "command: bench/soak_broker_kill9.sh $W $RUNS $REPLAY_RUNS (base seed $base, logs of failures in $logs)"
failures=0 waits=0 restarts=0
for (( r = 0; r < RUNS; r++ )); do
    seed=$(( base + r ))
    t0=$(date +%s)
    if WX_KILL_SEED=$seed WX_BROKER_KILL_RUNS=1 bash "$here/tests/integration/test_broker_kill9.sh" "$W" > "$logs/run-$seed.log" 2>&1; then
        line=$(grep -m1 '^run broker' "$logs/run-$seed.log")
        w=$(printf '%s\n' "$line" | sed -n 's/.*snapshot\/offset waits \([0-9]*\).*/\1/p')
        waits=$(( waits + ${w:-0} ))
        f=$(printf '%s\n' "$line" | sed -n 's/.*finish-restarts=\([0-9]*\).*/\1/p')
        restarts=$(( restarts + ${f:-0} ))
        echo "run $((r + 1))/$RUNS seed $seed: ok in $(( $(date +%s) - t0 )) s (${line#run broker })"
        rm -f "$logs/run-$seed.log"
    else
        failures=$(( failures + 1 ))
        echo "run $((r + 1))/$RUNS seed $seed: FAILED ($(grep -m1 'FAIL' "$logs/run-$seed.log" | cut -c1-200)); log $logs/run-$seed.log"
    fi
done
replay_failures=0
for (( r = 0; r < REPLAY_RUNS; r++ )); do
    if WX_REPLAY_KILL_RUNS=1 bash "$here/tests/integration/test_replay_broker_kill9.sh" "$W" > "$logs/replay-$r.log" 2>&1; then
        echo "replay run $((r + 1))/$REPLAY_RUNS: ok ($(grep -m1 'written twice (summary' "$logs/replay-$r.log" | sed 's/^ *- //; s/ (summary.*//'))"
        rm -f "$logs/replay-$r.log"
    else
        replay_failures=$(( replay_failures + 1 ))
        echo "replay run $((r + 1))/$REPLAY_RUNS: FAILED; log $logs/replay-$r.log"
    fi
done
echo "result: process $RUNS runs, $failures failed ($waits snapshot/offset mismatches waited out, $restarts finish-phase restarts); replay $REPLAY_RUNS runs, $replay_failures failed"
[ "$failures" -eq 0 ] && [ "$replay_failures" -eq 0 ]
