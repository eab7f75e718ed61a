# Shared steps of the pipeline integration tests (sourced): synthesize data, compute the
# expected records with `wxstream batch`, and compare a topic's records with them.
# Usage in a test: source pipeline.sh "$1"; then pl_* functions; finish with pl_done.
# shellcheck shell=bash
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

W=${1:?usage: $0 path/to/wxstream}
wx_need_broker
PREFIX=$(wx_topic_prefix)
WORK=$(mktemp -d)
PIDS=()
pl_cleanup() {
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap pl_cleanup EXIT

# pl_data DAYS [synth options...]: the seed's three stations, with labelled anomalies.
pl_data() {
    local days=$1
    shift
    "$W" synth --days "$days" --seed 11 --anomalies --out "$WORK/data" "$@" 2> "$WORK/synth.log"
    DATA_FILES=("$WORK"/data/*.txt)
}

# pl_expect [batch options] FILES...: batch's records in $WORK/expected.
pl_expect() {
    "$W" batch -q --out "$WORK/expected" "$@"
}

# pl_process [process options...]: one instance in the foreground, until the input is done.
pl_process() {
    timeout 300 "$W" process -q --topic-prefix "$PREFIX" --exit-idle 3 "$@"
}

# pl_compare [TOPIC...]: every record of each result topic equals batch's, as sets (MaxTemp:
# the last record of each hour).
pl_compare() {
    local topics=("$@")
    [ ${#topics[@]} -gt 0 ] || topics=(Output MaxTemp Outliers)
    mkdir -p "$WORK/got"
    for t in "${topics[@]}"; do
        wx_tail_all "$PREFIX$t" "$WORK/got/$t.jsonl"
        if [ "$t" = MaxTemp ]; then
            # A station that reported after its hour was decided makes a corrected record: the
            # last record of each hour counts (ARCHITECTURE.md). How many were corrections:
            local all
            all=$(wc -l < "$WORK/got/$t.jsonl")
            wx_last_per_hour "$WORK/got/$t.jsonl" > "$WORK/got/$t.last.jsonl"
            echo "MaxTemp: $all records, $((all - $(wc -l < "$WORK/got/$t.last.jsonl"))) of them superseded by a correction"
            mv "$WORK/got/$t.last.jsonl" "$WORK/got/$t.jsonl"
        fi
        wx_compare_sets "$t" "$WORK/expected/$t.jsonl" "$WORK/got/$t.jsonl"
    done
    local n
    n=$(wc -l < "$WORK/expected/Output.jsonl")
    [ "$n" -gt 0 ] || fail "batch produced no Output records: the comparison would prove nothing"
}
