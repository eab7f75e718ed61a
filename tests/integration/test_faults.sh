#!/usr/bin/env bash
# Injected broker faults against `process`, on librdkafka's mock cluster (no Kafka broker needed):
# protocol errors on produce, offset-commit and transaction calls, brokers down for a while or
# for good. Each scenario must end either equal to `wxstream batch` (retried: no gap, no
# duplicate) or with exit 1 and a clear message (fatal: nothing written twice). The harness is
# tests/faults/test_faults.c; the scenarios and what the mock can and cannot show are in
# docs/faults.md.
#
# Usage: bash tests/integration/test_faults.sh path/to/wxstream
# Environment:
#   WX_FAULTS_BIN        the harness (default: tests/faults/test_faults in wxstream's build dir)
#   WX_FAULTS_SCENARIOS  run only these (space-separated; default: all, see `test_faults --list`)
#   WX_FAULTS_SKIP       leave these out (space-separated)
#   WX_FAULTS_JOBS       scenarios at once (default 6; each has its own mock cluster)
#   WX_FAULTS_KEEP=1     keep the logs even when everything passed
# One scenario again: test_faults --wx build/wxstream SCENARIO (logs under the printed work dir).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$1"
W=$(wx_bin)
BIN=${WX_FAULTS_BIN:-$(cd "$(dirname "$W")" && pwd)/tests/faults/test_faults}
[ -x "$BIN" ] || fail "the fault harness $BIN is not built (it needs -DWX_KAFKA=ON; or set WX_FAULTS_BIN)"

args=(--wx "$W" --jobs "${WX_FAULTS_JOBS:-6}")
[ "${WX_FAULTS_KEEP:-0}" = 1 ] && args+=(--keep)
for s in ${WX_FAULTS_SKIP:-}; do
    args+=(--skip "$s")
done
# shellcheck disable=SC2206
scenarios=(${WX_FAULTS_SCENARIOS:-})

note "harness $BIN"
rc=0
# Every scenario has its own time limit (60 s, 90 s for a broker gone for good) and the harness
# runs six at once: the whole set takes about 2 minutes. This bound is only a backstop.
timeout -k 10 600 "$BIN" "${args[@]}" "${scenarios[@]}" || rc=$?
case $rc in
0) pass "every fault scenario passed" ;;
124 | 137) fail "the fault harness did not finish within 600 s" ;;
1) fail "fault scenarios failed (see FAIL above; logs in the work dir it printed)" ;;
*) fail "the fault harness could not run (exit $rc)" ;;
esac
