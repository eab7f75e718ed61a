#!/usr/bin/env bash
# Issue 3, test 3: the same data replayed with readings shuffled within the grace period
# (replay --jitter 600 < grace 900): equals batch, and nothing is late.
source "$(dirname "$0")/pipeline.sh" "$1"
pl_data 10
pl_expect "${DATA_FILES[@]}"
"$W" replay -q --topic-prefix "$PREFIX" --jitter 600 --seed 5 "${DATA_FILES[@]}"
# The shuffle must really reorder: count readings that arrive before an earlier one.
inversions=$(kcat -b "$WX_BROKERS" -C -e -q -t "${PREFIX}InputData" -f '%k %T\n' |
    awk '{ if ($1 in last && $2 < last[$1]) n++; if ($2 > last[$1]) last[$1] = $2 } END { print n + 0 }')
[ "$inversions" -gt 100 ] || fail "only $inversions out-of-order readings: the shuffle did not shuffle"
echo "readings out of order: $inversions"
pl_process --grace 900
pl_compare
late=$(grep -c '"reason":"late"' <(wx_tail_all "${PREFIX}DeadLetter" /dev/stdout) || true)
[ "$late" -eq 0 ] || fail "$late readings were late although shuffled within the grace period"
pass "shuffled within the grace period: equals batch"
