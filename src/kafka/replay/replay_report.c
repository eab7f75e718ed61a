/* replay_report: what replay tells about its run — the totals over its producers, the
 * progress line on a terminal, the count of records written twice, and the counts --metrics
 * serves (see replay.h). */
#include <stdio.h>

#include "replay.h"

/* Records this run left in the topic beyond the ones it delivered: in each partition, the
 * offsets from its end before the run to the highest offset a delivery report gave, less the
 * records reported there. The idempotent producer makes a retry write nothing twice — until it
 * has to bump its epoch (a broker restart can make librdkafka do so: timed-out in-flight
 * requests), after which records in flight before the bump are sent again and a copy the
 * broker had already written stays: delivered once, in the topic twice. The count is exact
 * when this run is the only producer of the partitions; another producer's records written
 * meanwhile count too (an upper bound). -1: it could not be determined (a report without an
 * offset, an end offset that could not be read). */
long replay_doubled_records(const replay_run_t *run)
{
    long doubled = 0;
    for (int p = 0; p < run->n_parts; p++) {
        long delivered = 0;
        int64_t max_offset = -1;
        for (size_t i = 0; i < run->n_outs; i++) {
            const replay_out_t *o = &run->outs[i];
            if (!o->part_delivered || o->offset_unknown)
                return -1;
            delivered += o->part_delivered[p];
            if (o->part_max_offset[p] > max_offset)
                max_offset = o->part_max_offset[p];
        }
        if (delivered == 0)
            continue;
        if (run->start_offset[p] < 0)
            return -1;
        doubled += (long)(max_offset + 1 - run->start_offset[p]) - delivered;
    }
    return doubled;
}

replay_totals_t replay_totals(replay_run_t *run)
{
    replay_totals_t t = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < run->n_outs; i++) {
        replay_stats_t *s = &run->outs[i].stats;
        t.lines += atomic_load(&s->lines);
        t.sent += atomic_load(&s->sent);
        t.raw += atomic_load(&s->raw);
        t.too_long += atomic_load(&s->too_long);
        t.delivered += atomic_load(&s->delivered);
        t.failed += atomic_load(&s->failed);
        t.refused += atomic_load(&s->refused);
        t.bytes += atomic_load(&s->bytes);
        t.files_done += atomic_load(&s->files_done);
    }
    return t;
}

void replay_metrics_counts(void *ctx, replay_counts_t *c)
{
    replay_totals_t t = replay_totals(ctx);
    *c = (replay_counts_t){t.files_done, t.lines,  t.raw,   t.sent,
                           t.delivered,  t.bytes, t.failed + t.refused};
}

void replay_progress(replay_run_t *run, bool final)
{
    if (!run->progress)
        return;
    if (final) {
        fputs("\r\033[K", stderr); /* the summary line takes its place */
        return;
    }
    int64_t now = replay_now_ns();
    if (now - run->last_progress_ns < 1000000000)
        return;
    replay_totals_t t = replay_totals(run);
    double dt = (double)(now - run->last_progress_ns) / 1e9;
    fprintf(stderr, "\r\033[Kwxstream replay: %ld sent, %ld delivered, %ld failed, %.0f records/s",
            t.sent, t.delivered, t.failed + t.refused,
            dt > 0 ? (double)(t.sent - run->last_progress_sent) / dt : 0.0);
    fflush(stderr);
    run->last_progress_ns = now;
    run->last_progress_sent = t.sent;
}
