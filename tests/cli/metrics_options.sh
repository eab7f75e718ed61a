#!/usr/bin/env bash
# --metrics without a broker: --help of process and replay names it with its default and the
# safe choice; a malformed address is a usage error (2) before anything else; the endpoint
# answers as soon as the run starts (here, while process waits for a broker that is not there):
# GET /metrics 200 in the text format 0.0.4, other paths 404, other methods 405.
# Usage: bash tests/cli/metrics_options.sh path/to/wxstream
set -euo pipefail

WX=${1:?usage: metrics_options.sh path/to/wxstream}
TMP=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$TMP"' EXIT
FAILS=0

fail() {
    echo "FAIL: $*" >&2
    FAILS=$((FAILS + 1))
}

run() {
    RC=0
    "$@" >"$TMP/out" 2>"$TMP/err" || RC=$?
}

expect_rc() { # expected-status description
    [ "$RC" -eq "$1" ] || fail "$2: exit status $RC, expected $1 (stderr: $(head -c 300 "$TMP/err"))"
}

for cmd in process replay; do
    run "$WX" "$cmd" --help
    expect_rc 0 "$cmd --help"
    grep -q -- '--metrics ADDR' "$TMP/out" || fail "$cmd --help does not name --metrics"
    grep -q '127.0.0.1:PORT is the safe' "$TMP/out" || fail "$cmd --help does not give the safe choice"
    grep -q 'default: off' "$TMP/out" || fail "$cmd --help gives no default for --metrics"
    for bad in :9464 127.0.0.1 127.0.0.1:65536 127.0.0.1:x ::1:9464 ""; do
        if [ "$cmd" = process ]; then
            run "$WX" process -b 127.0.0.1:1 --metrics "$bad"
        else
            run "$WX" replay -b 127.0.0.1:1 --metrics "$bad" "$TMP/none.txt"
        fi
        expect_rc 2 "$cmd --metrics '$bad'"
        grep -q -- '--metrics' "$TMP/err" || fail "$cmd --metrics '$bad' says: $(cat "$TMP/err")"
    done
done

# The endpoint of a process that has no broker (it would give up after about 15 s).
: >"$TMP/proc.err" # exists before the background job opens it
"$WX" process -b 127.0.0.1:1 --topic-prefix cli. --metrics 127.0.0.1:0 2>"$TMP/proc.err" &
pid=$!
addr=""
for ((i = 0; i < 100; i++)); do
    addr=$(sed -n 's|.*metrics at http://\(.*\)/metrics$|\1|p' "$TMP/proc.err" | head -n 1)
    [ -n "$addr" ] && break
    sleep 0.1
done
if [ -z "$addr" ]; then
    fail "process logged no metrics address: $(cat "$TMP/proc.err")"
else
    python3 - "$addr" <<'PY' || fail "the endpoint of process answered wrongly"
import sys, urllib.request, urllib.error
base = "http://" + sys.argv[1]
def status(path, method="GET"):
    req = urllib.request.Request(base + path, method=method, data=b"x" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), ""
ok = True
s, ctype, body = status("/metrics")
if s != 200 or "version=0.0.4" not in ctype or "# TYPE wxstream_process_transactions_total counter" not in body:
    print(f"GET /metrics: {s} {ctype!r} {body[:200]!r}", file=sys.stderr); ok = False
for path, method, want in (("/", "GET", 404), ("/metrics2", "GET", 404), ("/metrics", "POST", 405),
                           ("/metrics", "PUT", 405)):
    s = status(path, method)[0]
    if s != want:
        print(f"{method} {path}: {s}, expected {want}", file=sys.stderr); ok = False
sys.exit(0 if ok else 1)
PY
fi
kill -KILL "$pid" 2>/dev/null || true # it is in set-up, where SIGTERM waits for the broker
wait "$pid" 2>/dev/null || true
pid=""

if [ "$FAILS" -gt 0 ]; then
    echo "metrics_options: $FAILS failed" >&2
    exit 1
fi
echo "metrics_options: all passed"
