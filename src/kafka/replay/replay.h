/* replay: the producing side of `wxstream replay` — the run, its producers and what they share.
 * The files' reading, pending records and merge are in input/ (no librdkafka); this side takes
 * the merged records and hands them to librdkafka, paced by --speed.
 *
 * Rooms (calls go this way only): cmd_replay.c (options, opening the files, starting and
 * finishing the run) → replay_out.c (producers, pacing, the send loop) and replay_report.c
 * (totals, progress line, the written-twice count, --metrics counts) → input/ (replay_merge →
 * replay_source → replay_heap). replay_out.c calls replay_report.c for the progress line. */
#ifndef WX_REPLAY_H
#define WX_REPLAY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafka_common.h"
#include "replay_merge.h"
#include "replay_metrics.h"
#include "replay_source.h"

#define REPLAY_METADATA_MS 10000 /* cap on waiting for the cluster before giving up */

typedef struct replay_run replay_run_t;

/* One producer: the only one, or one per file. */
typedef struct replay_out {
    replay_run_t *run;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    replay_stats_t stats;
    replay_merge_t merge; /* the files it sends: all (merge), or one */
    int32_t partition;   /* RD_KAFKA_PARTITION_UA, or the file's partition */
    bool read_failed;
    bool show_progress; /* this thread draws the progress line */
    pthread_t thread;
    bool started;
    atomic_bool done; /* the thread has finished (flushed) */
    /* Where its records landed, from the delivery reports (written only by the thread that
     * serves this producer's reports; read once done): per partition, how many and the
     * highest offset. See replay_doubled_records(). */
    long *part_delivered;
    int64_t *part_max_offset;
    bool offset_unknown; /* a report without an offset: the check cannot be made */
} replay_out_t;

struct replay_run {
    wx_kafka_opts_t kopts;
    const char *topic;
    char topic_buf[512];
    bool per_file;
    int partitions; /* 0: not given */
    replay_format_t format;
    double speed;
    int64_t jitter_ms;
    uint64_t seed;
    long limit;
    int flush_timeout_ms;
    bool flush_timeout_given; /* else it is at least message.timeout.ms + 5 s */
    const char *metrics_addr; /* --metrics */
    bool quiet;
    bool progress; /* stderr is a terminal and not quiet */
    replay_read_cfg_t read; /* format, jitter_ms, quiet and raw_shown, for the files */

    char **files;
    size_t n_files;
    replay_src_t *srcs;
    replay_out_t *outs;
    size_t n_outs;

    atomic_long taken;      /* records taken for sending, for --limit */
    atomic_int raw_shown;
    atomic_int fail_shown;
    atomic_bool fatal;      /* librdkafka reported a fatal error */
    atomic_bool oom;
    atomic_llong t0_ms;     /* --speed: event time that maps to start_ns */
    int n_parts;            /* partitions of the topic */
    int64_t *start_offset;  /* per partition: its end offset before this run, -1 unknown */
    int64_t start_ns;
    int64_t last_progress_ns;
    long last_progress_sent;
};

/* replay_out.c */
int64_t replay_now_ns(void);
/* Creates o's producer. Returns 0, -1 with err, or -2 when the configuration (-X) is bad. */
int replay_out_new_handle(replay_run_t *run, replay_out_t *o, size_t n_producers, char *err,
                          size_t err_size);
/* Sends the records of o's files in merged order until done, stopped or --limit. */
void replay_pump(replay_out_t *o, bool show_progress);
void replay_flush_out(replay_out_t *o);
/* The thread of one producer with --partition-per-file: pump, flush, mark done. */
void *replay_out_thread(void *arg);

/* replay_report.c */
typedef struct replay_totals {
    long lines, sent, raw, too_long, delivered, failed, refused, bytes, files_done;
} replay_totals_t;

replay_totals_t replay_totals(replay_run_t *run);
/* The progress line on a terminal, at most once a second; final clears it for the summary. */
void replay_progress(replay_run_t *run, bool final);
long replay_doubled_records(const replay_run_t *run);
/* --metrics: read on the scraper's thread (atomics only); ctx is the run. */
void replay_metrics_counts(void *ctx, replay_counts_t *c);

#endif
