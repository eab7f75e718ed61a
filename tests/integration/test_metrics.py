"""Helper of test_metrics.sh: scrapes a wxstream --metrics endpoint, or serve's /metrics, and
checks what it serves with the Prometheus project's own text parser (prometheus_client, pinned
in scripts/install-deps.sh).

  test_metrics.py scrape URL OUT          GET URL (must be 200, text format 0.0.4) into OUT;
                                          exit 3 when nothing answers (the run has ended)
  test_metrics.py http BASE               404, 405, HEAD and a bad request on BASE (host:port)
  test_metrics.py value FILE NAME [L=V..] print the sample's value (nothing if absent)
  test_metrics.py replay FILE KEY=VALUE.. check a replay scrape (see check_replay)
  test_metrics.py process FILE KEY=VALUE.. check a process scrape (see check_process)
  test_metrics.py serve FILE KEY=VALUE..   check a scrape of serve's /metrics (see check_serve)
  test_metrics.py monotone OLD NEW        every counter of NEW >= the same one in OLD

Exit status 0 when every check holds; 1 with the failures on stderr.
"""
import http.client
import socket
import sys
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
    return cond


def parse(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # The real parser: a syntax error raises and fails the test.
    families = {f.name: f for f in text_string_to_metric_families(text)}
    # Every family must have said HELP and TYPE (the parser reports "unknown" otherwise).
    for name, fam in families.items():
        check(fam.type in ("counter", "gauge", "histogram"), f"{name}: type {fam.type}")
        check(fam.documentation != "", f"{name}: no HELP")
    return families


def samples(families, family, sample=None, **labels):
    """Samples of a family (name as the parser reports it: counters without _total)."""
    fam = families.get(family)
    if fam is None:
        return []
    out = []
    for s in fam.samples:
        if sample is not None and s.name != sample:
            continue
        if all(s.labels.get(k) == v for k, v in labels.items()):
            out.append(s)
    return out


def value(families, family, sample=None, **labels):
    found = samples(families, family, sample, **labels)
    return found[0].value if len(found) == 1 else None


def need(families, name, kind):
    fam = families.get(name)
    if check(fam is not None, f"family {name} missing"):
        check(fam.type == kind, f"{name}: type {fam.type}, expected {kind}")
    return fam


def check_histogram(families, name):
    fam = need(families, name, "histogram")
    if fam is None:
        return
    buckets = [s for s in fam.samples if s.name == name + "_bucket"]
    check(len(buckets) >= 2, f"{name}: {len(buckets)} buckets")
    les = [float(s.labels["le"]) for s in buckets]
    check(les == sorted(les), f"{name}: le not ascending: {les}")
    check(les[-1] == float("inf"), f"{name}: last bucket is le={les[-1]}, not +Inf")
    counts = [s.value for s in buckets]
    check(all(a <= b for a, b in zip(counts, counts[1:])), f"{name}: buckets not monotone: {counts}")
    count = value(families, name, name + "_count")
    total = value(families, name, name + "_sum")
    check(count == counts[-1], f"{name}: _count {count} != +Inf bucket {counts[-1]}")
    check(total is not None and total >= 0, f"{name}: _sum {total}")
    return count


def kv(args):
    out = {}
    for a in args:
        k, _, v = a.partition("=")
        out[k] = v
    return out


def check_replay(families, a):
    """topic, files, lines (read so far at least 1), bad_min."""
    topic = a["topic"]
    for name in ("wxstream_replay_files_read", "wxstream_replay_lines_read",
                 "wxstream_replay_bad_lines", "wxstream_replay_records_sent",
                 "wxstream_replay_records_delivered", "wxstream_replay_delivered_bytes",
                 "wxstream_replay_delivery_failures"):
        need(families, name, "counter")
    need(families, "wxstream_replay_files", "gauge")
    need(families, "wxstream_replay_start_time_seconds", "gauge")
    files = value(families, "wxstream_replay_files")
    check(files == float(a["files"]), f"files gauge {files}, expected {a['files']}")
    done = value(families, "wxstream_replay_files_read")
    check(done is not None and 0 <= done <= files, f"files read {done} of {files}")
    lines = value(families, "wxstream_replay_lines_read")
    sent = value(families, "wxstream_replay_records_sent", topic=topic)
    delivered = value(families, "wxstream_replay_records_delivered", topic=topic)
    nbytes = value(families, "wxstream_replay_delivered_bytes", topic=topic)
    failed = value(families, "wxstream_replay_delivery_failures", topic=topic)
    check(lines is not None and lines > 0, f"lines read {lines}, expected > 0")
    check(sent is not None and 0 < sent <= lines, f"records sent {sent} (lines {lines})")
    check(delivered is not None and 0 < delivered <= sent, f"delivered {delivered} (sent {sent})")
    # A JSON record is a few hundred bytes: at least 100 per record delivered.
    check(nbytes is not None and nbytes >= 100 * delivered, f"bytes {nbytes} for {delivered}")
    check(failed == 0, f"delivery failures {failed}")
    start = value(families, "wxstream_replay_start_time_seconds")
    check(start is not None and start > 1.5e9, f"start time {start}")


def check_process(families, a):
    """input, hourly, prefix, consumed (exact input count), partitions, dead_parse_min,
    stations, first_time, last_time."""
    inp, hourly, prefix = a["input"], a["hourly"], a["prefix"]
    for name in ("wxstream_process_records_consumed", "wxstream_process_records_produced",
                 "wxstream_process_dead_letters", "wxstream_process_transactions",
                 "wxstream_process_rewinds", "wxstream_process_consumer_replacements",
                 "wxstream_process_restores", "wxstream_process_snapshots_loaded",
                 "wxstream_process_snapshot_written_bytes"):
        need(families, name, "counter")
    for name in ("wxstream_process_consumer_lag_records", "wxstream_process_snapshot_bytes",
                 "wxstream_process_event_time_seconds", "wxstream_process_stations",
                 "wxstream_process_open_hours", "wxstream_process_hottest_open_hours",
                 "wxstream_process_start_time_seconds"):
        need(families, name, "gauge")
    consumed = value(families, "wxstream_process_records_consumed", topic=inp)
    check(consumed == float(a["consumed"]), f"records consumed from {inp}: {consumed}, "
                                             f"expected {a['consumed']}")
    internal = value(families, "wxstream_process_records_consumed", topic=hourly)
    check(internal is not None and internal > 0, f"records consumed from {hourly}: {internal}")
    for t in ("Output", "MaxTemp", "Outliers", "DeadLetter"):
        v = value(families, "wxstream_process_records_produced", topic=prefix + t)
        check(v is not None and v >= 0, f"records produced to {prefix}{t}: {v}")
    out = value(families, "wxstream_process_records_produced", topic=prefix + "Output")
    check(out is not None and out > 0, f"Output records {out}")
    parse_dead = value(families, "wxstream_process_dead_letters", reason="parse")
    check(parse_dead is not None and parse_dead >= float(a["dead_parse_min"]),
          f"dead letters (parse) {parse_dead}, expected >= {a['dead_parse_min']}")
    reasons = {s.labels["reason"] for s in samples(families, "wxstream_process_dead_letters")}
    check({"parse", "too_long", "station", "duplicate", "late", "internal"} <= reasons,
          f"dead letter reasons {sorted(reasons)}")
    committed = value(families, "wxstream_process_transactions", outcome="committed")
    aborted = value(families, "wxstream_process_transactions", outcome="aborted")
    check(committed is not None and committed > 0, f"transactions committed {committed}")
    check(aborted is not None and aborted >= 0, f"transactions aborted {aborted}")
    n = check_histogram(families, "wxstream_process_commit_duration_seconds")
    # committed and the histogram are updated one after the other: a scrape may fall between
    check(n is not None and committed is not None and abs(n - committed) <= 1,
          f"commit latency count {n}, committed {committed}")
    restores = value(families, "wxstream_process_restores")
    check(restores is not None and restores >= 1, f"restores {restores}")
    written = value(families, "wxstream_process_snapshot_written_bytes")
    check(written is not None and written > 0, f"snapshot bytes written {written}")
    parts = int(a["partitions"])
    lags = samples(families, "wxstream_process_consumer_lag_records", topic=inp)
    check(sorted(s.labels["partition"] for s in lags) == [str(i) for i in range(parts)],
          f"lag series of {inp}: {[s.labels for s in lags]}")
    check(all(s.value >= 0 for s in lags), f"negative lag: {[s.value for s in lags]}")
    check(samples(families, "wxstream_process_consumer_lag_records", topic=hourly) != [],
          f"no lag series of {hourly}")
    first, last = float(a["first_time"]), float(a["last_time"])
    times = samples(families, "wxstream_process_event_time_seconds", topic=inp)
    check(len(times) >= 1, "no event time series")
    for s in times:
        check(first <= s.value <= last,
              f"event time {s.value} of partition {s.labels['partition']} outside the data "
              f"[{first}, {last}]")
    stations = sum(s.value for s in samples(families, "wxstream_process_stations", topic=inp))
    check(stations == float(a["stations"]), f"stations in state {stations}, expected "
                                            f"{a['stations']}")
    for s in samples(families, "wxstream_process_open_hours", topic=inp):
        check(0 <= s.value <= 48 * float(a["stations"]), f"open hours {s.value}")
    snaps = samples(families, "wxstream_process_snapshot_bytes")
    check(any(s.value > 0 for s in snaps), f"snapshot bytes {[s.value for s in snaps]}")
    start = value(families, "wxstream_process_start_time_seconds")
    check(start is not None and start > 1.5e9, f"start time {start}")


def check_serve(families, a):
    """prefix; output, maxtemp, outliers, dead: records on those topics (read_committed);
    clients: live clients connected; stations; first_time, last_time: the data's event time;
    started: a time (Unix s) before serve read its first record."""
    prefix = a["prefix"]
    for name in ("wxstream_serve_records", "wxstream_serve_records_invalid",
                 "wxstream_serve_dead_letters", "wxstream_serve_index_evicted",
                 "wxstream_serve_index_refused", "wxstream_serve_sse_clients_dropped",
                 "wxstream_serve_sse_clients_refused", "wxstream_serve_sse_bursts_held",
                 "wxstream_serve_sse_events",
                 "wxstream_serve_sse_sent_bytes", "wxstream_serve_http_requests",
                 "wxstream_serve_http_errors"):
        need(families, name, "counter")
    for name in ("wxstream_serve_consumer_lag", "wxstream_serve_event_time_seconds",
                 "wxstream_serve_index_bytes", "wxstream_serve_index_stations",
                 "wxstream_serve_index_records", "wxstream_serve_sse_clients",
                 "wxstream_serve_last_record_timestamp_seconds"):
        need(families, name, "gauge")
    kinds = {"Output": "output", "MaxTemp": "maxtemp", "Outliers": "outliers",
             "DeadLetter": "deadletter"}
    want = {t: float(a[k]) for t, k in zip(kinds, ("output", "maxtemp", "outliers", "dead"))}
    total = 0
    for t, n in want.items():
        got = value(families, "wxstream_serve_records", topic=prefix + t)
        check(got == n, f"records read from {prefix}{t}: {got}, the topic holds {n:.0f}")
        total += got or 0
        inv = value(families, "wxstream_serve_records_invalid", topic=prefix + t)
        check(inv == 0, f"invalid records of {prefix}{t}: {inv}")
        lags = samples(families, "wxstream_serve_consumer_lag", topic=prefix + t)
        check(len(lags) >= 1, f"no lag series of {prefix}{t}")
        check(all(s.value == 0 for s in lags),
              f"lag of {prefix}{t} once every record is read: {[s.value for s in lags]}")
    check(total > 0, "serve read no records")
    first, last = float(a["first_time"]), float(a["last_time"])
    for t in ("Output", "MaxTemp"):
        times = samples(families, "wxstream_serve_event_time_seconds", topic=prefix + t)
        check(len(times) >= 1, f"no event time of {prefix}{t}")
        for s in times:
            check(first <= s.value <= last, f"event time {s.value} of {prefix}{t} outside the "
                                            f"data [{first}, {last}]")
    dead = samples(families, "wxstream_serve_dead_letters")
    check(sum(s.value for s in dead) == want["DeadLetter"],
          f"dead letters by reason {[(s.labels, s.value) for s in dead]} do not add up to "
          f"{want['DeadLetter']:.0f}")
    parse = value(families, "wxstream_serve_dead_letters", reason="parse")
    check(parse is not None and parse >= 2, f"dead letters (parse) {parse}, expected >= 2")
    # The index: every Output hour; MaxTemp's last record per hour (a corrected hour replaces
    # the first); every outlier; the recent dead letters (at most --max-dead, 1000).
    idx = {k: value(families, "wxstream_serve_index_records", kind=k) for k in kinds.values()}
    check(idx["output"] == want["Output"], f"index output {idx['output']}, want {want['Output']}")
    check(idx["maxtemp"] is not None and 0 < idx["maxtemp"] <= want["MaxTemp"],
          f"index maxtemp {idx['maxtemp']} (MaxTemp holds {want['MaxTemp']})")
    check(idx["outliers"] == want["Outliers"], f"index outliers {idx['outliers']}")
    check(idx["deadletter"] == min(want["DeadLetter"], 1000), f"index dead {idx['deadletter']}")
    st = value(families, "wxstream_serve_index_stations")
    check(st == float(a["stations"]), f"index stations {st}, expected {a['stations']}")
    nbytes = value(families, "wxstream_serve_index_bytes")
    # a record is kept as its JSON text, a few hundred bytes
    check(nbytes is not None and nbytes > 100 * total, f"index bytes {nbytes} for {total}")
    for name in ("wxstream_serve_index_evicted", "wxstream_serve_index_refused",
                 "wxstream_serve_sse_clients_dropped", "wxstream_serve_sse_clients_refused"):
        v = value(families, name)
        check(v == 0, f"{name} {v}, expected 0")
    clients = value(families, "wxstream_serve_sse_clients")
    check(clients == float(a["clients"]), f"live clients {clients}, expected {a['clients']}")
    events = value(families, "wxstream_serve_sse_events")
    # one live event per record read; health is latest-only, not in the ring
    check(events == total, f"live events {events} for {total} records")
    sent = value(families, "wxstream_serve_sse_sent_bytes")
    check(sent is not None and sent > 0, f"live bytes sent {sent}")
    req = value(families, "wxstream_serve_http_requests")
    check(req is not None and req >= 1, f"HTTP requests {req}")
    e4 = value(families, "wxstream_serve_http_errors", **{"class": "4xx"})
    e5 = value(families, "wxstream_serve_http_errors", **{"class": "5xx"})
    check(e4 is not None and 1 <= e4 <= req, f"HTTP 4xx {e4} (requests {req})")
    check(e5 == 0, f"HTTP 5xx {e5}")
    stamp = value(families, "wxstream_serve_last_record_timestamp_seconds")
    check(stamp is not None and float(a["started"]) <= stamp <= time.time() + 1,
          f"last record at {stamp}, serve started at {a['started']}")


def check_monotone(old, new):
    for name, fam in old.items():
        if fam.type not in ("counter", "histogram"):
            continue
        for s in fam.samples:
            if s.name.endswith("_created"):
                continue
            later = [t.value for t in new.get(name, fam).samples
                     if t.name == s.name and t.labels == s.labels]
            check(later and later[0] >= s.value, f"{s.name}{s.labels} went from {s.value} to "
                                                 f"{later}")


def scrape(url, out):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = r.read()
            ctype = r.headers.get("Content-Type", "")
            status = r.status
    except (urllib.error.URLError, ConnectionError, socket.timeout):
        return 3
    check(status == 200, f"GET {url}: status {status}")
    check(ctype.startswith("text/plain") and "version=0.0.4" in ctype,
          f"GET {url}: Content-Type {ctype!r}")
    with open(out, "wb") as f:
        f.write(body)
    return 0


def request(base, method, path, body=None, raw=None):
    conn = http.client.HTTPConnection(base, timeout=10)
    try:
        if raw is not None:
            conn.connect()
            conn.sock.sendall(raw)
            resp = http.client.HTTPResponse(conn.sock, method="GET")
            resp.begin()
        else:
            conn.request(method, path, body=body)
            resp = conn.getresponse()
        data = resp.read()
        return resp.status, dict(resp.getheaders()), data
    finally:
        conn.close()


def check_http(base):
    status, _, _ = request(base, "GET", "/")
    check(status == 404, f"GET /: {status}, expected 404")
    status, _, _ = request(base, "GET", "/metrics/../etc/passwd")
    check(status == 404, f"GET /metrics/../etc/passwd: {status}, expected 404")
    status, headers, _ = request(base, "POST", "/metrics", body=b"x" * 10000)
    check(status == 405, f"POST /metrics: {status}, expected 405")
    check("GET" in headers.get("Allow", ""), f"405 without Allow: GET ({headers})")
    status, _, _ = request(base, "DELETE", "/metrics")
    check(status == 405, f"DELETE /metrics: {status}, expected 405")
    status, _, data = request(base, "HEAD", "/metrics")
    check(status == 200 and data == b"", f"HEAD /metrics: {status}, {len(data)} bytes")
    # HTTP/1.1 without Host is a bad request
    status, _, _ = request(base, None, None, raw=b"GET /metrics HTTP/1.1\r\n\r\n")
    check(400 <= status < 500, f"HTTP/1.1 without Host: {status}, expected 4xx")
    # not HTTP at all: a 4xx or the connection closed, nothing else
    try:
        status, _, _ = request(base, None, None, raw=b"NONSENSE\x00\xff\r\n\r\n")
        check(400 <= status < 500, f"a malformed request: {status}, expected 4xx")
    except (http.client.HTTPException, ConnectionError):
        pass
    # After all that the endpoint still answers.
    status, _, data = request(base, "GET", "/metrics")
    check(status == 200 and b"# TYPE" in data, f"GET /metrics after bad requests: {status}")


def main(argv):
    cmd = argv[1]
    if cmd == "scrape":
        rc = scrape(argv[2], argv[3])
        if rc:
            return rc
    elif cmd == "http":
        check_http(argv[2])
    elif cmd == "value":
        fams = parse(argv[2])
        v = value(fams, argv[3], None, **kv(argv[4:]))
        if v is not None:
            print(f"{v:.0f}" if v == int(v) else v)
    elif cmd == "replay":
        check_replay(parse(argv[2]), kv(argv[3:]))
    elif cmd == "process":
        check_process(parse(argv[2]), kv(argv[3:]))
    elif cmd == "serve":
        check_serve(parse(argv[2]), kv(argv[3:]))
    elif cmd == "monotone":
        check_monotone(parse(argv[2]), parse(argv[3]))
    else:
        print(f"test_metrics.py: unknown command {cmd}", file=sys.stderr)
        return 2
    for f in FAILURES:
        print(f"  metrics check failed: {f}", file=sys.stderr)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
