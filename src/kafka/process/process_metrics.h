/* process_metrics: what `wxstream process --metrics ADDR` serves (docs/metrics.md), on top of
 * metrics.h / metrics_http.h. cmd_process.c keeps its own counters; it hands them here at
 * commits and aborts and, at most twice a second, in process_metrics_publish() with the
 * per-partition gauges — so the per-record path does nothing for metrics.
 *
 * Every function takes NULL (metrics off) and then does nothing. */
#ifndef WX_PROCESS_METRICS_H
#define WX_PROCESS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dead_letter.h"
#include "wx_time.h"

typedef struct process_metrics process_metrics_t;

/* Starts the endpoint on `addr`; NULL with errstr on failure (*usage set for a bad address). */
process_metrics_t *process_metrics_start(const char *addr, int *usage, char *errstr,
                                         size_t errstr_size);
const char *process_metrics_address(const process_metrics_t *pm);
void process_metrics_stop(process_metrics_t *pm);

/* A transaction committed after `seconds` (process_metrics_clock() differences); one
 * aborted. */
double process_metrics_clock(void); /* monotonic seconds */
void process_metrics_committed(process_metrics_t *pm, double seconds);
void process_metrics_aborted(process_metrics_t *pm);

/* The counts cmd_process keeps, as totals since the start. */
typedef struct process_totals {
    const char *input_topic, *hourly_topic;
    long consumed_input, consumed_hourly;
    const char *result_topics[4]; /* Output, MaxTemp, Outliers, DeadLetter */
    long produced[4];
    const long *dead_by_reason;  /* DEAD_LETTER_REASON_COUNT, in DEAD_LETTER_REASONS order */
    long rewinds, consumer_replacements, restores, snapshots_loaded;
    long snapshot_bytes_written;
} process_totals_t;

/* One assigned partition's gauges. `lag` < 0: unknown. */
typedef struct process_part {
    bool input;          /* the input topic, or the internal hourly topic */
    int32_t partition;
    int64_t lag;
    size_t snapshot_bytes; /* the last snapshot written, 0 = none yet */
    /* input partitions */
    wx_time_t event_time; /* WX_TIME_MIN: none yet */
    size_t stations, open_hours;
    /* internal partitions */
    size_t hottest_open_hours;
} process_part_t;

/* Publishes the totals and the gauges of the partitions assigned now (series of partitions
 * not among them are removed). */
void process_metrics_publish(process_metrics_t *pm, const process_totals_t *t,
                             const process_part_t *parts, size_t n_parts);

#endif
