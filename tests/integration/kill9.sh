# kill -9 harness (sourced by test_kill9.sh; usable for a soak, see docs/recovery.md).
#
# Each run replays a station-year of the seed's three stations into fresh topics, runs
# `wxstream process`, kills instances with SIGKILL at random moments, restarts or replaces them,
# and when the run is over compares every record of Output, MaxTemp and Outliers (read
# read_committed) with `wxstream batch`: identical sets, no duplicates, nothing missing.
# Every run prints its seed; `kill9_run MODE SEED` replays one exactly.
# shellcheck shell=bash
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

W=${1:?usage: $0 path/to/wxstream}
WX=$W
wx_need_broker
K9_WORK=$(mktemp -d)
K9_PIDS=()
K9_FAILING_RUN=""
k9_cleanup() {
    local pid
    if [ -n "$K9_FAILING_RUN" ]; then
        echo "FAILED RUN: kill9_run $K9_FAILING_RUN (replay: WX_KILL_SEED=<seed> WX_KILL_RUNS=1); its process log:" >&2
        cat "$K9_FAILING_DIR"/*.log >&2 2>/dev/null || true
    fi
    for pid in "${K9_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    rm -rf "$K9_WORK"
}
trap k9_cleanup EXIT

# The data and the expected records, once for every run.
K9_DAYS=${WX_KILL_DAYS:-365}
"$W" synth --days "$K9_DAYS" --seed 21 --anomalies --out "$K9_WORK/data" 2>/dev/null
K9_FILES=("$K9_WORK"/data/*.txt)
# Runs replay raw lines (--format uscrn), which name no source file: --source-file record.
"$W" batch -q --source-file record --out "$K9_WORK/expected" "${K9_FILES[@]}"
note "data: $(cat "${K9_FILES[@]}" | wc -l) readings; expected $(wc -l < "$K9_WORK/expected/Output.jsonl") Output, $(wc -l < "$K9_WORK/expected/MaxTemp.jsonl") MaxTemp, $(wc -l < "$K9_WORK/expected/Outliers.jsonl") Outliers"

# Random delay in ms from the run's own generator (bash RANDOM, seeded per run).
k9_delay_ms() { echo $(( $1 + RANDOM % ($2 - $1 + 1) )); }
k9_sleep_ms() { sleep "$(printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )))"; }

k9_start() { # k9_start PREFIX INSTANCE LOG: one process in the background; its pid in K9_PID
    "$W" process -q --topic-prefix "$1" --instance-id "$2" --exit-idle "${K9_EXIT_IDLE:-3}" \
        --commit-interval "${K9_COMMIT_MS:-200}" >> "$3" 2>&1 &
    K9_PID=$!
    K9_PIDS+=("$K9_PID")
}

k9_alive() { kill -0 "$1" 2>/dev/null; }

k9_dump() { # k9_dump TOPIC OUT: every committed record, to the end of the topic
    kcat -b "$WX_BROKERS" -C -e -q -t "$1" -X isolation.level=read_committed -f '%s\n' > "$2"
}

k9_compare() { # k9_compare PREFIX RUNDIR
    local t
    for t in Output MaxTemp Outliers; do
        k9_dump "$1$t" "$2/$t.jsonl"
        wx_compare_sets "$t" "$K9_WORK/expected/$t.jsonl" "$2/$t.jsonl"
    done
}

# kill9_run MODE SEED
#   single   one instance, killed 1-3 times at random moments, restarted each time
#   takeover two instances, one killed for good: the other takes its partitions over
#   join     one instance, a second joins at a random moment (rebalance), both finish
kill9_run() {
    local mode=$1 seed=$2 prefix dir kills=0 pid pid2
    RANDOM=$seed
    prefix="k9-$seed-$$."
    dir="$K9_WORK/run-$mode-$seed"
    mkdir -p "$dir"
    "$W" replay -q --format uscrn --topic-prefix "$prefix" --partitions 3 "${K9_FILES[@]}"
    case $mode in
    single)
        local n_kills=$(( 1 + RANDOM % 3 )) i d
        k9_start "$prefix" 0 "$dir/p.log"; pid=$K9_PID
        for (( i = 0; i < n_kills; i++ )); do
            d=$(k9_delay_ms 100 2500)
            k9_sleep_ms "$d"
            if k9_alive "$pid"; then
                kill -9 "$pid"; wait "$pid" 2>/dev/null || true
                kills=$((kills + 1))
                echo "killed after ${d} ms" >> "$dir/p.log"
                k9_start "$prefix" 0 "$dir/p.log"; pid=$K9_PID
            fi
        done
        wait "$pid" || { cat "$dir/p.log" >&2; fail "run $mode $seed: process failed"; }
        ;;
    takeover)
        k9_start "$prefix" a "$dir/a.log"; pid=$K9_PID
        k9_start "$prefix" b "$dir/b.log"; pid2=$K9_PID
        k9_sleep_ms "$(k9_delay_ms 500 2500)"
        if k9_alive "$pid"; then kill -9 "$pid"; kills=1; fi
        wait "$pid" 2>/dev/null || true
        wait "$pid2" || { cat "$dir/a.log" "$dir/b.log" >&2; fail "run $mode $seed: the surviving instance failed"; }
        ;;
    join)
        k9_start "$prefix" a "$dir/a.log"; pid=$K9_PID
        k9_sleep_ms "$(k9_delay_ms 200 2000)"
        k9_start "$prefix" b "$dir/b.log"; pid2=$K9_PID
        wait "$pid" || { cat "$dir/a.log" "$dir/b.log" >&2; fail "run $mode $seed: instance a failed"; }
        wait "$pid2" || { cat "$dir/a.log" "$dir/b.log" >&2; fail "run $mode $seed: instance b failed"; }
        ;;
    *) fail "unknown mode $mode" ;;
    esac
    K9_PIDS=()
    # wx_compare_sets fails (exits) on a difference: show the run's logs first.
    K9_FAILING_RUN="$mode $seed"
    K9_FAILING_DIR=$dir
    k9_compare "$prefix" "$dir"
    K9_FAILING_RUN=
    echo "run $mode seed=$seed kills=$kills: Output, MaxTemp, Outliers equal batch" >&2
    wx_delete_topics "$prefix"
    rm -rf "$dir"
}
