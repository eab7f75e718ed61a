/* report.c: what the run tells (proc_report_t): the progress line, --metrics (the counts
 * and gauges handed to process_metrics.c) and the summary at the end. */
#include <stdio.h>
#include <string.h>

#include "process.h"

/* The progress line on a terminal, rewritten in place (housekeeping: not with --quiet, only
 * on a tty, every PROC_PROGRESS_PERIOD_MS). */
void progress_line(proc_t *p, int64_t now)
{
    double secs = (double)(now - p->loop.started_ms) / 1000.0;
    fprintf(stderr, "\rwxstream process: %ld read (%.0f/s), Output %ld, MaxTemp %ld, Outliers %ld, "
                    "DeadLetter %ld, %ld commits ",
            p->input.consumed_input, secs > 0 ? (double)p->input.consumed_input / secs : 0.0,
            p->res.produced[T_OUTPUT], p->res.produced[T_MAXTEMP], p->res.produced[T_OUTLIERS],
            p->res.produced[T_DEADLETTER], p->txn.transactions);
}

/* --metrics: hands the counts and every assigned partition's gauges to process_metrics, at
 * most every PROC_METRICS_PERIOD_MS (the scraper's thread never touches the state), and at
 * once after a commit (publish_metrics_now). Lag comes from librdkafka's cached
 * watermarks and positions: no broker call. */
void publish_metrics(proc_t *p, int64_t now)
{
    if (!p->rep.metrics || !p->cons.consumer ||
        !proc_due(&p->rep.metrics_ms, now, PROC_METRICS_PERIOD_MS))
        return;
    process_totals_t t = {
        p->set.input, p->set.hourly, p->input.consumed_input, p->input.consumed_hourly,
        {p->set.results[0], p->set.results[1], p->set.results[2], p->set.results[3]},
        {p->res.produced[0], p->res.produced[1], p->res.produced[2], p->res.produced[3]},
        p->res.dead_by_reason, p->txn.rewinds, p->cons.replacements, p->state.restores,
        p->state.snapshots_loaded, p->state.snapshot_bytes_written};
    process_part_t *parts = p->rep.metrics_parts;
    size_t n = 0;
    rd_kafka_topic_partition_list_t *pos = NULL;
    if (rd_kafka_assignment(p->cons.consumer, &pos) != RD_KAFKA_RESP_ERR_NO_ERROR)
        pos = NULL;
    if (pos)
        rd_kafka_position(p->cons.consumer, pos);
    for (int i = 0; pos && i < pos->cnt; i++) {
        int32_t part = pos->elems[i].partition;
        bool input = !strcmp(pos->elems[i].topic, p->set.input);
        if (part < 0 || part >= MAX_PARTITIONS ||
            !(input ? (void *)p->state.in[part] : p->state.hr[part]))
            continue;
        process_part_t *q = &parts[n++];
        memset(q, 0, sizeof *q);
        q->input = input;
        q->partition = part;
        int64_t lo = -1, hi = -1;
        q->lag = -1;
        if (rd_kafka_get_watermark_offsets(p->cons.consumer, pos->elems[i].topic, part, &lo, &hi) ==
                RD_KAFKA_RESP_ERR_NO_ERROR && hi >= 0 && pos->elems[i].offset >= 0)
            q->lag = hi > pos->elems[i].offset ? hi - pos->elems[i].offset : 0;
        if (input) {
            stream_part_gauges_t g;
            stream_part_gauges(p->state.in[part]->sp, &g);
            q->event_time = g.event_time;
            q->stations = g.stations;
            q->open_hours = g.open_hours;
            q->snapshot_bytes = p->state.in[part]->snapshot_bytes;
        } else {
            q->hottest_open_hours = hour_stage_open_hours(p->state.hr[part]->hs);
            q->snapshot_bytes = p->state.hr[part]->snapshot_bytes;
        }
    }
    if (pos)
        rd_kafka_topic_partition_list_destroy(pos);
    process_metrics_publish(p->rep.metrics, &t, parts, n);
}

/* publish_metrics at once, whatever the period (after a commit). */
void publish_metrics_now(proc_t *p)
{
    p->rep.metrics_ms = 0;
    publish_metrics(p, proc_now_ms());
}

/* The summary on stderr at the end of the run (not with --quiet). */
void report_summary(const proc_t *p)
{
    if (!p->set.quiet && p->input.consumed_input > 1) {
        double secs = (double)(p->input.last_input_ms - p->input.first_input_ms) / 1000.0;
        wx_log(CMD, "input rate: %ld readings in %.3f s = %.0f readings/s",
               p->input.consumed_input, secs,
               secs > 0 ? (double)p->input.consumed_input / secs : 0.0);
    }
    if (!p->set.quiet)
        wx_log(CMD,
               "%ld readings and %ld internal records read; Output %ld, MaxTemp %ld, Outliers %ld, "
               "DeadLetter %ld (parse %ld, too_long %ld, station %ld, duplicate %ld, late %ld, "
               "internal %ld); %ld transactions (at most %ld records consumed in one), %ld rewinds",
               p->input.consumed_input, p->input.consumed_hourly, p->res.produced[T_OUTPUT],
               p->res.produced[T_MAXTEMP], p->res.produced[T_OUTLIERS],
               p->res.produced[T_DEADLETTER], p->res.dead_by_reason[0], p->res.dead_by_reason[1],
               p->res.dead_by_reason[2], p->res.dead_by_reason[3], p->res.dead_by_reason[4],
               p->res.dead_by_reason[5], p->txn.transactions, p->txn.max_consumed,
               p->txn.rewinds);
    if (!p->set.quiet && p->cons.replacements > 0)
        wx_log(CMD, "the consumer fenced itself %ld times and was replaced",
               p->cons.replacements);
}
