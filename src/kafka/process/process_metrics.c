/* process_metrics: the families of `process --metrics` (process_metrics.h, docs/metrics.md).
 * Partition series are cached per (topic kind, partition) so a publish looks nothing up after
 * the first; a partition that is no longer assigned has its series removed. */
#include "process_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "metrics.h"
#include "metrics_http.h"

#define PM_MAX_PARTITIONS 1024

enum { G_LAG, G_SNAPSHOT, G_EVENT_TIME, G_STATIONS, G_OPEN_HOURS, G_HOTTEST_OPEN, G_COUNT };

typedef struct pm_part {
    bool present;
    metrics_series_t *s[G_COUNT];
} pm_part_t;

struct process_metrics {
    metrics_registry_t *reg;
    metrics_server_t *server;
    metrics_family_t *consumed, *produced, *dead, *txns, *commit_seconds, *rewinds,
        *replacements, *restores, *loaded, *snapshot_written, *gauge[G_COUNT];
    metrics_series_t *committed, *aborted, *latency;
    /* the totals' series, found at the first publish (topic names are known then) */
    metrics_series_t *totals[2 + 4 + DEAD_LETTER_REASON_COUNT + 5];
    bool have_totals;
    pm_part_t *parts[2]; /* [0] internal, [1] input; PM_MAX_PARTITIONS each */
};

#define LABELS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const double COMMIT_BOUNDS[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                       1,     2.5,  5,     10,   30,  60};

static int define(process_metrics_t *pm)
{
    metrics_registry_t *r = pm->reg;
    pm->consumed = metrics_counter(r, "wxstream_process_records_consumed_total",
                                   "Records consumed, by topic (the input topic and the internal "
                                   "hourly topic); a rewind reads some again.",
                                   LABELS("topic"));
    pm->produced = metrics_counter(r, "wxstream_process_records_produced_total",
                                   "Result records produced, by topic, including those of "
                                   "transactions that were later aborted.",
                                   LABELS("topic"));
    pm->dead = metrics_counter(r, "wxstream_process_dead_letters_total",
                               "Records written to DeadLetter, by reason.", LABELS("reason"));
    pm->txns = metrics_counter(r, "wxstream_process_transactions_total",
                               "Transactions ended, by outcome (committed or aborted).",
                               LABELS("outcome"));
    pm->commit_seconds = metrics_histogram(
        r, "wxstream_process_commit_duration_seconds",
        "Time to commit a transaction: progress, snapshots, offsets and the commit itself.", NULL,
        COMMIT_BOUNDS, sizeof COMMIT_BOUNDS / sizeof COMMIT_BOUNDS[0]);
    pm->rewinds = metrics_counter(r, "wxstream_process_rewinds_total",
                                  "Aborted transactions resumed from the last commit (state "
                                  "reloaded, input read again).",
                                  NULL);
    pm->replacements = metrics_counter(r, "wxstream_process_consumer_replacements_total",
                                       "Consumers replaced after they fenced themselves.", NULL);
    pm->restores = metrics_counter(r, "wxstream_process_restores_total",
                                   "Times partition state was loaded from the changelog (an "
                                   "assignment or a rewind).",
                                   NULL);
    pm->loaded = metrics_counter(r, "wxstream_process_snapshots_loaded_total",
                                 "Partition snapshots found and loaded by restores.", NULL);
    pm->snapshot_written = metrics_counter(r, "wxstream_process_snapshot_written_bytes_total",
                                           "Bytes of state snapshots written to the changelog.",
                                           NULL);
    pm->gauge[G_LAG] = metrics_gauge(r, "wxstream_process_consumer_lag_records",
                                     "High watermark minus the consumer's position, per "
                                     "assigned partition (as of the last fetch).",
                                     LABELS("topic", "partition"));
    pm->gauge[G_SNAPSHOT] = metrics_gauge(r, "wxstream_process_snapshot_bytes",
                                          "Size of the partition's last state snapshot.",
                                          LABELS("topic", "partition"));
    pm->gauge[G_EVENT_TIME] = metrics_gauge(
        r, "wxstream_process_event_time_seconds",
        "Event-time watermark of an input partition, seconds since the epoch (absent before "
        "its first reading).",
        LABELS("topic", "partition"));
    pm->gauge[G_STATIONS] = metrics_gauge(r, "wxstream_process_stations",
                                          "Stations with state in an input partition.",
                                          LABELS("topic", "partition"));
    pm->gauge[G_OPEN_HOURS] = metrics_gauge(r, "wxstream_process_open_hours",
                                            "Station hours open (not yet emitted) in an input "
                                            "partition.",
                                            LABELS("topic", "partition"));
    pm->gauge[G_HOTTEST_OPEN] = metrics_gauge(r, "wxstream_process_hottest_open_hours",
                                              "Hours not yet decided by the hottest-station step "
                                              "of an internal partition.",
                                              LABELS("topic", "partition"));
    metrics_family_t *start =
        metrics_gauge(r, "wxstream_process_start_time_seconds",
                      "When this process started, seconds since the epoch.", NULL);
    metrics_set(metrics_series(start, NULL), (double)time(NULL));
    pm->committed = metrics_series(pm->txns, LABELS("committed"));
    pm->aborted = metrics_series(pm->txns, LABELS("aborted"));
    pm->latency = metrics_series(pm->commit_seconds, NULL);
    for (int i = 0; i < G_COUNT; i++)
        if (!pm->gauge[i])
            return -1;
    return pm->consumed && pm->produced && pm->dead && pm->rewinds && pm->replacements &&
                   pm->restores && pm->loaded && pm->snapshot_written && start &&
                   pm->committed && pm->aborted && pm->latency
               ? 0
               : -1;
}

process_metrics_t *process_metrics_start(const char *addr, int *usage, char *errstr,
                                         size_t errstr_size)
{
    *usage = 0;
    process_metrics_t *pm = calloc(1, sizeof *pm);
    if (!pm || !(pm->reg = metrics_registry_new()) ||
        !(pm->parts[0] = calloc(PM_MAX_PARTITIONS, sizeof(pm_part_t))) ||
        !(pm->parts[1] = calloc(PM_MAX_PARTITIONS, sizeof(pm_part_t))) || define(pm) != 0) {
        snprintf(errstr, errstr_size, "out of memory");
        process_metrics_stop(pm);
        return NULL;
    }
    pm->server = metrics_server_start(pm->reg, addr, usage, errstr, errstr_size);
    if (!pm->server) {
        process_metrics_stop(pm);
        return NULL;
    }
    return pm;
}

const char *process_metrics_address(const process_metrics_t *pm)
{
    return pm ? metrics_server_address(pm->server) : "";
}

void process_metrics_stop(process_metrics_t *pm)
{
    if (!pm)
        return;
    metrics_server_stop(pm->server);
    metrics_registry_destroy(pm->reg);
    free(pm->parts[0]);
    free(pm->parts[1]);
    free(pm);
}

double process_metrics_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void process_metrics_committed(process_metrics_t *pm, double seconds)
{
    if (!pm)
        return;
    metrics_add(pm->committed, 1);
    metrics_observe(pm->latency, seconds);
}

void process_metrics_aborted(process_metrics_t *pm)
{
    if (pm)
        metrics_add(pm->aborted, 1);
}

static metrics_series_t *total(metrics_family_t *f, const char *label)
{
    return metrics_series(f, label ? LABELS(label) : NULL);
}

void process_metrics_publish(process_metrics_t *pm, const process_totals_t *t,
                             const process_part_t *parts, size_t n_parts)
{
    if (!pm)
        return;
    metrics_series_t **s = pm->totals;
    if (!pm->have_totals) { /* once: later publishes take no lock for the totals */
        size_t n = 0;
        s[n++] = total(pm->consumed, t->input_topic);
        s[n++] = total(pm->consumed, t->hourly_topic);
        for (int i = 0; i < 4; i++)
            s[n++] = total(pm->produced, t->result_topics[i]);
        for (int i = 0; i < DEAD_LETTER_REASON_COUNT; i++)
            s[n++] = total(pm->dead, DEAD_LETTER_REASONS[i]);
        s[n++] = total(pm->rewinds, NULL);
        s[n++] = total(pm->replacements, NULL);
        s[n++] = total(pm->restores, NULL);
        s[n++] = total(pm->loaded, NULL);
        s[n++] = total(pm->snapshot_written, NULL);
        pm->have_totals = true;
    }
    size_t n = 0;
    metrics_set(s[n++], (double)t->consumed_input);
    metrics_set(s[n++], (double)t->consumed_hourly);
    for (int i = 0; i < 4; i++)
        metrics_set(s[n++], (double)t->produced[i]);
    for (int i = 0; i < DEAD_LETTER_REASON_COUNT; i++)
        metrics_set(s[n++], (double)t->dead_by_reason[i]);
    metrics_set(s[n++], (double)t->rewinds);
    metrics_set(s[n++], (double)t->consumer_replacements);
    metrics_set(s[n++], (double)t->restores);
    metrics_set(s[n++], (double)t->snapshots_loaded);
    metrics_set(s[n++], (double)t->snapshot_bytes_written);

    for (int k = 0; k < 2; k++)
        for (int i = 0; i < PM_MAX_PARTITIONS; i++)
            pm->parts[k][i].present = false;
    for (size_t j = 0; j < n_parts; j++) {
        const process_part_t *q = &parts[j];
        if (q->partition < 0 || q->partition >= PM_MAX_PARTITIONS)
            continue;
        pm_part_t *pp = &pm->parts[q->input][q->partition];
        pp->present = true;
        char part[16];
        snprintf(part, sizeof part, "%d", (int)q->partition);
        const char *topic = q->input ? t->input_topic : t->hourly_topic;
        bool wanted[G_COUNT] = {
            [G_LAG] = q->lag >= 0,
            [G_SNAPSHOT] = q->snapshot_bytes > 0,
            [G_EVENT_TIME] = q->input && q->event_time != WX_TIME_MIN,
            [G_STATIONS] = q->input,
            [G_OPEN_HOURS] = q->input,
            [G_HOTTEST_OPEN] = !q->input,
        };
        double value[G_COUNT] = {
            [G_LAG] = (double)q->lag,
            [G_SNAPSHOT] = (double)q->snapshot_bytes,
            [G_EVENT_TIME] = (double)q->event_time,
            [G_STATIONS] = (double)q->stations,
            [G_OPEN_HOURS] = (double)q->open_hours,
            [G_HOTTEST_OPEN] = (double)q->hottest_open_hours,
        };
        for (int g = 0; g < G_COUNT; g++) {
            if (!wanted[g]) {
                metrics_series_remove(pp->s[g]);
                pp->s[g] = NULL;
                continue;
            }
            if (!pp->s[g])
                pp->s[g] = metrics_series(pm->gauge[g], LABELS(topic, part));
            metrics_set(pp->s[g], value[g]);
        }
    }
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < PM_MAX_PARTITIONS; i++) {
            pm_part_t *pp = &pm->parts[k][i];
            if (pp->present)
                continue;
            for (int g = 0; g < G_COUNT; g++) {
                metrics_series_remove(pp->s[g]);
                pp->s[g] = NULL;
            }
        }
}
