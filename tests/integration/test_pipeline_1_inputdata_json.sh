#!/usr/bin/env bash
# Issue 3, test 1: InputData with one partition, the seed's JSON records: every record on
# Output, MaxTemp and Outliers equals what batch computes from the same files.
source "$(dirname "$0")/pipeline.sh" "$1"
pl_data 10
pl_expect "${DATA_FILES[@]}"
"$W" replay -q --topic-prefix "$PREFIX" --format json "${DATA_FILES[@]}"
pl_process
pl_compare
pass "InputData, 1 partition, JSON: equals batch"
