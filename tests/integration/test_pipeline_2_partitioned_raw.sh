#!/usr/bin/env bash
# Issue 3, test 2: Partitioned with three partitions fed by three producer threads, raw USCRN
# lines: equals batch.
source "$(dirname "$0")/pipeline.sh" "$1"
pl_data 10
# Raw lines name no source file: process writes source_file null, as batch --source-file record.
pl_expect --source-file record "${DATA_FILES[@]}"
"$W" replay -q --topic-prefix "$PREFIX" --partition-per-file --format uscrn "${DATA_FILES[@]}"
parts=$(kcat -b "$WX_BROKERS" -L -t "${PREFIX}Partitioned" | grep -c 'partition [0-9]')
[ "$parts" -eq 3 ] || fail "Partitioned has $parts partitions, expected 3"
pl_process -t Partitioned
pl_compare
pass "Partitioned, 3 partitions, raw lines: equals batch"
