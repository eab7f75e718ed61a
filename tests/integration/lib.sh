# Helpers for the integration tests (sourced; bash). Every test runs against the real Kafka
# broker that scripts/kafka.sh starts, with topic names under a prefix of its own, so tests never
# see each other's records and a broker can be shared.
#
#   source "$(dirname "$0")/lib.sh" "$1"    # $1: the wxstream binary (also $WX)
#   wx_need_broker                          # start (or reuse) the broker; WX_BROKERS exported
#   P=$(wx_topic_prefix)                    # "t1234-5678." unique to this run
#   wx_tail_all TOPIC OUT                   # every record of TOPIC into OUT (JSON lines)
#   wx_compare_sets NAME EXPECTED ACTUAL    # equal as multisets, or fail with the difference
#   wx_last_per_hour FILE                   # MaxTemp records, the last of each hour
#   fail MSG / pass MSG                     # FAIL ends the test (exit 1); PASS just reports
#   wx_broker_kill9 / wx_broker_start       # SIGKILL the test broker / start it again
#
# Environment: WX_SRC (source tree; default: two levels up from here), WX_TEST_DATA (default
# $WX_SRC/tests/data), WX_KEEP_TOPICS=1 keeps the test's topics (wx_delete_topics does nothing).
# A test that cannot get a broker FAILS: it is never skipped.
# shellcheck shell=bash

WX=${WX:-${1:-}}
WX_SRC=${WX_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WX_TEST_DATA=${WX_TEST_DATA:-$WX_SRC/tests/data}
export WX_SRC WX_TEST_DATA
# Every broker start a test makes (scripts/kafka.sh start) may take up to 180 s: a loaded
# machine, a broker recovering many logs after a SIGKILL.
export WX_KAFKA_START_TIMEOUT=${WX_KAFKA_START_TIMEOUT:-180}
WX_TEST_NAME=${WX_TEST_NAME:-$(basename "$0" .sh)}

fail() {
    echo "FAIL: $WX_TEST_NAME: $*" >&2
    exit 1
}

pass() {
    echo "PASS: $WX_TEST_NAME: $*" >&2
}

# Progress notes, so a log shows how far a test got.
note() {
    echo "  - $*" >&2
}

# The wxstream binary: $WX, or $W as some tests name it.
wx_bin() {
    local b=${WX:-${W:-}}
    [ -n "$b" ] && [ -x "$b" ] || fail "no wxstream binary (pass its path as \$1; got '${b}')"
    echo "$b"
}

# Fails unless each named program is installed.
wx_need() {
    local p
    for p in "$@"; do
        command -v "$p" >/dev/null 2>&1 || fail "$p is not installed (scripts/install-deps.sh)"
    done
}

# Starts the broker through the script a user runs (idempotent: an answering broker is reused)
# and exports WX_BROKERS, which every wxstream command takes as its default -b.
wx_need_broker() {
    local out
    wx_need kcat
    if ! out=$(WX_KAFKA_START_TIMEOUT=${WX_KAFKA_START_TIMEOUT:-180} "$WX_SRC/scripts/kafka.sh" start 2>"${TMPDIR:-/tmp}/wx-broker-start.$$.log"); then
        echo "######################################################################" >&2
        echo "FAIL: $WX_TEST_NAME: the Kafka broker could not be started:" >&2
        sed 's/^/    /' "${TMPDIR:-/tmp}/wx-broker-start.$$.log" >&2
        echo "######################################################################" >&2
        rm -f "${TMPDIR:-/tmp}/wx-broker-start.$$.log"
        exit 1
    fi
    rm -f "${TMPDIR:-/tmp}/wx-broker-start.$$.log"
    WX_BROKERS=$(printf '%s\n' "$out" | tail -n 1)
    [ -n "$WX_BROKERS" ] || fail "scripts/kafka.sh start printed no bootstrap address"
    export WX_BROKERS
}

# A topic prefix unique to this run ("t<pid>-<random>."). Call once and keep the value.
wx_topic_prefix() {
    echo "t$$-$RANDOM."
}

# kcat against the test broker.
wx_kcat() {
    kcat -b "$WX_BROKERS" "$@"
}

# wx_tail_all TOPIC OUTFILE [tail options...]: every record of TOPIC (read_committed), one JSON
# line each, until 3 s pass without a record.
wx_tail_all() {
    local topic=$1 out=$2
    shift 2
    "$(wx_bin)" tail -q --idle 3 "$@" "$topic" >"$out" ||
        fail "wxstream tail $topic failed (exit $?)"
}

# wx_last_per_hour FILE: the last MaxTemp record of each hour (by window_start), in file order —
# what a reader that keeps the last record per hour has (a station that reported after its hour
# was decided makes a corrected record). The topic has one partition: file order is commit order.
wx_last_per_hour() {
    awk '{ if (match($0, /"window_start":"[^"]*"/)) k = substr($0, RSTART, RLENGTH); else k = $0;
           if (!(k in last)) order[n++] = k; last[k] = $0 }
         END { for (i = 0; i < n; i++) print last[order[i]] }' "$1"
}

# The lines of FILE, sorted bytewise.
wx_sorted() {
    LC_ALL=C sort "$1"
}

# wx_compare_sets NAME EXPECTED ACTUAL: the two files hold the same lines, as multisets (order
# ignored). Reports the counts, and on a difference the missing and extra lines and the lines
# ACTUAL has more than once (each list cut at 5 lines), then fails.
wx_compare_sets() {
    local name=$1 exp=$2 act=$3
    [ -f "$exp" ] || fail "$name: expected file $exp does not exist"
    [ -f "$act" ] || fail "$name: actual file $act does not exist"
    local d
    d=$(mktemp -d)
    wx_sorted "$exp" >"$d/exp"
    wx_sorted "$act" >"$d/act"
    local ne na
    ne=$(wc -l <"$d/exp")
    na=$(wc -l <"$d/act")
    if cmp -s "$d/exp" "$d/act"; then
        note "$name: $na records, equal to the $ne expected"
        rm -rf "$d"
        return 0
    fi
    LC_ALL=C comm -23 "$d/exp" "$d/act" >"$d/missing"
    LC_ALL=C comm -13 "$d/exp" "$d/act" >"$d/extra"
    uniq -d "$d/act" >"$d/dup"
    {
        echo "$name: expected $ne records, got $na:" \
            "$(wc -l <"$d/missing") missing, $(wc -l <"$d/extra") extra," \
            "$(wc -l <"$d/dup") distinct lines duplicated"
        if [ -s "$d/missing" ]; then
            echo "  missing (first 5):"
            head -n 5 "$d/missing" | cut -c1-400 | sed 's/^/    /'
        fi
        if [ -s "$d/extra" ]; then
            echo "  extra (first 5):"
            head -n 5 "$d/extra" | cut -c1-400 | sed 's/^/    /'
        fi
        if [ -s "$d/dup" ]; then
            echo "  duplicated (first 5):"
            head -n 5 "$d/dup" | cut -c1-400 | sed 's/^/    /'
        fi
    } >&2
    rm -rf "$d"
    fail "$name: records differ from the expected set"
}

# wx_expect_eq WHAT EXPECTED ACTUAL
wx_expect_eq() {
    [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# wx_run CMD...: runs CMD, never aborting the test; sets WX_RC, and WX_OUT / WX_ERR to files
# holding its stdout and stderr (valid until the next wx_run).
wx_run() {
    WX_OUT=${WX_OUT:-$(mktemp)}
    WX_ERR=${WX_ERR:-$(mktemp)}
    WX_RC=0
    "$@" >"$WX_OUT" 2>"$WX_ERR" || WX_RC=$?
}

# wx_delete_topics PREFIX: deletes the topics whose names start with PREFIX (unless
# WX_KEEP_TOPICS=1), so repeated runs do not fill the broker's disk. Best effort.
wx_delete_topics() {
    [ "${WX_KEEP_TOPICS:-0}" = 1 ] && return 0
    local re
    re=$(printf '%s' "$1" | sed 's/[.[\*^$()+?{|]/\\&/g')
    "$WX_SRC/scripts/kafka.sh" topics --delete --topic "$re.*" >/dev/null 2>&1 || true
}

# wx_broker_kill9: kills the test broker with SIGKILL (a crash: no clean shutdown, no flush).
# Only the broker scripts/kafka.sh started for this port (its pid file, checked against
# /proc), never another java process.
wx_broker_kill9() {
    local data=${WX_KAFKA_DATA:-/tmp/wxstream-kafka-${WX_KAFKA_PORT:-9092}} pid
    pid=$(tr -dc '0-9' <"$data/kafka.pid" 2>/dev/null || true)
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $data/server.properties" ||
        fail "no broker of ours to kill (pid file $data/kafka.pid)"
    kill -9 "$pid"
    while [ -e "/proc/$pid" ]; do sleep 0.1; done
}

# wx_broker_start: starts the test broker again (after wx_broker_kill9) through the script a
# user runs; fails the test if it does not come up.
wx_broker_start() {
    WX_KAFKA_START_TIMEOUT=${WX_KAFKA_START_TIMEOUT:-180} "$WX_SRC/scripts/kafka.sh" start >/dev/null 2>&1 || fail "the broker did not come back"
}
