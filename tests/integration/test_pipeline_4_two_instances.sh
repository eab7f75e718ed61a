#!/usr/bin/env bash
# Issue 3, test 4: two process instances in one consumer group on a six-partition topic (three
# partitions carry a station each, three are empty): together they equal batch, no duplicates.
source "$(dirname "$0")/pipeline.sh" "$1"
pl_data 10
pl_expect "${DATA_FILES[@]}"
"$W" replay -q --topic-prefix "$PREFIX" --partitions 6 "${DATA_FILES[@]}"
parts=$(kcat -b "$WX_BROKERS" -L -t "${PREFIX}InputData" | grep -c 'partition [0-9]')
[ "$parts" -eq 6 ] || fail "InputData has $parts partitions, expected 6"
pl_process --instance-id a > "$WORK/a.log" 2>&1 &
PIDS+=($!)
pl_process --instance-id b > "$WORK/b.log" 2>&1 &
PIDS+=($!)
for pid in "${PIDS[@]}"; do
    wait "$pid" || { cat "$WORK/a.log" "$WORK/b.log"; fail "an instance failed"; }
done
PIDS=()
pl_compare
pass "two instances, six partitions: equals batch"
