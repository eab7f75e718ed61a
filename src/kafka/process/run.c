/* run.c: the loop (proc_loop_t). It polls the consumer and hands each message to input.c; the
 * rest of each turn, at most once a millisecond, is housekeeping(): every periodic chore, in
 * one place, each with its named period (process.h). */
#include <stdio.h>
#include <unistd.h>

#include "process.h"

void proc_fail(proc_t *p, const char *fmt, const char *detail)
{
    if (!p->loop.failed)
        wx_log(CMD, fmt, detail);
    p->loop.failed = true;
    p->loop.stopping = true;
}

/* Whether every assigned input partition has read all there is: the run is caught up (live
 * input), and its results would only wait for the interval. The internal partitions are not
 * asked: at an hour's end they hold this transaction's own summaries, unreadable until it
 * commits. */
static bool caught_up(const proc_t *p)
{
    bool any = false;
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        if (!p->state.in[i])
            continue;
        /* the end its last fetch reported: no wait for the end-of-partition event, which
         * librdkafka sends only with the next, empty, fetch (up to fetch.wait.max.ms later) */
        if (!p->state.in[i]->eof && !eoi_input_at_cached_end(p, i))
            return false;
        any = true;
    }
    return any;
}

/* When the open transaction is committed: at --commit-interval, when full (--commit-records,
 * or an abort is due) or very large; and, so that a live result is visible within
 * milliseconds rather than half an interval, as soon as the run is caught up with results in
 * the transaction (never more often than PROC_LIVE_COMMIT_MS). A backlog never meets its end,
 * so its transactions keep their length. */
static bool commit_due(const proc_t *p, int64_t now, bool full)
{
    const int64_t age = now - p->txn.last_commit_ms;
    return full || age >= p->set.commit_interval_ms || p->txn.records > 100000 ||
           (p->txn.records > 0 && age >= PROC_LIVE_COMMIT_MS && caught_up(p));
}

/* The chores of one turn of the loop, in this order; full: the transaction has consumed
 * --commit-records (or must be aborted). Returns true when the loop must end (done, *stuck
 * when with hours it could not decide; or failed). */
static bool housekeeping(proc_t *p, int64_t now, bool full, bool *stuck)
{
    fetch_nudge_check(p->cons.nudge, p->set.input, p->cons.nudge_parts, p->cons.n_nudge_parts);
    rd_kafka_poll(p->txn.producer, 0); /* delivery reports */
    health_check_brokers(p, now);      /* its probe: PROC_BROKER_PROBE_PERIOD_MS */
    if (p->set.exit_idle_s > 0) {
        if (proc_due(&p->eoi.caught_up_ms, now, PROC_CAUGHT_UP_PERIOD_MS))
            notice_caught_up(p, now);
        eoi_flush_quiet_inputs(p, now);
    }
    if (p->txn.in_txn && commit_due(p, now, full)) {
        input_report_progress(p); /* an idle partition's progress changes without any input */
        if (p->txn.consumed > 0 || p->txn.records > 0) {
            txn_commit(p);
            txn_begin(p);
        } else {
            p->txn.last_commit_ms = now;
        }
    }
    if (!p->set.quiet && p->loop.tty &&
        proc_due(&p->rep.progress_line_ms, now, PROC_PROGRESS_PERIOD_MS))
        progress_line(p, now);
    publish_metrics(p, now); /* PROC_METRICS_PERIOD_MS, checked inside: commits publish too */
    if (p->set.exit_idle_s > 0 && eoi_finished(p, now, stuck))
        return true;
    if (p->cons.awaiting_assignment &&
        now - p->cons.assigned_ms > p->set.broker_timeout_s * 1000LL) {
        proc_fail(p, "%s", "no partition assignment from the consumer group within "
                           "--broker-timeout (is the broker reachable?)");
        return true;
    }
    return false;
}

/* Runs until SIGINT/SIGTERM, a failure, or (--exit-idle) the end of the input; commits what
 * is in flight unless the run failed. Returns 0, or -1 (failed or stuck). */
int proc_run(proc_t *p)
{
    p->loop.started_ms = p->txn.last_commit_ms = p->cons.assigned_ms =
        p->txn.last_output_commit_ms = proc_now_ms();
    p->loop.tty = isatty(STDERR_FILENO);
    p->cons.awaiting_assignment = true;
    int64_t last_tick = 0;
    bool stuck = false;
    while (!p->loop.failed) {
        if (wx_stop_requested())
            break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(p->cons.consumer, 50);
        int64_t now = proc_now_ms();
        if (m) {
            input_handle(p, m, now);
            rd_kafka_message_destroy(m);
        }
        if (p->cons.fenced) {
            consumer_replace(p);
            continue; /* p->cons.consumer is new (or the run failed) */
        }
        bool full = p->txn.in_txn &&
                    (p->txn.consumed >= p->set.commit_records || p->txn.abort_pending);
        if (now == last_tick && !full)
            continue; /* the rest is housekeeping: at most once a millisecond */
        last_tick = now;
        if (housekeeping(p, now, full, &stuck))
            break;
    }
    p->loop.stopping = true;
    if (!p->loop.failed)
        txn_commit(p);
    if (!p->set.quiet && p->loop.tty)
        fputc('\n', stderr);
    if (stuck && !p->loop.failed) {
        wx_log(CMD, "gave up waiting: some hours could not be decided because other input "
                    "partitions never reported progress (is another instance still running?)");
        return -1;
    }
    return p->loop.failed ? -1 : 0;
}
