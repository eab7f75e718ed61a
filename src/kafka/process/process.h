/* process.h: `wxstream process` — consumes readings and publishes Output, MaxTemp, Outliers
 * and DeadLetter exactly once.
 *
 * One consumer in a group reads the input topic and the internal hourly topic; one
 * transactional producer writes the results. Every transaction carries, atomically:
 *   - the results produced from the records consumed in it,
 *   - a snapshot of the state of every partition that changed (stream_part / hour_stage, on a
 *     compacted changelog topic, key "in/<partition>" or "hr/<partition>"),
 *   - the consumed offsets of every assigned partition (send_offsets_to_transaction).
 * So a restarted or newly assigned instance loads the snapshots, resumes at the committed
 * offsets and continues exactly where the last commit left off: nothing is re-emitted and
 * nothing is lost, and no input is re-read. docs/design.md argues this against the alternative
 * of rebuilding windows by re-reading input.
 *
 * The per-station work (stream.h) runs per input partition. Hourly summaries go to the
 * internal topic keyed by hour, followed by progress records to every internal partition; the
 * hour stage (hour_stage.h) of whichever instance owns an internal partition decides the
 * hottest station once every input partition has passed the hour. *
 * The rooms (src/kafka/process/), each writing only its own part of proc_t:
 *   cmd_process.c   options and topic names (set), then setup, run, teardown, the summary
 *   setup.c         the producer, the restorer, the topics; teardown
 *   run.c           the loop (loop): poll, hand each message to input, and housekeeping(), the
 *                   one place where every periodic chore runs, each with its named period
 *   watchdog.c      blocking calls, the watchdog thread, broker outages (health)
 *   consumer.c      the group consumer: make, replace, rebalance, rewind (cons)
 *   txn.c           producing and the transactions: begin, commit, abort (txn)
 *   snapshot.c      the partitions' state: restore, drop, write the dirty snapshots (state)
 *   input.c         readings and internal records into the state; progress reports (input)
 *   results.c       Output, MaxTemp, Outliers and DeadLetter records (res)
 *   end_of_input.c  --exit-idle: quiet inputs flushed, whether the run is done (eoi)
 *   report.c        the progress line, --metrics (process_metrics.c), the summary (rep)
 * Calls go one way: run -> input, txn, end_of_input, consumer, report, watchdog; txn ->
 * snapshot, results, input (progress), consumer (rewind), report (metrics after a commit);
 * consumer -> snapshot, txn; input and end_of_input -> results and watchdog. Every room may
 * call proc_fail and the watchdog's busy_begin/busy_end/call_timeout_ms. Nothing calls run or
 * cmd_process. */
#ifndef WX_PROCESS_H
#define WX_PROCESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "fetch_nudge.h"
#include "hour_stage.h"
#include "kafka_common.h"
#include "process_metrics.h"
#include "stream.h"
#include "wxbuf.h"

#define CMD "process"
#define MAX_PARTITIONS 1024
#define TOPIC_MAX 256
#define SNAPSHOT_MAX_BYTES "67108864" /* 64 MiB: the changelog's record limit */
#define MAX_EXPECTED 4096

enum { T_OUTPUT, T_MAXTEMP, T_OUTLIERS, T_DEADLETTER, T_COUNT };

/* The state of one assigned partition, in proc_state_t. snapshot.c owns the entries' lifetime
 * (snapshot_restore creates them, snapshot_drop_state frees them); input.c and end_of_input.c
 * write their flags and times (dirty, eof, eof_offset, last_msg_ms, ready, reported), txn.c
 * (commit_body) pos, and snapshot.c covered and snapshot_bytes. */
typedef struct in_part {
    stream_part_t *sp;
    int64_t covered; /* next offset of the partition its state has read (-1: none); snapshot */
    int64_t pos;     /* commit_body: the consumer's position, -1 unknown */
    bool dirty;
    bool eof;
    int64_t eof_offset; /* where the last end-of-partition event was, -1 after a record */
    int64_t last_msg_ms;
    bool ready;         /* has read a record or been caught up: unseen stations hold nothing */
    wxbuf_t reported;   /* the last progress report sent to the hour stage (encoded) */
    size_t snapshot_bytes; /* the last snapshot written (--metrics) */
} in_part_t;

typedef struct hr_part {
    hour_stage_t *hs;
    int64_t covered; /* as in in_part_t */
    int64_t pos;
    bool dirty;
    bool eof;
    int64_t eof_offset; /* where the last end-of-partition event was */
    int64_t last_msg_ms;
    size_t snapshot_bytes; /* the last snapshot written (--metrics) */
} hr_part_t;

/* The process's state, one sub-struct per room; each is written by the room named beside it
 * and read by the others. The writes that cross rooms are kept where the order of statements
 * is the logic: cmd_process initialises res's buffers and starts rep's metrics; setup.c makes
 * the handles (txn.producer, cons.consumer via consumer_make, state.restorer) and counts the
 * partitions; proc_run starts the clocks of cons and txn and restarts txn.last_commit_ms when
 * there is nothing to commit; input.c counts txn.consumed and flags cons.fenced;
 * consumer_replace clears txn.abort_pending. */
typedef struct proc proc_t;

typedef struct proc_settings { /* cmd_process.c: read-only once the options are parsed */
    wx_kafka_opts_t kafka;
    wx_config_t cfg;
    char input[TOPIC_MAX], hourly[TOPIC_MAX], changelog[TOPIC_MAX];
    char results[T_COUNT][TOPIC_MAX];
    const char *group;
    char group_buf[TOPIC_MAX]; /* the group with the --topic-prefix: what group points at */
    const char *instance;
    int create_partitions;
    int commit_interval_ms;
    int commit_records; /* at most this many records consumed per transaction */
    int exit_idle_s;
    int idle_timeout_s;
    int correct_hours; /* MaxTemp hours stay correctable this long after being decided */
    int32_t expected[MAX_EXPECTED]; /* --stations: waited for by MaxTemp before they report */
    int n_expected;
    int broker_timeout_s;
    bool quiet;
    bool verbose;
    const char *metrics_addr;
} proc_settings_t;

typedef struct proc_loop { /* run.c */
    int64_t started_ms;
    bool stopping;
    bool failed;
    bool tty; /* stderr is a terminal: the progress line */
} proc_loop_t;

typedef struct proc_health { /* watchdog.c */
    atomic_llong busy_since_ms; /* the loop is inside a transaction call since (0: not) */
    int busy_depth;             /* busy_begin/busy_end nest */
    int64_t unblocked_ms;       /* end of the last call that blocked the loop (a commit...) */
    atomic_int brokers_down;    /* set by librdkafka's error callback */
    int64_t down_since_ms;      /* when we noticed; cleared when the broker answers again */
    int64_t up_again_ms;        /* when the cluster last answered again after an outage */
    int64_t last_probe_ms;
} proc_health_t;

typedef struct proc_consumer { /* consumer.c */
    rd_kafka_t *consumer;
    fetch_nudge_t *nudge;         /* keeps the fetcher going through a backlog */
    int32_t nudge_parts[FETCH_NUDGE_MAX_PARTITIONS]; /* assigned input partitions, nudged */
    int n_nudge_parts;
    bool in_rebalance;
    bool awaiting_assignment; /* joined or revoked, the next assignment not yet received */
    int64_t assigned_ms;
    bool fenced;              /* the consumer fenced itself: replace it (consumer_replace) */
    long replacements;
} proc_consumer_t;

typedef struct proc_txn { /* txn.c */
    rd_kafka_t *producer;
    bool in_txn;
    bool abort_pending;         /* a produce failed: the transaction must be aborted */
    int64_t trouble_since_ms; /* first failed commit since the last good one, 0 = none */
    long records;  /* produced in the open transaction */
    long consumed; /* consumed in the open transaction */
    long delivery_errors;
    char first_delivery_error[512];
    long transactions;
    long max_consumed; /* the most input one transaction carried: what a crash can re-read */
    long rewinds;
    int64_t last_commit_ms;
    int64_t last_output_commit_ms; /* last commit that carried records */
} proc_txn_t;

typedef struct proc_state { /* snapshot.c */
    rd_kafka_t *restorer;
    in_part_t *in[MAX_PARTITIONS];
    hr_part_t *hr[MAX_PARTITIONS];
    int n_input;  /* partitions of the input topic */
    int n_hourly; /* partitions of the internal topic */
    long restores, snapshots_loaded, snapshot_bytes_written;
} proc_state_t;

typedef struct proc_input { /* input.c */
    long consumed_input, consumed_hourly;
    int64_t first_input_ms, last_input_ms; /* for the rate in the summary */
} proc_input_t;

typedef struct proc_results { /* results.c */
    wxbuf_t key, value; /* scratch for the record being produced (snapshots use value too) */
    long produced[T_COUNT];
    long dead_by_reason[DEAD_LETTER_REASON_COUNT];
} proc_results_t;

typedef struct proc_eoi { /* end_of_input.c */
    int64_t hwm_checked_ms;   /* internal_caught_up: when the internal topic's ends were asked */
    int64_t caught_up_ms;     /* notice_caught_up last ran */
    int64_t end_checked_ms;   /* eoi_flush_quiet_inputs last asked the input's ends */
    int64_t group_checked_ms; /* alone_in_group last asked the broker */
    bool alone;               /* its answer then */
} proc_eoi_t;

typedef struct proc_report { /* report.c; --metrics: process_metrics.h */
    int64_t progress_line_ms;
    process_metrics_t *metrics;
    int64_t metrics_ms;
    process_part_t metrics_parts[2 * MAX_PARTITIONS]; /* publish_metrics's gauges */
} proc_report_t;

struct proc {
    proc_settings_t set;
    proc_loop_t loop;
    proc_health_t health;
    proc_consumer_t cons;
    proc_txn_t txn;
    proc_state_t state;
    proc_input_t input;
    proc_results_t res;
    proc_eoi_t eoi;
    proc_report_t rep;
};

/* Monotonic milliseconds. */
static inline int64_t proc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Logs the reason (the first failure only) and ends the run: the loop stops, the transaction in
 * flight is aborted by teardown. fmt has one %s, for detail. (run.c) */
void proc_fail(proc_t *p, const char *fmt, const char *detail);

/* The one rate-limit helper: true (and *last = now) once period_ms have passed since *last. */
static inline bool proc_due(int64_t *last, int64_t now, int period_ms)
{
    if (now - *last < period_ms)
        return false;
    *last = now;
    return true;
}

/* The periodic chores, run by housekeeping() in run.c, each at most once per period. A chore's
 * guard (is there anything to do?) is checked before proc_due, so its period restarts only
 * when it actually runs. */
#define PROC_CAUGHT_UP_PERIOD_MS 500     /* notice_caught_up */
#define PROC_BROKER_PROBE_PERIOD_MS 2000 /* health_check_brokers' probe, while brokers are down */
#define PROC_PROGRESS_PERIOD_MS 1000     /* progress_line */
#define PROC_METRICS_PERIOD_MS 500       /* publish_metrics (also right after a commit) */
#define PROC_LIVE_COMMIT_MS 10 /* results are committed this soon once the input is caught up */
/* Not chores but rate-limited questions inside eoi_finished: */
#define PROC_GROUP_CHECK_PERIOD_MS 1000 /* alone_in_group's cached answer */
#define PROC_HWM_CHECK_PERIOD_MS 200    /* internal_caught_up answers false until it is due */

/* The header of a state snapshot naming the offset it covers (SNAPSHOT_OFFSET_HEADER). */
#define SNAPSHOT_OFFSET_HEADER "wx-offset"

/* The context of a stream part's callbacks: the process and the partition, so dead letters can
 * name their source. */
typedef struct route {
    proc_t *p;
    const char *topic;
    int32_t partition;
} route_t;

#include "consumer.h"
#include "end_of_input.h"
#include "input.h"
#include "report.h"
#include "results.h"
#include "run.h"
#include "setup.h"
#include "snapshot.h"
#include "txn.h"
#include "watchdog.h"

#endif
