#!/usr/bin/env bash
# Issue 4: kill -9 at random moments never changes the answer. CI runs a bounded set:
# WX_KILL_RUNS single-instance runs (default 20, each killed 1-3 times and restarted), two
# takeovers (one of two instances killed for good) and two instances joining mid-run. Seeds come
# from WX_KILL_SEED (default: the date), and each run prints its own; replay one with
#   WX_KILL_SEED=S WX_KILL_RUNS=1 tests/integration/test_kill9.sh build/wxstream
# The soak is the same with WX_KILL_RUNS=200 (docs/recovery.md).
source "$(dirname "$0")/kill9.sh" "$1"
base=${WX_KILL_SEED:-$(date +%Y%m%d)}
runs=${WX_KILL_RUNS:-20}
note "base seed $base, $runs single-instance runs"
for (( r = 0; r < runs; r++ )); do
    kill9_run single $(( base + r ))
done
for (( r = 0; r < ${WX_KILL_TAKEOVERS:-2}; r++ )); do
    kill9_run takeover $(( base + 1000 + r ))
done
for (( r = 0; r < ${WX_KILL_JOINS:-2}; r++ )); do
    kill9_run join $(( base + 2000 + r ))
done
pass "$runs kill -9 runs, takeovers and joins: every result equals batch"
