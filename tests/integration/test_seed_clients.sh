#!/usr/bin/env bash
# Issue 8: the seed's own clients work with wxstream unchanged. A producer written the way the
# seed's notebook wrote it (Python, confluent_kafka, pandas.read_csv of the USCRN files, iterrows
# + json.dumps(row.to_dict()) with source_file, files ONE AFTER ANOTHER, no key) feeds
# InputData on the real broker; `wxstream process` reads it; every topic equals `wxstream batch`
# on the same files (MaxTemp: the last record of each hour), nothing late, nothing missing; then
# a consumer written the way the seed's was (confluent_kafka Consumer, json.loads, pandas
# DataFrame) selects each station by its number and finds the seed's field types.
#
# Needs the PyPI packages scripts/install-deps.sh puts in ~/.cache/wxstream/venv (WX_VENV).
# WX_SEED_INTERLEAVE=1 makes the producer send the rows merged by time instead, and
# WX_SEED_PROCESS_OPTS adds options to process (e.g. "--grace 604800"): checks of the records
# alone, apart from how process handles event time.
source "$(dirname "$0")/pipeline.sh" "$1"
wx_need jq
VENV=${WX_VENV:-$HOME/.cache/wxstream/venv}
PY=$VENV/bin/python
[ -x "$PY" ] && "$PY" -c 'import confluent_kafka, pandas' 2>/dev/null ||
    fail "no Python with confluent_kafka and pandas in $VENV (run scripts/install-deps.sh)"
SEED=$WX_SRC/tests/integration/seed/seed_clients.py

# A few days of the seed's three stations (Austin 23907, Bronte 3072, Spokane 4136), with
# labelled faults so Outliers has records.
pl_data 3
pl_expect "${DATA_FILES[@]}"
note "batch: $(wc -l < "$WORK/expected/Output.jsonl") Output, $(wc -l < "$WORK/expected/MaxTemp.jsonl") MaxTemp, $(wc -l < "$WORK/expected/Outliers.jsonl") Outliers, $(wc -l < "$WORK/expected/DeadLetter.jsonl") DeadLetter"
[ -s "$WORK/expected/Outliers.jsonl" ] || fail "batch found no outliers: the Outliers check would prove nothing"

"$PY" "$SEED" produce "$WX_BROKERS" "${PREFIX}InputData" "${DATA_FILES[@]}" ||
    fail "the seed's producer failed"
# shellcheck disable=SC2086
pl_process ${WX_SEED_PROCESS_OPTS:-} > "$WORK/process.log" 2>&1 || { cat "$WORK/process.log" >&2; fail "process failed"; }

# Every topic equals batch; MaxTemp: the last record of each hour (a hour may be corrected).
pl_compare Output Outliers
mkdir -p "$WORK/got"
wx_tail_all "${PREFIX}MaxTemp" "$WORK/got/MaxTemp.all.jsonl"
jq -c -s 'group_by(.window_start) | map(last) | .[]' "$WORK/got/MaxTemp.all.jsonl" \
    > "$WORK/got/MaxTemp.jsonl" || fail "MaxTemp records are not JSON"
# jq rewrites numbers and spacing: compare batch's records passed through the same jq.
jq -c -s 'group_by(.window_start) | map(last) | .[]' "$WORK/expected/MaxTemp.jsonl" \
    > "$WORK/expected/MaxTemp.last.jsonl"
wx_compare_sets "MaxTemp (last record per hour)" "$WORK/expected/MaxTemp.last.jsonl" \
    "$WORK/got/MaxTemp.jsonl"
wx_tail_all "${PREFIX}DeadLetter" "$WORK/got/DeadLetter.jsonl"
if [ -s "$WORK/got/DeadLetter.jsonl" ]; then
    note "DeadLetter by reason: $(grep -o '"reason":"[a-z_]*"' "$WORK/got/DeadLetter.jsonl" | sort | uniq -c | tr '\n' ' ')"
    fail "$(wc -l < "$WORK/got/DeadLetter.jsonl") dead letters (batch has $(wc -l < "$WORK/expected/DeadLetter.jsonl")): nothing may be late or missing"
fi

"$PY" "$SEED" consume "$WX_BROKERS" "$PREFIX" 23907 3072 4136 ||
    fail "the seed's consumer could not use the records"
wx_delete_topics "$PREFIX"
pass "the seed's producer (file after file) and consumer work with process; results equal batch"
