#!/usr/bin/env bash
# Bad option values, without a broker: each is a usage error (exit 2) with one line on stderr
# that names the command (none for the shared analytics options), the option, the value and
# what was wanted — "wxstream[ CMD]: --NAME: 'VALUE' is not WANT" (options_bad) — and nothing
# on stdout. The range of --grace is checked with the other analytics settings
# (wx_config_check), so an out-of-range grace says so in those words.
# Usage: bash tests/cli/options.sh path/to/wxstream
set -euo pipefail
WX=${1:?usage: options.sh path/to/wxstream}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# says "the stderr line" cmd args...: exit status 2, exactly that line on stderr, empty stdout
says() {
    local want=$1 rc=0
    shift
    timeout 20 "$WX" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
    [ "$rc" -eq 2 ] || fail "$*: exit $rc, expected 2"
    [ "$(cat "$TMP/err")" = "$want" ] || fail "$*: stderr is '$(head -c 300 "$TMP/err")', expected '$want'"
    [ ! -s "$TMP/out" ] || fail "$*: wrote to stdout: $(head -c 200 "$TMP/out")"
}

# The analytics options (batch and process share them): no command name.
says "wxstream: --min-valid: '99' is not a count from 0 to 12" batch --min-valid 99 f
says "wxstream: --spike-k: '0' is not a positive number" batch --spike-k 0 f
says "wxstream: --hour-assign: 'x' is not interval-end or timestamp" batch --hour-assign x f
says "wxstream: --stuck-minutes: '4' is not minutes from 5 to 10080" batch --stuck-minutes 4 f
says "wxstream: --range-lo: 'cold' is not a temperature" process -b 127.0.0.1:1 --range-lo cold
# --grace is process's only (OPTIONS_STREAMING): batch does not take it.
rc=0
"$WX" batch --grace 5 f >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "unrecognized option '--grace'" "$TMP/err" ||
    fail "batch --grace: exit $rc, $(head -c 200 "$TMP/err")"

# replay
says "wxstream replay: --speed: 'x' is not a factor >= 0" replay --speed x f
says "wxstream replay: --partitions: '0' is not a count from 1 to 100000" replay --partitions 0 f
says "wxstream replay: --format: 'xml' is not json or uscrn" replay --format xml f
says "wxstream replay: --jitter: '-1' is not seconds >= 0" replay --jitter -1 f
says "wxstream replay: --seed: '-1' is not a non-negative integer" replay --seed -1 f
says "wxstream replay: --limit: '-1' is not a count >= 0" replay --limit -1 f
says "wxstream replay: --flush-timeout: '1e6' is not seconds from 0 to 86400" replay --flush-timeout 1e6 f

# tail
says "wxstream tail: --idle: '-1' is not a count >= 0" tail --idle -1
says "wxstream tail: --count: 'x' is not a count >= 0" tail --count x
says "wxstream tail: --count: '-2' is not a count >= 0" tail -c -2

# process (options_int: "a number from LO to HI")
says "wxstream process: --commit-interval: '5' is not a number from 10 to 10000" \
    process -b 127.0.0.1:1 --commit-interval 5
says "wxstream process: --idle-timeout: 'x' is not a number from 0 to 604800" \
    process -b 127.0.0.1:1 --idle-timeout x
says "wxstream process: --partitions: '0' is not a number from 1 to 1024" \
    process -b 127.0.0.1:1 --partitions 0

# process --grace goes through OPTIONS_STREAMING and options_analytics, its range checked once
# in wx_config_check: these two messages changed with that (issue 10 declares them).
says "wxstream process: grace must be 0..604800 seconds, got 999999" \
    process -b 127.0.0.1:1 --grace 999999
says "wxstream: --grace: 'x' is not a number of seconds" process -b 127.0.0.1:1 --grace x
says "wxstream process: grace must be 0..604800 seconds, got -1" \
    process -b 127.0.0.1:1 --grace -1

[ "$FAILS" -eq 0 ] || { echo "$FAILS check(s) failed" >&2; exit 1; }
echo "options: all checks passed"
