#!/usr/bin/env bash
# Builds the libFuzzer harnesses and runs each for a while on its corpus (`make fuzz`).
#
#   fuzz/run.sh [BUILD_DIR [SECONDS [HARNESS...]]]     defaults: build-fuzz 60 uscrn json stream
#
# New corpus entries go to BUILD_DIR/fuzz/corpus/HARNESS (fuzz/corpus/ holds only the seeds);
# a crash or failed check is saved as BUILD_DIR/fuzz/artifacts/HARNESS/crash-<sha1> and the
# script goes on with the next harness, then exits 1. Reproduce one with
#   BUILD_DIR/fuzz/fuzz_HARNESS BUILD_DIR/fuzz/artifacts/HARNESS/crash-<sha1>
# Extra libFuzzer flags: FUZZ_FLAGS="-fork=2" fuzz/run.sh ... (two processes; the summary then has no exec count)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${1:-build-fuzz}
SECS=${2:-60}
shift $(( $# < 2 ? $# : 2 ))
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(uscrn json stream)
JOBS=$(nproc 2>/dev/null || echo 2)

run() { echo "+ $*"; "$@"; }
CC=clang run cmake -S . -B "$BUILD" -DWX_KAFKA=OFF -DWX_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
targets=()
for h in "${HARNESSES[@]}"; do targets+=("fuzz_$h"); done
echo "+ cmake --build $BUILD -j $JOBS --target ${targets[*]}"
cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}" \
    > "$BUILD/fuzz-build.log" 2>&1 || { cat "$BUILD/fuzz-build.log"; exit 1; }

cat fuzz/uscrn.dict fuzz/json.dict fuzz/stream.dict > "$BUILD/fuzz/stream-all.dict"
status=0
summary=()
for h in "${HARNESSES[@]}"; do
    case "$h" in
        uscrn) dict=fuzz/uscrn.dict; maxlen=1100 ;;
        json) dict=fuzz/json.dict; maxlen=4096 ;;
        stream) dict="$BUILD/fuzz/stream-all.dict"; maxlen=32768 ;;
        *) echo "run.sh: unknown harness: $h" >&2; exit 2 ;;
    esac
    corpus="$BUILD/fuzz/corpus/$h"
    artifacts="$BUILD/fuzz/artifacts/$h"
    log="$BUILD/fuzz/$h.log"
    mkdir -p "$corpus" "$artifacts"
    # shellcheck disable=SC2206
    cmd=("$BUILD/fuzz/fuzz_$h" -max_total_time="$SECS" -max_len="$maxlen" -dict="$dict"
         -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_FLAGS:-} "$corpus" "fuzz/corpus/$h")
    echo "+ ${cmd[*]}"
    if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "${cmd[@]}" > "$log" 2>&1; then
        result=ok
    else
        result="FAILED (see $log)"
        status=1
        grep -E 'check failed|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|Test unit written' \
            "$log" | head -5 || true
    fi
    execs=$(awk '/stat::number_of_executed_units/ {print $NF}' "$log" | tail -1)
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1)
    summary+=("fuzz_$h: ${execs:-?} execs in ${SECS}s, ${cov:-cov: ?}, corpus $(find "$corpus" -type f | wc -l) files: $result")
done
printf '%s\n' "${summary[@]}"
exit $status
