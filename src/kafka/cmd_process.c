/* cmd_process: `wxstream process` — consumes readings and publishes Output, MaxTemp, Outliers
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
 * hottest station once every input partition has passed the hour. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "fetch_nudge.h"
#include "hour_stage.h"
#include "kafka_common.h"
#include "options.h"
#include "process_metrics.h"
#include "station.h"
#include "stream.h"
#include "wxk_assignment.h"
#include "wxk_end_of_input.h"
#include "wxk_names.h"
#include "json_results.h"

#define CMD "process"
#define MAX_PARTITIONS 1024
#define TOPIC_MAX 256
#define SNAPSHOT_MAX_BYTES "67108864" /* 64 MiB: the changelog's record limit */
#define MAX_EXPECTED 4096

enum { T_OUTPUT, T_MAXTEMP, T_OUTLIERS, T_DEADLETTER, T_COUNT };
static const char *const RESULT_TOPICS[T_COUNT] = {"Output", "MaxTemp", "Outliers", "DeadLetter"};

typedef struct in_part {
    stream_part_t *sp;
    int64_t covered; /* next offset of the partition its state has read (-1: none); snapshot */
    int64_t pos;     /* commit_body: the consumer's position, -1 unknown */
    bool dirty;
    bool eof;
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
 * (the others only read it). */
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
    int64_t group_checked_ms; /* alone_in_group last asked the broker */
    bool alone;               /* its answer then */
} proc_eoi_t;

typedef struct proc_report { /* report.c; --metrics: process_metrics.h */
    int64_t progress_line_ms;
    process_metrics_t *metrics;
    int64_t metrics_ms;
    process_part_t metrics_parts[2 * MAX_PARTITIONS]; /* publish_metrics's gauges */
} proc_report_t;

typedef struct proc {
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
} proc_t;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The one rate-limit helper: true (and *last = now) once period_ms have passed since *last. */
static inline bool proc_due(int64_t *last, int64_t now, int period_ms)
{
    if (now - *last < period_ms)
        return false;
    *last = now;
    return true;
}

#define PROC_CAUGHT_UP_PERIOD_MS 500    /* notice_caught_up */
#define PROC_BROKER_PROBE_PERIOD_MS 2000 /* check_brokers' probe, while the brokers are down */
#define PROC_PROGRESS_PERIOD_MS 1000    /* progress_line */
#define PROC_METRICS_PERIOD_MS 500      /* publish_metrics */
/* Not chores but rate-limited questions inside finished: */
#define PROC_GROUP_CHECK_PERIOD_MS 1000 /* alone_in_group's cached answer */
#define PROC_HWM_CHECK_PERIOD_MS 200    /* internal_caught_up answers false until it is due */

static void fail(proc_t *p, const char *fmt, const char *detail)
{
    if (!p->loop.failed)
        wx_log(CMD, fmt, detail);
    p->loop.failed = true;
    p->loop.stopping = true;
}

static int rewind_to_last_commit(proc_t *p);

/* Brackets a call that may block (transactions, restore): the watchdog watches it, and quiet
 * periods are measured from its end. */
static void busy_begin(proc_t *p)
{
    if (p->health.busy_depth++ == 0)
        atomic_store(&p->health.busy_since_ms, (long long)now_ms());
}

static void busy_end(proc_t *p)
{
    if (--p->health.busy_depth > 0)
        return;
    atomic_store(&p->health.busy_since_ms, 0);
    p->health.unblocked_ms = now_ms();
}

/* A transaction call may block up to this long: never longer than --broker-timeout, so a lost
 * cluster ends the run in about that time. */
static int call_timeout_ms(const proc_t *p, int wanted)
{
    int limit = p->set.broker_timeout_s * 1000;
    return wanted < limit ? wanted : limit;
}

/* A transaction call that never returns (librdkafka issue #5456 can leave send_offsets
 * blocked past its timeout) would hang the run; this thread ends it instead, once a call has
 * been blocked for --broker-timeout + 15 s (every call's own timeout is at most
 * --broker-timeout). Exiting is safe:
 * everything not committed is aborted and a restart resumes from the last commit. */
static void *watchdog(void *arg)
{
    proc_t *p = arg;
    const long long limit = (long long)p->set.broker_timeout_s * 1000 + 15000;
    for (;;) {
        nanosleep(&(struct timespec){1, 0}, NULL);
        long long since = atomic_load(&p->health.busy_since_ms);
        if (since && now_ms() - since > limit) {
            fprintf(stderr, "wxstream process: a Kafka call has not returned for %lld s "
                            "(more than --broker-timeout + 15 s); exiting — a restart resumes "
                            "from the last commit\n",
                    (now_ms() - since) / 1000);
            _exit(1);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ producing */

/* The header of a state snapshot naming the offset it covers (SNAPSHOT_OFFSET_HEADER). */
#define SNAPSHOT_OFFSET_HEADER "wx-offset"

/* Produces one record in the open transaction; offset_header, if not NULL, becomes the
 * record's SNAPSHOT_OFFSET_HEADER header. */
static void produce_h(proc_t *p, const char *topic, int32_t partition, const void *key,
                      size_t key_len, const void *value, size_t value_len,
                      const char *offset_header)
{
    for (;;) {
        rd_kafka_resp_err_t err;
        if (offset_header)
            err = rd_kafka_producev(
                p->txn.producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                RD_KAFKA_V_KEY((void *)key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
                RD_KAFKA_V_HEADER(SNAPSHOT_OFFSET_HEADER, offset_header, -1),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        else
            err = rd_kafka_producev(
                p->txn.producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                RD_KAFKA_V_KEY((void *)key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (!err)
            break;
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(p->txn.producer, 50);
            continue;
        }
        if (err == RD_KAFKA_RESP_ERR__STATE) {
            /* The transaction already needs aborting (a produce failed): rewind, do not die. */
            p->txn.abort_pending = true;
            return;
        }
        fail(p, "producing failed: %s", rd_kafka_err2str(err));
        return;
    }
    p->txn.records++;
}

static void produce(proc_t *p, const char *topic, int32_t partition, const void *key,
                    size_t key_len, const void *value, size_t value_len)
{
    produce_h(p, topic, partition, key, key_len, value, value_len, NULL);
}

static void produce_result(proc_t *p, int which)
{
    produce(p, p->set.results[which], RD_KAFKA_PARTITION_UA, p->res.key.len ? p->res.key.data : NULL,
            p->res.key.len, p->res.value.data, p->res.value.len);
    p->res.produced[which]++;
}

/* The context of a stream part's callbacks: the process and the partition, so dead letters can
 * name their source. */
typedef struct route {
    proc_t *p;
    const char *topic;
    int32_t partition;
} route_t;

static void on_hourly(void *ctx, const hourly_result_t *r)
{
    proc_t *p = ((route_t *)ctx)->p;
    wxbuf_reset(&p->res.key);
    wxbuf_reset(&p->res.value);
    json_results_hourly_key(r, &p->res.key);
    json_results_hourly(r, &p->res.value);
    produce_result(p, T_OUTPUT);
    /* The summary for the hour stage, keyed by the hour so one hour meets in one partition. */
    char hour[32];
    hottest_entry_t e = hottest_entry_from_hourly(r);
    wx_time_iso(r->key.start, hour, sizeof hour);
    wxbuf_reset(&p->res.value);
    hour_stage_encode_summary(r->key.start, &e, &p->res.value);
    produce(p, p->set.hourly, RD_KAFKA_PARTITION_UA, hour, strlen(hour), p->res.value.data, p->res.value.len);
}

static void on_outlier(void *ctx, const outlier_event_t *o)
{
    proc_t *p = ((route_t *)ctx)->p;
    wxbuf_reset(&p->res.key);
    wxbuf_reset(&p->res.value);
    json_results_outlier_key(o, &p->res.key);
    json_results_outlier(o, &p->res.value);
    produce_result(p, T_OUTLIERS);
}

static void on_hottest(void *ctx, const hottest_result_t *r)
{
    proc_t *p = ctx;
    wxbuf_reset(&p->res.key);
    wxbuf_reset(&p->res.value);
    json_results_hottest_key(r, &p->res.key);
    json_results_hottest(r, &p->res.value);
    produce_result(p, T_MAXTEMP);
}

static void write_dead(proc_t *p, const dead_letter_t *d)
{
    int reason = dead_letter_reason_index(d->reason);
    if (reason >= 0)
        p->res.dead_by_reason[reason]++;
    wxbuf_reset(&p->res.key);
    wxbuf_reset(&p->res.value);
    if (d->wban) {
        char w[16];
        wxbuf_puts(&p->res.key, json_results_wban(d->wban, w, sizeof w));
    }
    json_results_dead_letter(d, &p->res.value);
    produce_result(p, T_DEADLETTER);
}

/* Stream dead letters carry their offset as seq; the source is named here, only when needed. */
static void on_dead_in(void *ctx, const dead_letter_t *d)
{
    route_t *c = ctx;
    char source[TOPIC_MAX + 64];
    dead_letter_t copy = *d;
    if (!copy.source) {
        snprintf(source, sizeof source, "%s/%d@%" PRIu64, c->topic, (int)c->partition, d->seq);
        copy.source = source;
    }
    write_dead(c->p, &copy);
}

/* ------------------------------------------------------------------ state */

static void snapshot_key(char *buf, size_t size, const char *kind, int32_t partition)
{
    snprintf(buf, size, "%s/%d", kind, (int)partition);
}

typedef struct wanted {
    char key[64];
    char *value; /* latest, malloc'd */
    size_t len;
    bool found;
    bool has_offset; /* the snapshot names the offset it covers (older ones do not) */
    int64_t offset;  /* SNAPSHOT_OFFSET_HEADER: next offset of its partition, -1 none */
} wanted_t;

/* The offset a snapshot record covers, from its SNAPSHOT_OFFSET_HEADER header. False for a
 * snapshot written before the header existed (or an unreadable header). */
static bool snapshot_offset(rd_kafka_message_t *m, int64_t *offset)
{
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t n = 0;
    if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(h, SNAPSHOT_OFFSET_HEADER, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        !v || n == 0 || n > 20)
        return false;
    char buf[24];
    memcpy(buf, v, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    long long x = strtoll(buf, &end, 10);
    if (errno || *end || x < -1)
        return false;
    *offset = x;
    return true;
}

/* Reads the changelog from the start to its end (read_committed) and keeps the latest value of
 * each wanted key, until deadline_ms at the latest. Returns 0, or -1 with a message. */
static int restore_read(proc_t *p, wanted_t *w, size_t n, int64_t deadline_ms)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        free(w[i].value);
        w[i].value = NULL;
        w[i].len = 0;
        w[i].found = w[i].has_offset = false;
        w[i].offset = -1;
    }
    /* Every snapshot committed before now lies below the changelog's current high watermark.
     * A read_committed reader stops at the last stable offset, which another instance's open
     * transaction can hold back: reading only to the first end-of-partition event could then
     * load a snapshot older than the offsets committed with a newer one. So read until the
     * position reaches the high watermark (open transactions end by commit or abort within
     * transaction.timeout.ms). A snapshot written after the query is not waited for here:
     * restore() compares each snapshot with the committed offsets and reads again. The query
     * may hang in librdkafka < 2.3 when the leader is down: the watchdog bounds that. */
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t qerr =
        rd_kafka_query_watermark_offsets(p->state.restorer, p->set.changelog, 0, &lo, &hi,
                                         call_timeout_ms(p, 30000));
    if (qerr) {
        wx_log(CMD, "restoring state: %s: %s", p->set.changelog, rd_kafka_err2str(qerr));
        return -1;
    }
    if (hi <= lo)
        return 0; /* nothing was ever committed (or all of it compacted away) */
    /* The assigned partition needs its leader known, or librdkafka waits for its next timed
     * offset query (half a second, seen in about one restart in three): hold a handle on the
     * topic and fetch its metadata first. An error here only costs that wait. */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(p->state.restorer, p->set.changelog, NULL);
    const struct rd_kafka_metadata *md = NULL;
    if (rkt && rd_kafka_metadata(p->state.restorer, 0, rkt, &md, call_timeout_ms(p, 10000)) ==
                   RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->set.changelog, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t err = rd_kafka_assign(p->state.restorer, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err) {
        wx_log(CMD, "restoring state: %s", rd_kafka_err2str(err));
        if (rkt)
            rd_kafka_topic_destroy(rkt);
        return -1;
    }
    int rc = -1;
    for (;;) {
        if (now_ms() > deadline_ms) {
            wx_log(CMD, "restoring state from %s: no end in sight (--broker-timeout)", p->set.changelog);
            break;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(p->state.restorer, 100);
        if (!m || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m)
                rd_kafka_message_destroy(m);
            /* Done once the position has passed every record there was when we started. */
            rd_kafka_topic_partition_list_t *pos = rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(pos, p->set.changelog, 0);
            bool done = rd_kafka_position(p->state.restorer, pos) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                        pos->elems[0].offset >= hi;
            rd_kafka_topic_partition_list_destroy(pos);
            if (done) {
                rc = 0;
                break;
            }
            continue;
        }
        if (m->err) {
            rd_kafka_resp_err_t e = m->err;
            wx_log(CMD, "restoring state from %s: %s", p->set.changelog, rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            if (e == RD_KAFKA_RESP_ERR__TRANSPORT)
                continue;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (m->key_len == strlen(w[i].key) && !memcmp(m->key, w[i].key, m->key_len)) {
                char *v = malloc(m->len ? m->len : 1);
                if (!v) {
                    rd_kafka_message_destroy(m);
                    goto done;
                }
                memcpy(v, m->payload, m->len);
                free(w[i].value);
                w[i].value = v;
                w[i].len = m->len;
                w[i].found = true;
                w[i].offset = -1;
                w[i].has_offset = snapshot_offset(m, &w[i].offset);
            }
        }
        rd_kafka_message_destroy(m);
    }
done:
    rd_kafka_assign(p->state.restorer, NULL);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    return rc;
}

/* The committed offsets of parts, into c (a copy of parts): -1 where none was committed.
 * Asked for stable offsets explicitly (KIP-447, require_stable): while another transaction that
 * commits offsets of the group is still open, the broker answers UNSTABLE_OFFSET_COMMIT rather
 * than the offset from before it, and the caller asks again. Returns 0, or -1 with the reason
 * in why. */
static int committed_offsets(proc_t *p, rd_kafka_topic_partition_list_t *c, char *why,
                             size_t why_size)
{
    int rc = -1;
    char err[256];
    rd_kafka_queue_t *q = rd_kafka_queue_new(p->txn.producer);
    rd_kafka_AdminOptions_t *o =
        rd_kafka_AdminOptions_new(p->txn.producer, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_event_t *ev = NULL;
    rd_kafka_error_t *e = o ? rd_kafka_AdminOptions_set_require_stable_offsets(o, 1) : NULL;
    if (!q || !o || e ||
        rd_kafka_AdminOptions_set_request_timeout(o, call_timeout_ms(p, 10000), err,
                                                  sizeof err) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(why, why_size, "reading the committed offsets: %s",
                 e ? rd_kafka_error_string(e) : "cannot set up the request");
        goto done;
    }
    rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(p->set.group, c);
    rd_kafka_ListConsumerGroupOffsets(p->txn.producer, &req, 1, o, q);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    ev = rd_kafka_queue_poll(q, call_timeout_ms(p, 10000) + 2000);
    if (!ev || rd_kafka_event_error(ev)) {
        snprintf(why, why_size, "reading the committed offsets: %s",
                 ev ? rd_kafka_event_error_string(ev) : "timed out");
        goto done;
    }
    size_t ng = 0;
    const rd_kafka_group_result_t **g = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev), &ng);
    if (ng != 1 || rd_kafka_group_result_error(g[0])) {
        snprintf(why, why_size, "reading the committed offsets: %s",
                 ng == 1 ? rd_kafka_error_string(rd_kafka_group_result_error(g[0]))
                         : "no answer for the group");
        goto done;
    }
    const rd_kafka_topic_partition_list_t *got = rd_kafka_group_result_partitions(g[0]);
    for (int i = 0; i < c->cnt; i++) {
        const rd_kafka_topic_partition_t *x =
            got ? rd_kafka_topic_partition_list_find(got, c->elems[i].topic,
                                                     c->elems[i].partition)
                : NULL;
        if (!x || x->err) {
            snprintf(why, why_size, "reading the committed offset of %s/%d: %s",
                     c->elems[i].topic, (int)c->elems[i].partition,
                     x ? rd_kafka_err2str(x->err) : "not in the answer");
            goto done;
        }
        c->elems[i].offset = x->offset < 0 ? -1 : x->offset;
    }
    rc = 0;
done:
    if (e)
        rd_kafka_error_destroy(e);
    if (ev)
        rd_kafka_event_destroy(ev);
    if (o)
        rd_kafka_AdminOptions_destroy(o);
    if (q)
        rd_kafka_queue_destroy(q);
    return rc;
}

/* Whether the snapshot w (of a partition whose committed offset is committed, -1 none) is the
 * one committed with that offset. A snapshot without the offset header (written by a version
 * before it) cannot be checked and is taken as it is. With no committed offset at all (the
 * group's offsets expired or were deleted; librdkafka's mock cluster never stores
 * transactional ones) a snapshot naming its offset is self-sufficient: reading resumes there. */
static bool snapshot_matches(const wanted_t *w, int64_t committed)
{
    if (!w->found)
        return committed < 0;
    if (!w->has_offset || committed < 0)
        return true;
    return w->offset == committed;
}

/* Where reading resumes for a partition whose snapshot matched: the committed offset, or the
 * snapshot's own when nothing is committed; -1 for the beginning. */
static int64_t resume_offset(const wanted_t *w, int64_t committed)
{
    if (committed >= 0)
        return committed;
    return w->found && w->has_offset ? w->offset : -1;
}

/* Loads the state of the assigned partitions parts: the latest snapshot of each from the
 * changelog, checked against the partition's committed offset. Each transaction commits both,
 * but their visibility to this reader is not atomic (another instance's transaction can commit
 * its offsets and snapshots after this read began: a session that timed out during a broker
 * restart), so a snapshot that does not name exactly the committed offset is never used: the
 * offsets and the changelog are read again until they agree, for up to --broker-timeout, and
 * then the run fails rather than continue from state that does not belong to its offsets.
 * On success, resume (a list like parts, or NULL) gets each partition's committed offset —
 * RD_KAFKA_OFFSET_BEGINNING where none — where reading must resume. Returns 0 or -1. */
static int restore(proc_t *p, const rd_kafka_topic_partition_list_t *parts,
                   rd_kafka_topic_partition_list_t *resume)
{
    wanted_t *w = calloc((size_t)parts->cnt + 1, sizeof *w);
    rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(parts);
    if (!w || !c) {
        free(w);
        if (c)
            rd_kafka_topic_partition_list_destroy(c);
        return -1;
    }
    for (int i = 0; i < parts->cnt; i++) {
        bool input = !strcmp(parts->elems[i].topic, p->set.input);
        snapshot_key(w[i].key, sizeof w[i].key, input ? "in" : "hr", parts->elems[i].partition);
    }
    int64_t t0 = now_ms();
    int64_t deadline = t0 + p->set.broker_timeout_s * 1000LL;
    int rc = -1, attempts = 0, unchecked = 0;
    bool said_mismatch = false, said_error = false;
    char why[600] = "";
    busy_begin(p);
    for (;;) {
        /* Each attempt is bounded by its own calls' timeouts: a new phase for the watchdog. */
        atomic_store(&p->health.busy_since_ms, (long long)now_ms());
        attempts++;
        bool agree = false, mismatch = false;
        if (committed_offsets(p, c, why, sizeof why) == 0 &&
            restore_read(p, w, (size_t)parts->cnt, deadline) == 0) {
            agree = true;
            for (int i = 0; i < parts->cnt; i++) {
                if (snapshot_matches(&w[i], c->elems[i].offset))
                    continue;
                agree = false;
                mismatch = true;
                if (!w[i].found)
                    snprintf(why, sizeof why, "%s/%d has committed offset %" PRId64
                             " but no state snapshot (%s)", parts->elems[i].topic,
                             (int)parts->elems[i].partition, c->elems[i].offset, w[i].key);
                else
                    snprintf(why, sizeof why, "the state snapshot %s covers %s/%d up to offset %"
                             PRId64 " but the committed offset is %" PRId64, w[i].key,
                             parts->elems[i].topic, (int)parts->elems[i].partition, w[i].offset,
                             c->elems[i].offset);
                break;
            }
        } else if (!why[0]) {
            snprintf(why, sizeof why, "the changelog %s could not be read", p->set.changelog);
        }
        if (agree) {
            rc = 0;
            break;
        }
        if (now_ms() + 500 > deadline || wx_stop_requested()) {
            if (mismatch)
                wx_log(CMD, "refusing to resume: %s; the state and the input offsets committed "
                            "with it did not agree within --broker-timeout (%d attempts)",
                       why, attempts);
            else
                wx_log(CMD, "restoring state: %s; giving up after --broker-timeout (%d attempts)",
                       why, attempts);
            break;
        }
        if ((mismatch ? !said_mismatch : !said_error) || attempts % 20 == 0) {
            said_mismatch |= mismatch;
            said_error |= !mismatch;
            if (mismatch)
                wx_log(CMD, "%s; waiting for the transaction that wrote them to become visible, "
                            "then reading both again", why);
            else
                wx_log(CMD, "restoring state: %s; trying again", why);
        }
        why[0] = '\0';
        nanosleep(&(struct timespec){0, 500 * 1000 * 1000}, NULL);
    }
    busy_end(p);
    int restored = 0;
    for (int i = 0; rc == 0 && i < parts->cnt; i++) {
        int32_t part = parts->elems[i].partition;
        if (part < 0 || part >= MAX_PARTITIONS) {
            wx_log(CMD, "partition %d is beyond what one process handles (%d)", (int)part,
                   MAX_PARTITIONS);
            rc = -1;
            break;
        }
        int64_t covered = resume_offset(&w[i], c->elems[i].offset);
        if (covered >= 0 && c->elems[i].offset < 0 && !p->set.quiet)
            wx_log(CMD, "%s/%d has no committed offset: resuming at offset %" PRId64 ", where its "
                        "state snapshot ends (the group's offsets expired or were deleted?)",
                   parts->elems[i].topic, (int)parts->elems[i].partition, covered);
        if (!strcmp(parts->elems[i].topic, p->set.input)) {
            in_part_t *ip = calloc(1, sizeof *ip);
            if (!ip) {
                rc = -1;
                break;
            }
            ip->sp = w[i].found ? stream_part_load(w[i].value, w[i].len, &p->set.cfg)
                                : stream_part_new(&p->set.cfg);
            if (!ip->sp) {
                wx_log(CMD, "state snapshot %s is unreadable", w[i].key);
                free(ip);
                rc = -1;
                break;
            }
            ip->covered = covered;
            ip->last_msg_ms = now_ms();
            ip->reported = (wxbuf_t)WXBUF_INIT;
            p->state.in[part] = ip;
        } else {
            hr_part_t *hp = calloc(1, sizeof *hp);
            if (!hp) {
                rc = -1;
                break;
            }
            wx_time_t keep = (wx_time_t)p->set.correct_hours * WX_HOUR;
            hp->hs = w[i].found ? hour_stage_load(w[i].value, w[i].len, keep) : hour_stage_new();
            if (hp->hs && !w[i].found)
                hour_stage_set_corrections(hp->hs, keep);
            for (int k = 0; hp->hs && k < p->set.n_expected; k++)
                if (hour_stage_expect(hp->hs, p->set.expected[k]) != 0) {
                    hour_stage_destroy(hp->hs);
                    hp->hs = NULL;
                }
            if (!hp->hs) {
                wx_log(CMD, "state snapshot %s is unreadable", w[i].key);
                free(hp);
                rc = -1;
                break;
            }
            hp->covered = covered;
            hp->last_msg_ms = now_ms();
            p->state.hr[part] = hp;
        }
        restored += w[i].found;
        unchecked += w[i].found && !w[i].has_offset;
        if (resume && i < resume->cnt)
            resume->elems[i].offset = covered >= 0 ? covered : RD_KAFKA_OFFSET_BEGINNING;
    }
    p->state.restores++;
    p->state.snapshots_loaded += restored;
    if (!p->set.quiet && rc == 0) {
        wx_log(CMD, "assigned %d partitions (%d restored from snapshots) in %" PRId64 " ms",
               parts->cnt, restored, now_ms() - t0);
        if (unchecked > 0)
            wx_log(CMD, "%d snapshots were written by an older version without the offset they "
                        "cover: taken unchecked (the next commit writes checked ones)", unchecked);
    }
    for (int i = 0; i < parts->cnt; i++)
        free(w[i].value);
    free(w);
    rd_kafka_topic_partition_list_destroy(c);
    return rc;
}

static void drop_state(proc_t *p)
{
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        if (p->state.in[i]) {
            stream_part_destroy(p->state.in[i]->sp);
            wxbuf_free(&p->state.in[i]->reported);
            free(p->state.in[i]);
            p->state.in[i] = NULL;
        }
        if (p->state.hr[i]) {
            hour_stage_destroy(p->state.hr[i]->hs);
            free(p->state.hr[i]);
            p->state.hr[i] = NULL;
        }
    }
}

/* ------------------------------------------------------------------ transactions */


/* After a failed transaction call: retriable errors are retried by the caller; an abortable one
 * aborts the transaction and rewinds to the last commit (state reloaded, input re-read from the
 * committed offsets, the same results produced again); a fatal one (e.g. fenced by a newer
 * instance with the same --instance-id) ends the run. Returns true when the transaction is over
 * (aborted or failed), false when the caller may retry. Takes ownership of error. */
/* Aborts the open transaction and resumes from the last commit: the in-memory state is
 * dropped, the committed snapshots loaded, and input re-read from the committed offsets, so the
 * same results are produced again in a new transaction. Returns true (the transaction is over). */
/* Aborts the open transaction, retrying within --broker-timeout. Returns false (the run has
 * failed) when it cannot be aborted. */
static bool abort_txn(proc_t *p)
{
    if (!p->txn.trouble_since_ms)
        p->txn.trouble_since_ms = now_ms();
    for (;;) {
        rd_kafka_error_t *e2 = rd_kafka_abort_transaction(p->txn.producer, call_timeout_ms(p, 30000));
        if (!e2)
            break;
        /* librdkafka 2.0 flags a timed-out abort as abortable, not retriable, and a second
         * abort succeeds: retry anything but a fatal error, within --broker-timeout. */
        bool retry = !rd_kafka_error_is_fatal(e2) &&
                     now_ms() - p->txn.trouble_since_ms <= p->set.broker_timeout_s * 1000LL;
        wx_log(CMD, "aborting the transaction: %s", rd_kafka_error_string(e2));
        rd_kafka_error_destroy(e2);
        if (!retry) {
            fail(p, "%s", "the transaction could not be aborted");
            return false;
        }
    }
    p->txn.in_txn = false;
    p->txn.delivery_errors = 0; /* the aborted records' reports */
    p->txn.abort_pending = false;
    process_metrics_aborted(p->rep.metrics);
    return true;
}

static bool abort_and_rewind(proc_t *p, const char *why)
{
    if (!p->set.quiet)
        wx_log(CMD, "%s; aborting the transaction and resuming from the last commit", why);
    if (!abort_txn(p))
        return true;
    p->txn.rewinds++;
    /* In a revocation the partitions are being dropped anyway; their next owner restores. */
    if (!p->cons.in_rebalance && rewind_to_last_commit(p) != 0)
        fail(p, "%s", "could not resume from the last commit");
    return true;
}

static bool txn_error(proc_t *p, rd_kafka_error_t *error, const char *what)
{
    char msg[600];
    snprintf(msg, sizeof msg, "%s: %s", what, rd_kafka_error_string(error));
    int64_t now = now_ms();
    if (!p->txn.trouble_since_ms)
        p->txn.trouble_since_ms = now;
    if (now - p->txn.trouble_since_ms > p->set.broker_timeout_s * 1000LL) {
        rd_kafka_error_destroy(error);
        fail(p, "%s; giving up after --broker-timeout", msg);
        return true;
    }
    if (rd_kafka_error_is_retriable(error) && !rd_kafka_error_txn_requires_abort(error)) {
        if (!p->set.quiet)
            wx_log(CMD, "%s (retrying)", msg);
        rd_kafka_error_destroy(error);
        nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
        return false;
    }
    if (rd_kafka_error_txn_requires_abort(error)) {
        rd_kafka_error_destroy(error);
        return abort_and_rewind(p, msg);
    }
    rd_kafka_error_destroy(error);
    fail(p, "%s", msg);
    return true;
}


static void begin(proc_t *p)
{
    if (p->txn.in_txn || p->loop.failed)
        return;
    rd_kafka_error_t *e = rd_kafka_begin_transaction(p->txn.producer);
    if (e) {
        rd_kafka_error_destroy(e);
        fail(p, "%s", "begin transaction failed");
        return;
    }
    p->txn.in_txn = true;
    p->txn.records = 0;
    p->txn.consumed = 0;
}

static int64_t quiet_since(const proc_t *p, int64_t last_msg_ms);

/* Progress reports: every internal partition learns, for each of our input partitions, how
 * far each of its stations has emitted its hours. A station of a caught-up partition that has
 * been silent for the idle timeout does not hold time back; nor does a station not seen yet,
 * once its partition has read a record or been caught up. Sent when it changed. */
static void report_progress(proc_t *p)
{
    int64_t now = now_ms();
    hour_stage_station_t st[256];
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        in_part_t *ip = p->state.in[i];
        if (!ip)
            continue;
        size_t n = stream_part_station_count(ip->sp);
        ip->ready = ip->ready || ip->eof || n > 0 || stream_part_flushed(ip->sp);
        wxbuf_reset(&p->res.value);
        hour_stage_station_t *list = n <= sizeof st / sizeof st[0] ? st : malloc(n * sizeof *list);
        if (!list) {
            fail(p, "%s", "out of memory");
            return;
        }
        for (size_t k = 0; k < n; k++) {
            stream_station_progress_t sp = stream_part_station_progress(ip->sp, k);
            list[k].wban = sp.wban;
            list[k].upto = sp.upto;
            /* With --exit-idle a quiet partition is flushed instead (flush_quiet_inputs):
             * marking it idle first could decide hours before its last summaries are out. */
            int64_t seen = sp.seen == STREAM_TICK_UNKNOWN ? p->cons.assigned_ms : sp.seen;
            if (p->set.exit_idle_s == 0 && ip->eof && p->set.idle_timeout_s > 0 &&
                now - quiet_since(p, seen) >= p->set.idle_timeout_s * 1000LL)
                list[k].upto = WX_TIME_MAX;
        }
        hour_stage_encode_report(i, p->state.n_input, ip->ready ? WX_TIME_MAX : WX_TIME_MIN, list, n,
                                 &p->res.value);
        if (list != st)
            free(list);
        if (ip->reported.len == p->res.value.len &&
            memcmp(ip->reported.data, p->res.value.data, p->res.value.len) == 0)
            continue;
        for (int q = 0; q < p->state.n_hourly; q++)
            produce(p, p->set.hourly, q, NULL, 0, p->res.value.data, p->res.value.len);
        wxbuf_reset(&ip->reported);
        wxbuf_append(&ip->reported, p->res.value.data, p->res.value.len);
    }
}

static void commit_body(proc_t *p);

static void publish_metrics(proc_t *p, int64_t now);

static void commit(proc_t *p)
{
    if (!p->txn.in_txn || p->loop.failed)
        return;
    double t0 = process_metrics_clock();
    long before = p->txn.transactions;
    busy_begin(p);
    commit_body(p);
    busy_end(p);
    if (p->txn.transactions != before) {
        process_metrics_committed(p->rep.metrics, process_metrics_clock() - t0);
        /* The counts that came with this commit (snapshot bytes...) go out with it, so a
         * scrape never shows the commit without them. */
        p->rep.metrics_ms = 0;
        publish_metrics(p, now_ms());
    }
}

static void commit_body(proc_t *p)
{
    int64_t t0 = now_ms();
    if (p->txn.abort_pending) {
        abort_and_rewind(p, "a record could not be produced in this transaction");
        return;
    }
    report_progress(p);
    /* --stations: a listed station that has not reported for the idle timeout since the
     * assignment stops holding MaxTemp back (restore lists them again). */
    bool forget = p->set.n_expected > 0 && p->set.idle_timeout_s > 0 &&
                  now_ms() - p->cons.assigned_ms >= p->set.idle_timeout_s * 1000LL;
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        if (p->state.hr[i]) {
            if (forget)
                hour_stage_forget_expected(p->state.hr[i]->hs);
            if (hour_stage_emit(p->state.hr[i]->hs, on_hottest, p) > 0)
                p->state.hr[i]->dirty = true;
        }
    }
    /* Where each assigned partition stands: what this transaction commits as its offset, and
     * what the snapshot committed with it must say it covers. */
    rd_kafka_topic_partition_list_t *assigned = NULL;
    rd_kafka_resp_err_t err = rd_kafka_assignment(p->cons.consumer, &assigned);
    if (err) {
        fail(p, "reading the assignment: %s", rd_kafka_err2str(err));
        return;
    }
    rd_kafka_position(p->cons.consumer, assigned);
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        if (p->state.in[i])
            p->state.in[i]->pos = -1;
        if (p->state.hr[i])
            p->state.hr[i]->pos = -1;
    }
    rd_kafka_topic_partition_list_t *offsets = rd_kafka_topic_partition_list_new(assigned->cnt);
    for (int i = 0; i < assigned->cnt; i++) {
        const rd_kafka_topic_partition_t *a = &assigned->elems[i];
        if (a->offset < 0 || a->partition < 0 || a->partition >= MAX_PARTITIONS)
            continue;
        rd_kafka_topic_partition_list_add(offsets, a->topic, a->partition)->offset = a->offset;
        if (!strcmp(a->topic, p->set.input)) {
            if (p->state.in[a->partition])
                p->state.in[a->partition]->pos = a->offset;
        } else if (p->state.hr[a->partition]) {
            p->state.hr[a->partition]->pos = a->offset;
        }
    }
    rd_kafka_topic_partition_list_destroy(assigned);
    /* A snapshot for every partition whose state changed or whose position moved (also past
     * records the state never sees: transaction markers, aborted records), each naming the
     * offset it covers; restore() checks that against the committed offset. Where the position
     * is unknown nothing is committed for the partition and its snapshot keeps its offset. */
    char key[64], covered[24];
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        in_part_t *ip = p->state.in[i];
        if (ip && (ip->dirty || (ip->pos >= 0 && ip->pos != ip->covered))) {
            if (ip->pos >= 0)
                ip->covered = ip->pos;
            wxbuf_reset(&p->res.value);
            stream_part_save(ip->sp, &p->res.value);
            p->state.snapshot_bytes_written += (long)(ip->snapshot_bytes = p->res.value.len);
            snapshot_key(key, sizeof key, "in", i);
            snprintf(covered, sizeof covered, "%" PRId64, ip->covered);
            produce_h(p, p->set.changelog, 0, key, strlen(key), p->res.value.data, p->res.value.len, covered);
            ip->dirty = false;
        }
        hr_part_t *hp = p->state.hr[i];
        if (hp && (hp->dirty || (hp->pos >= 0 && hp->pos != hp->covered))) {
            if (hp->pos >= 0)
                hp->covered = hp->pos;
            wxbuf_reset(&p->res.value);
            hour_stage_save(hp->hs, &p->res.value);
            p->state.snapshot_bytes_written += (long)(hp->snapshot_bytes = p->res.value.len);
            snapshot_key(key, sizeof key, "hr", i);
            snprintf(covered, sizeof covered, "%" PRId64, hp->covered);
            produce_h(p, p->set.changelog, 0, key, strlen(key), p->res.value.data, p->res.value.len, covered);
            hp->dirty = false;
        }
    }
    if (p->res.value.failed || p->res.key.failed) {
        rd_kafka_topic_partition_list_destroy(offsets);
        fail(p, "%s", "out of memory while formatting records");
        return;
    }
    /* A record of this transaction (a snapshot, a result) was refused: committing the offsets
     * without it would lose it. Teardown aborts the transaction instead. */
    if (p->loop.failed) {
        rd_kafka_topic_partition_list_destroy(offsets);
        return;
    }
    /* Likewise when the transaction already needs aborting: never send its offsets. */
    if (p->txn.abort_pending) {
        rd_kafka_topic_partition_list_destroy(offsets);
        abort_and_rewind(p, "a record could not be produced in this transaction");
        return;
    }
    while (offsets->cnt > 0) {
        rd_kafka_consumer_group_metadata_t *md = rd_kafka_consumer_group_metadata(p->cons.consumer);
        rd_kafka_error_t *e = rd_kafka_send_offsets_to_transaction(p->txn.producer, offsets, md,
                                                                  call_timeout_ms(p, 30000));
        rd_kafka_consumer_group_metadata_destroy(md);
        if (!e)
            break;
        if (txn_error(p, e, "committing offsets in the transaction")) {
            rd_kafka_topic_partition_list_destroy(offsets);
            return;
        }
    }
    rd_kafka_topic_partition_list_destroy(offsets);
    for (;;) {
        rd_kafka_error_t *e = rd_kafka_commit_transaction(p->txn.producer, call_timeout_ms(p, 60000));
        if (!e)
            break;
        if (txn_error(p, e, "commit transaction"))
            return;
    }
    if (p->txn.delivery_errors) {
        /* librdkafka fails the commit when a message failed; this is a second line of defence. */
        fail(p, "a result could not be delivered: %s", p->txn.first_delivery_error);
        return;
    }
    p->txn.trouble_since_ms = 0;
    p->txn.in_txn = false;
    p->txn.transactions++;
    if (p->txn.consumed > p->txn.max_consumed)
        p->txn.max_consumed = p->txn.consumed;
    p->txn.last_commit_ms = now_ms();
    if (p->set.verbose)
        wx_log(CMD, "transaction %ld committed in %" PRId64 " ms: %ld records consumed, %ld produced",
               p->txn.transactions, p->txn.last_commit_ms - t0, p->txn.consumed, p->txn.records);
    if (p->txn.records > 0)
        p->txn.last_output_commit_ms = p->txn.last_commit_ms;
}

/* librdkafka's own errors (called from its threads: only set flags here). */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    (void)reason;
    proc_t *p = opaque;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        atomic_store(&p->health.brokers_down, 1);
}

/* With the brokers down, nothing else would notice an idle processor waiting forever: check
 * every 2 s whether the cluster answers again, and give up after --broker-timeout. */
static void check_brokers(proc_t *p, int64_t now)
{
    if (atomic_exchange(&p->health.brokers_down, 0) && !p->health.down_since_ms) {
        p->health.down_since_ms = now;
        if (!p->set.quiet)
            wx_log(CMD, "all brokers are down; waiting up to %d s (--broker-timeout)",
                   p->set.broker_timeout_s);
    }
    if (!p->health.down_since_ms ||
        !proc_due(&p->health.last_probe_ms, now, PROC_BROKER_PROBE_PERIOD_MS))
        return;
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(p->txn.producer, 0, NULL, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(md);
        if (!p->set.quiet)
            wx_log(CMD, "the cluster answers again after %" PRId64 " s",
                   (now - p->health.down_since_ms) / 1000);
        p->health.down_since_ms = 0;
        p->health.up_again_ms = now;
        return;
    }
    if (now - p->health.down_since_ms > p->set.broker_timeout_s * 1000LL) {
        char msg[160];
        snprintf(msg, sizeof msg, "no broker reachable for %" PRId64 " s", (now - p->health.down_since_ms) / 1000);
        fail(p, "%s; giving up (--broker-timeout)", msg);
    }
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    proc_t *p = opaque;
    if (m->err) {
        if (!p->txn.delivery_errors)
            snprintf(p->txn.first_delivery_error, sizeof p->txn.first_delivery_error, "%s: %s",
                     rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
        p->txn.delivery_errors++;
    }
}

/* Where each input partition resumes: its committed offset (what a restart re-reads starts
 * there; docs/recovery.md). */
static void log_resume_points(proc_t *p, const rd_kafka_topic_partition_list_t *parts)
{
    for (int i = 0; i < parts->cnt; i++)
        if (!strcmp(parts->elems[i].topic, p->set.input))
            wx_log(CMD, "input %s/%d resumes at offset %" PRId64, parts->elems[i].topic,
                   (int)parts->elems[i].partition,
                   parts->elems[i].offset < 0 ? 0 : parts->elems[i].offset);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    proc_t *p = opaque;
    p->cons.in_rebalance = true;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        /* Resume exactly at the committed offsets the restored state was checked against. */
        if (restore(p, parts, parts) != 0) {
            fail(p, "%s", "could not restore the state of the assigned partitions");
            rd_kafka_assign(rk, NULL);
            return;
        }
        rd_kafka_assign(rk, parts);
        p->cons.n_nudge_parts = 0;
        for (int i = 0; i < parts->cnt; i++)
            if (!strcmp(parts->elems[i].topic, p->set.input) &&
                p->cons.n_nudge_parts < (int)(sizeof p->cons.nudge_parts / sizeof p->cons.nudge_parts[0]))
                p->cons.nudge_parts[p->cons.n_nudge_parts++] = parts->elems[i].partition;
        if (!p->set.quiet)
            log_resume_points(p, parts);
        p->cons.assigned_ms = now_ms();
        p->cons.awaiting_assignment = false;
        begin(p);
    } else {
        if (rd_kafka_assignment_lost(rk)) {
            /* The session timed out or the member was fenced: the partitions may already be
             * someone else's, and a commit now could only be refused or race their new owner.
             * What was not committed is done again by whoever restores them. */
            if (!p->set.quiet)
                wx_log(CMD, "%d partitions lost (session timed out or fenced): aborting what "
                            "was not committed; their next owner resumes from the last commit",
                       parts->cnt);
            if (p->txn.in_txn) {
                busy_begin(p);
                abort_txn(p);
                busy_end(p);
            }
        } else {
            if (!p->set.quiet)
                wx_log(CMD, "%d partitions revoked: committing what they produced", parts->cnt);
            /* Everything consumed so far is committed with its state before the partitions go. */
            commit(p);
        }
        drop_state(p);
        rd_kafka_assign(rk, NULL);
        p->cons.n_nudge_parts = 0;
        p->cons.awaiting_assignment = true;
        p->cons.assigned_ms = now_ms();
        if (!p->loop.stopping)
            begin(p);
    }
    p->cons.in_rebalance = false;
}

/* After an aborted transaction: throw the in-memory state away, load the last committed
 * snapshots, and seek every assigned partition back to its committed offset. */
static int rewind_to_last_commit(proc_t *p)
{
    /* A new phase for the watchdog: the calls that failed before are over. */
    if (p->health.busy_depth > 0)
        atomic_store(&p->health.busy_since_ms, (long long)now_ms());
    rd_kafka_topic_partition_list_t *assigned = NULL;
    if (rd_kafka_assignment(p->cons.consumer, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return -1;
    int rc = -1;
    drop_state(p);
    if (restore(p, assigned, assigned) != 0) /* the committed offsets, checked against it */
        goto done;
    rd_kafka_error_t *e = rd_kafka_seek_partitions(p->cons.consumer, assigned, 30000);
    if (e) {
        wx_log(CMD, "seeking back to the last commit: %s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        goto done;
    }
    for (int i = 0; i < assigned->cnt; i++)
        if (assigned->elems[i].err) {
            wx_log(CMD, "seeking %s/%d back: %s", assigned->elems[i].topic,
                   (int)assigned->elems[i].partition, rd_kafka_err2str(assigned->elems[i].err));
            goto done;
        }
    rc = 0;
    if (!p->set.quiet)
        wx_log(CMD, "resumed from the last commit (%d partitions)", assigned->cnt);
done:
    rd_kafka_topic_partition_list_destroy(assigned);
    begin(p);
    return rc;
}

/* ------------------------------------------------------------------ consuming */

static void handle(proc_t *p, rd_kafka_message_t *m, int64_t now)
{
    if (!m->rkt) { /* an error of the consumer itself, not of a partition */
        char why[512] = "";
        if (m->err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
            atomic_store(&p->health.brokers_down, 1);
        else if (m->err == RD_KAFKA_RESP_ERR__FATAL &&
                 rd_kafka_fatal_error(p->cons.consumer, why, sizeof why) ==
                     RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID)
            p->cons.fenced = true; /* see replace_consumer */
        else if (m->err && m->err != RD_KAFKA_RESP_ERR__TRANSPORT)
            fail(p, "consumer: %s", rd_kafka_message_errstr(m));
        return;
    }
    if (p->txn.abort_pending)
        return; /* read again after the rewind */
    const char *topic = rd_kafka_topic_name(m->rkt);
    int32_t part = m->partition;
    bool input = !strcmp(topic, p->set.input);
    if (part < 0 || part >= MAX_PARTITIONS)
        return;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (input && p->state.in[part]) {
            p->state.in[part]->eof = true;
        } else if (!input && p->state.hr[part]) {
            p->state.hr[part]->eof = true;
            p->state.hr[part]->eof_offset = m->offset;
        }
        return;
    }
    if (m->err) {
        if (m->err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
            atomic_store(&p->health.brokers_down, 1);
        else if (m->err == RD_KAFKA_RESP_ERR__TRANSPORT)
            ; /* librdkafka reconnects by itself; check_brokers watches the outage */
        else
            fail(p, "consuming: %s", rd_kafka_message_errstr(m));
        return;
    }
    if (input) {
        in_part_t *ip = p->state.in[part];
        if (!ip)
            return;
        /* The source name is formatted only if a dead letter needs it (on_dead_in). */
        route_t route = {p, p->set.input, part};
        wx_sink_t sink = {&route, on_hourly, on_outlier, NULL, on_dead_in};
        stream_part_set_tick(ip->sp, now);
        if (stream_part_offer(ip->sp, m->payload, m->len, NULL, (uint64_t)m->offset, &sink) != 0)
            fail(p, "%s", "out of memory");
        ip->dirty = true;
        ip->eof = false;
        ip->last_msg_ms = now;
        p->input.consumed_input++;
        p->txn.consumed++;
        p->input.last_input_ms = ip->last_msg_ms;
        if (!p->input.first_input_ms)
            p->input.first_input_ms = p->input.last_input_ms;
    } else {
        hr_part_t *hp = p->state.hr[part];
        if (!hp)
            return;
        wx_time_t hour;
        hottest_entry_t e;
        hour_stage_rc_t rc = hour_stage_apply(hp->hs, m->payload, m->len, &hour, &e);
        if (rc == HOUR_STAGE_NO_MEMORY) {
            fail(p, "%s", "out of memory"); /* the run ends; never a dead letter */
        } else if (rc != HOUR_STAGE_OK) {
            const bool late = rc == HOUR_STAGE_LATE; /* else HOUR_STAGE_BAD_RECORD */
            char detail[200], iso[32], source[TOPIC_MAX + 64];
            dead_letter_t d;
            snprintf(source, sizeof source, "%s/%d@%" PRId64, topic, (int)part, m->offset);
            if (late)
                snprintf(detail, sizeof detail,
                         "hourly summary of station %05d for %s came after the hottest station "
                         "of that hour was decided, more than %d h before the latest decided "
                         "hour (--corrections)",
                         (int)e.wban, wx_time_iso(hour, iso, sizeof iso), p->set.correct_hours);
            else
                snprintf(detail, sizeof detail, "unreadable record on the internal topic");
            dead_letter_init(&d, late ? "late" : "internal", detail, source);
            d.wban = late ? e.wban : 0;
            write_dead(p, &d);
        }
        hp->dirty = true;
        hp->eof = false;
        hp->last_msg_ms = now;
        p->input.consumed_hourly++;
        p->txn.consumed++;
    }
}

/* --exit-idle: an input partition that is caught up and quiet that long is finished: its open
 * hours are emitted (a later reading for them is late). */
/* When a partition went quiet: its last message, or the end of the last call that blocked the
 * loop if later (records that came in meanwhile are still in the queue). */
static int64_t quiet_since(const proc_t *p, int64_t last_msg_ms)
{
    /* Nor is input quiet while the brokers are away: it may be waiting for them (a broker
     * restart made --exit-idle finish a partition whose producer was only held up). */
    if (p->health.down_since_ms)
        return INT64_MAX / 2;
    int64_t t = last_msg_ms > p->health.unblocked_ms ? last_msg_ms : p->health.unblocked_ms;
    return t > p->health.up_again_ms ? t : p->health.up_again_ms;
}

/* An input partition whose position has reached the high watermark librdkafka last saw is
 * caught up, even if its one end-of-partition event went by (e.g. during a rebalance). */
static void notice_caught_up(proc_t *p, int64_t now)
{
    if (!proc_due(&p->eoi.caught_up_ms, now, PROC_CAUGHT_UP_PERIOD_MS))
        return;
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        in_part_t *ip = p->state.in[i];
        if (!ip || ip->eof)
            continue;
        int64_t lo = -1, hi = -1;
        if (rd_kafka_get_watermark_offsets(p->cons.consumer, p->set.input, i, &lo, &hi) != 0 || hi < 0)
            continue;
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, p->set.input, i);
        int64_t since = quiet_since(p, ip->last_msg_ms);
        if (rd_kafka_position(p->cons.consumer, l) == RD_KAFKA_RESP_ERR_NO_ERROR &&
            l->elems[0].offset >= hi && now - since >= 1000)
            ip->eof = true;
        rd_kafka_topic_partition_list_destroy(l);
    }
}

static void flush_quiet_inputs(proc_t *p, int64_t now)
{
    notice_caught_up(p, now);
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        in_part_t *ip = p->state.in[i];
        if (!ip || !ip->eof || stream_part_flushed(ip->sp))
            continue;
        if (now - quiet_since(p, ip->last_msg_ms) < p->set.exit_idle_s * 1000LL)
            continue;
        route_t route = {p, p->set.input, i};
        wx_sink_t sink = {&route, on_hourly, on_outlier, NULL, on_dead_in};
        stream_part_flush(ip->sp, &sink);
        ip->dirty = true;
    }
}

/* True when no other member of the group holding partitions is left (a dead instance stays a
 * member until its session times out; then its partitions come here; members with nothing
 * assigned do not count, or two idle ones would wait for each other). Asked once a second. */
static bool alone_in_group(proc_t *p, int64_t now)
{
    if (!proc_due(&p->eoi.group_checked_ms, now, PROC_GROUP_CHECK_PERIOD_MS))
        return p->eoi.alone;
    const struct rd_kafka_group_list *gl = NULL;
    if (rd_kafka_list_groups(p->cons.consumer, p->set.group, &gl, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        p->eoi.alone = false;
        return p->eoi.alone;
    }
    char *me = rd_kafka_memberid(p->cons.consumer);
    int others = 0;
    for (int g = 0; g < gl->group_cnt; g++)
        for (int m = 0; m < gl->groups[g].member_cnt; m++)
            if ((!me || strcmp(gl->groups[g].members[m].member_id, me) != 0) &&
                wxk_assignment_partitions(gl->groups[g].members[m].member_assignment,
                                          gl->groups[g].members[m].member_assignment_size) > 0)
                others++;
    if (me)
        rd_kafka_mem_free(p->cons.consumer, me);
    rd_kafka_group_list_destroy(gl);
    p->eoi.alone = others == 0;
    return p->eoi.alone;
}

/* Whether the hour stages we own have read everything committed to their internal partitions
 * up to now (our own last summaries and reports included): each has met the end of its
 * partition at or past the end the broker tells now. Asked at most every 200 ms. */
static bool internal_caught_up(proc_t *p, int64_t now)
{
    if (!proc_due(&p->eoi.hwm_checked_ms, now, PROC_HWM_CHECK_PERIOD_MS))
        return false;
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        hr_part_t *hp = p->state.hr[i];
        if (!hp)
            continue;
        int64_t lo = -1, hi = -1;
        if (!hp->eof ||
            rd_kafka_query_watermark_offsets(p->cons.consumer, p->set.hourly, i, &lo, &hi, 2000) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            hp->eof_offset < hi)
            return false;
    }
    return true;
}

/* The questions wxk_end_of_input asks on demand, at one instant. */
typedef struct {
    proc_t *p;
    int64_t now;
} eoi_ask_t;

static bool ask_internal_caught_up(void *ctx)
{
    eoi_ask_t *a = ctx;
    return internal_caught_up(a->p, a->now);
}

static bool ask_alone(void *ctx)
{
    eoi_ask_t *a = ctx;
    return alone_in_group(a->p, a->now);
}

/* --exit-idle: whether the run is done (the rule: wxk_end_of_input.h); *stuck when it ends
 * with hours it could not decide. The input's quiet period is the only wait: the internal
 * topic is checked against its end, not waited out. */
static bool finished(proc_t *p, int64_t now, bool *stuck)
{
    int64_t quiet = p->set.exit_idle_s * 1000LL;
    *stuck = false;
    wxk_eoi_facts_t f = {0};
    f.awaiting_assignment = p->cons.awaiting_assignment;
    f.within_first_quiet = now - p->cons.assigned_ms < quiet;
    f.txn_has_records = p->txn.records > 0;
    if (wxk_eoi_busy(&f))
        return false;
    f.inputs_flushed = true;
    f.stages_quiet_10x = true;
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        if (p->state.in[i] && !stream_part_flushed(p->state.in[i]->sp)) {
            f.inputs_flushed = false; /* the rule reads nothing further */
            break;
        }
        if (p->state.hr[i]) {
            if (hour_stage_has_open(p->state.hr[i]->hs))
                f.open_hours = true;
            f.any_hour_stage = true;
            f.all_final |= hour_stage_all_final(p->state.hr[i]->hs);
            if (now - quiet_since(p, p->state.hr[i]->last_msg_ms) < 10 * quiet)
                f.stages_quiet_10x = false;
        }
    }
    eoi_ask_t a = {p, now};
    const wxk_eoi_questions_t q = {ask_internal_caught_up, ask_alone, &a};
    const wxk_eoi_t r = wxk_end_of_input(&f, &q);
    *stuck = r == WXK_EOI_STUCK;
    return r != WXK_EOI_RUNNING;
}

static void progress_line(proc_t *p, int64_t now)
{
    if (p->set.quiet || !p->loop.tty ||
        !proc_due(&p->rep.progress_line_ms, now, PROC_PROGRESS_PERIOD_MS))
        return;
    double secs = (double)(now - p->loop.started_ms) / 1000.0;
    fprintf(stderr, "\rwxstream process: %ld read (%.0f/s), Output %ld, MaxTemp %ld, Outliers %ld, "
                    "DeadLetter %ld, %ld commits ",
            p->input.consumed_input, secs > 0 ? (double)p->input.consumed_input / secs : 0.0,
            p->res.produced[T_OUTPUT], p->res.produced[T_MAXTEMP], p->res.produced[T_OUTLIERS],
            p->res.produced[T_DEADLETTER], p->txn.transactions);
}

static int make_consumer(proc_t *p);

/* librdkafka 2.0 can fence a static member by its own rejoin (after a session timeout or a
 * broker restart it joins under a new member id, then a request still carrying the old one is
 * answered FENCED_INSTANCE_ID, which it treats as fatal: confluentinc/librdkafka#3437). The
 * consumer is then unusable. Another process with our --instance-id would also have fenced our
 * transactional producer, which is still fine here, so this is our own fencing: abort what is
 * not committed, drop the state, and join again with a new consumer; the next assignment
 * restores the committed snapshots and resumes at the committed offsets, as after a restart. */
static void replace_consumer(proc_t *p)
{
    p->cons.fenced = false;
    wx_log(CMD, "the consumer was fenced by its own rejoin (static membership, librdkafka "
                "2.0); joining again with a new one");
    busy_begin(p);
    if (p->txn.in_txn)
        abort_txn(p);
    p->txn.abort_pending = false;
    drop_state(p);
    fetch_nudge_destroy(p->cons.nudge);
    p->cons.nudge = NULL;
    p->cons.n_nudge_parts = 0;
    /* No close: it would run the rebalance callback on a consumer that cannot commit. */
    rd_kafka_destroy_flags(p->cons.consumer, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    p->cons.consumer = NULL;
    busy_end(p);
    p->cons.awaiting_assignment = true;
    p->cons.assigned_ms = now_ms();
    if (p->loop.failed)
        return;
    if (make_consumer(p) != 0) {
        fail(p, "%s", "could not make a new consumer");
        return;
    }
    p->cons.replacements++;
}

/* --metrics: hands the counts and every assigned partition's gauges to process_metrics, at
 * most twice a second (the scraper's thread never touches the state). Lag comes from
 * librdkafka's cached watermarks and positions: no broker call. */
static void publish_metrics(proc_t *p, int64_t now)
{
    if (!p->rep.metrics || !p->cons.consumer ||
        !proc_due(&p->rep.metrics_ms, now, PROC_METRICS_PERIOD_MS))
        return;
    process_totals_t t = {p->set.input, p->set.hourly, p->input.consumed_input, p->input.consumed_hourly,
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
        if (part < 0 || part >= MAX_PARTITIONS || !(input ? (void *)p->state.in[part] : p->state.hr[part]))
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

static int run(proc_t *p)
{
    p->loop.started_ms = p->txn.last_commit_ms = p->cons.assigned_ms = p->txn.last_output_commit_ms = now_ms();
    p->loop.tty = isatty(STDERR_FILENO);
    p->cons.awaiting_assignment = true;
    int64_t last_tick = 0;
    bool stuck = false;
    while (!p->loop.failed) {
        if (wx_stop_requested())
            break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(p->cons.consumer, 50);
        int64_t now = now_ms();
        if (m) {
            handle(p, m, now);
            rd_kafka_message_destroy(m);
        }
        if (p->cons.fenced) {
            replace_consumer(p);
            continue; /* p->cons.consumer is new (or the run failed) */
        }
        bool full = p->txn.in_txn && (p->txn.consumed >= p->set.commit_records || p->txn.abort_pending);
        if (now == last_tick && !full)
            continue; /* the rest is housekeeping: at most once a millisecond */
        last_tick = now;
        fetch_nudge_check(p->cons.nudge, p->set.input, p->cons.nudge_parts, p->cons.n_nudge_parts);
        rd_kafka_poll(p->txn.producer, 0); /* delivery reports */
        check_brokers(p, now);
        if (p->set.exit_idle_s > 0)
            flush_quiet_inputs(p, now);
        if (p->txn.in_txn &&
            (full || now - p->txn.last_commit_ms >= p->set.commit_interval_ms || p->txn.records > 100000)) {
            report_progress(p); /* an idle partition's progress changes without any input */
            if (p->txn.consumed > 0 || p->txn.records > 0) {
                commit(p);
                begin(p);
            } else {
                p->txn.last_commit_ms = now;
            }
        }
        progress_line(p, now);
        publish_metrics(p, now);
        if (p->set.exit_idle_s > 0 && finished(p, now, &stuck))
            break;
        if (p->cons.awaiting_assignment && now - p->cons.assigned_ms > p->set.broker_timeout_s * 1000LL) {
            fail(p, "%s", "no partition assignment from the consumer group within "
                          "--broker-timeout (is the broker reachable?)");
            break;
        }
    }
    p->loop.stopping = true;
    if (!p->loop.failed)
        commit(p);
    if (!p->set.quiet && p->loop.tty)
        fputc('\n', stderr);
    if (stuck && !p->loop.failed) {
        wx_log(CMD, "gave up waiting: some hours could not be decided because other input "
                    "partitions never reported progress (is another instance still running?)");
        return -1;
    }
    return p->loop.failed ? -1 : 0;
}

/* ------------------------------------------------------------------ setup */

static int setup_topics(proc_t *p)
{
    char err[512];
    /* A snapshot can be larger than Kafka's default 1 MB record limit (an hour stage that keeps
     * a year of decided hours for corrections): SNAPSHOT_MAX_BYTES. */
    static const char *const compact[] = {"cleanup.policy", "compact", "segment.ms", "60000",
                                          "min.cleanable.dirty.ratio", "0.1",
                                          "max.message.bytes", SNAPSHOT_MAX_BYTES, NULL};
    p->state.n_input = wx_kafka_ensure_topic(p->txn.producer, p->set.input, p->set.create_partitions, NULL, 15000,
                                       err, sizeof err);
    if (p->state.n_input < 0)
        goto fail;
    for (int i = 0; i < T_COUNT; i++)
        if (wx_kafka_ensure_topic(p->txn.producer, p->set.results[i], 1, NULL, 15000, err, sizeof err) < 0)
            goto fail;
    p->state.n_hourly = wx_kafka_ensure_topic(p->txn.producer, p->set.hourly, p->state.n_input, NULL, 15000, err,
                                        sizeof err);
    if (p->state.n_hourly < 0)
        goto fail;
    if (wx_kafka_ensure_topic(p->txn.producer, p->set.changelog, 1, compact, 15000, err, sizeof err) < 0)
        goto fail;
    if (p->state.n_input > MAX_PARTITIONS || p->state.n_hourly > MAX_PARTITIONS) {
        snprintf(err, sizeof err, "more than %d partitions", MAX_PARTITIONS);
        goto fail;
    }
    return 0;
fail:
    wx_log(CMD, "%s", err);
    return -1;
}

static rd_kafka_t *make_handle(proc_t *p, rd_kafka_type_t type, const char *const *settings,
                               rd_kafka_conf_t **conf_out)
{
    char err[512];
    rd_kafka_conf_t *conf = wx_kafka_conf(&p->set.kafka, settings, err, sizeof err);
    if (!conf) {
        wx_log(CMD, "%s", err);
        return NULL;
    }
    rd_kafka_conf_set_opaque(conf, p);
    if (conf_out)
        *conf_out = conf;
    if (type == RD_KAFKA_PRODUCER)
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk) {
        wx_log(CMD, "%s", err);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

static int setup(proc_t *p)
{
    char txn_id[512], restore_group[512];
    wxk_name(txn_id, sizeof txn_id, p->set.group, p->set.instance);
    const char *const producer_settings[] = {
        "transactional.id", txn_id, "enable.idempotence", "true",
        "partitioner", "murmur2_random", "linger.ms", "5",
        "transaction.timeout.ms", "20000", "queue.buffering.max.kbytes", "65536",
        /* One Produce request at a time per broker: a failed request is retried before any
         * later one of the same partition is sent, so a retriable produce error can never
         * surface as a sequence gap that costs the transaction (librdkafka 2.0's mock showed
         * it: tests/faults produce_not_enough_replicas). Results are a twelfth of the input:
         * no measurable cost (bench/kafka_throughput.sh). */
        "max.in.flight.requests.per.connection", "1",
        "message.max.bytes", SNAPSHOT_MAX_BYTES, NULL};
    p->txn.producer = make_handle(p, RD_KAFKA_PRODUCER, producer_settings, NULL);
    if (!p->txn.producer || setup_topics(p) != 0)
        return -1;
    /* Fences an earlier incarnation of this instance and aborts what it left open. */
    rd_kafka_error_t *e = rd_kafka_init_transactions(p->txn.producer, 60000);
    if (e) {
        wx_log(CMD, "initializing transactions (transactional.id %s): %s", txn_id,
               rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return -1;
    }
    char restore_name[512];
    snprintf(restore_name, sizeof restore_name, "restore-%s", p->set.instance);
    wxk_name(restore_group, sizeof restore_group, p->set.group, restore_name);
    const char *const restore_settings[] = {
        "group.id", restore_group, "enable.auto.commit", "false",
        "isolation.level", "read_committed", "enable.partition.eof", "true",
        "auto.offset.reset", "earliest", "fetch.wait.max.ms", "10", NULL};
    p->state.restorer = make_handle(p, RD_KAFKA_CONSUMER, restore_settings, NULL);
    if (!p->state.restorer)
        return -1;
    return make_consumer(p);
}

/* The group consumer, subscribed to the input and the internal topic (with its fetch nudge). */
static int make_consumer(proc_t *p)
{
    /* Static membership (KIP-345): a restarted instance takes its own place back at once
     * instead of waiting for the dead member's session to time out. */
    char member[512];
    wxk_name(member, sizeof member, p->set.group, p->set.instance);
    const char *const consumer_settings[] = {
        "group.id", p->set.group, "group.instance.id", member, "enable.auto.commit", "false",
        "isolation.level", "read_committed", "enable.partition.eof", "true",
        "auto.offset.reset", "earliest", "partition.assignment.strategy", "roundrobin",
        "session.timeout.ms", "10000",
        /* A fetch long-polling an idle partition (the internal topic) holds back the fetch of
         * a partition that fetch_nudge re-enabled: keep it short. */
        "fetch.wait.max.ms", "100", NULL};
    char err[512];
    rd_kafka_conf_t *conf = wx_kafka_conf(&p->set.kafka, consumer_settings, err, sizeof err);
    if (!conf) {
        wx_log(CMD, "%s", err);
        return -1;
    }
    rd_kafka_conf_set_opaque(conf, p);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_error_cb(conf, on_error);
    p->cons.consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!p->cons.consumer) {
        wx_log(CMD, "%s", err);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_poll_set_consumer(p->cons.consumer);
    p->cons.nudge = fetch_nudge_new(p->cons.consumer); /* NULL: slower through a backlog, still right */
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(topics, p->set.input, RD_KAFKA_PARTITION_UA);
    rd_kafka_topic_partition_list_add(topics, p->set.hourly, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t rerr = rd_kafka_subscribe(p->cons.consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (rerr) {
        wx_log(CMD, "subscribing: %s", rd_kafka_err2str(rerr));
        return -1;
    }
    return 0;
}

static void teardown(proc_t *p)
{
    busy_begin(p); /* the watchdog also watches the way out */
    if (p->set.verbose && p->cons.nudge)
        wx_log(CMD, "fetcher nudged %ld times (fetch_nudge.h)", fetch_nudge_count(p->cons.nudge));
    fetch_nudge_destroy(p->cons.nudge); /* waits for at most one watermark query */
    p->cons.nudge = NULL;
    if (p->cons.consumer) {
        rd_kafka_consumer_close(p->cons.consumer); /* revoke commits; a static member stays in
                                                  the group until its session times out */
        rd_kafka_destroy(p->cons.consumer);
    }
    /* After a failure the cluster may be gone: do not wait long for it on the way out. */
    int wait_ms = p->loop.failed ? 2000 : 10000;
    if (p->txn.in_txn && p->txn.producer) {
        rd_kafka_error_t *e = rd_kafka_abort_transaction(p->txn.producer, wait_ms);
        if (e)
            rd_kafka_error_destroy(e);
    }
    if (p->state.restorer) {
        rd_kafka_consumer_close(p->state.restorer);
        rd_kafka_destroy(p->state.restorer);
    }
    if (p->txn.producer) {
        rd_kafka_flush(p->txn.producer, wait_ms);
        rd_kafka_destroy(p->txn.producer);
    }
    drop_state(p);
    wxbuf_free(&p->res.key);
    wxbuf_free(&p->res.value);
    busy_end(p);
}

static void usage(FILE *f)
{
    wx_config_t d;
    wx_config_default(&d);
    fprintf(f,
            "usage: wxstream process [options]\n\n"
            "Consumes readings (USCRN lines or the seed's JSON) from the input topic in a consumer\n"
            "group and publishes, exactly once (Kafka transactions, read_committed):\n"
            "  Output      hourly mean per station, once per hour, when the station's own event\n"
            "              time passes its end plus the grace period\n"
            "  MaxTemp     hottest station per UTC hour, once every station has passed it; a\n"
            "              station that reports after it was decided makes a corrected record\n"
            "              for that hour (keep the last record per hour)\n"
            "  Outliers    flagged readings, with the test that flagged them\n"
            "  DeadLetter  input that could not be used (unreadable, late, duplicate), with why\n"
            "Run several with the same --group to share the partitions; a killed or restarted\n"
            "instance resumes from its last commit (state snapshots on an internal topic).\n\n"
            "options:\n"
            "  -t, --topic TOPIC      input topic (default: InputData; e.g. Partitioned)\n"
            "  --topic-prefix P       prefix for every topic name (input, results, internal) and\n"
            "                         for the group: a separate deployment on the same cluster\n"
            "                         (default: none)\n"
            "  -G, --group GROUP      consumer group, also names the internal topics\n"
            "                         GROUP-hourly and GROUP-changelog (default: wxstream)\n"
            "  --instance-id ID       distinct per instance of a group and stable across its\n"
            "                         restarts: it names the transactional id, so a restart fences\n"
            "                         the instance it replaces (default: 0)\n"
            "  --grace SECS           how far out of order a station's readings may arrive; other\n"
            "                         stations never make a reading late (default: %d)\n"
            "  --idle-timeout SECS    a station whose input partition is caught up and that has\n"
            "                         sent nothing this long stops holding back the hottest-\n"
            "                         station step (default: 600; 0 = never)\n"
            "  --stations LIST        the stations MaxTemp waits for even before they report (WBAN\n"
            "                         numbers or catalogue names, comma-separated), until they\n"
            "                         report or --idle-timeout passes without them: no corrected\n"
            "                         MaxTemp records when station files come one after another\n"
            "                         (default: none; stations are waited for once seen)\n"
            "  --corrections HOURS    how long a decided MaxTemp hour can still be corrected by a\n"
            "                         station that reports after it (behind the latest decided\n"
            "                         hour); later ones are DeadLetter `late` (default: 8784, a\n"
            "                         leap year; 0 = none)\n"
            "  --exit-idle SECS       for scripted runs: once an input partition is caught up and\n"
            "                         quiet this long, treat its input as finished (emit every open\n"
            "                         hour; later readings for them are late), and exit as soon as\n"
            "                         all is done (default: 0 = run until SIGINT/SIGTERM)\n"
            "  --commit-interval MS   transaction length (default: 200)\n"
            "  --commit-records N     at most N records consumed per transaction: bounds what a\n"
            "                         crash makes a restart read again (default: 20000)\n"
            "  --partitions N         partitions of the input topic when it has to be created\n"
            "                         (default: 1)\n"
            "  --broker-timeout SECS  how long transactions may keep failing (broker away) before\n"
            "                         the run ends with exit status 1 (default: 120)\n"
            "  --metrics ADDR         serve Prometheus metrics at http://ADDR/metrics, ADDR =\n"
            "                         HOST:PORT; 127.0.0.1:PORT is the safe choice (this machine\n"
            "                         only); port 0 takes a free one, logged (default: off;\n"
            "                         docs/metrics.md)\n"
            "  -q, --quiet            no progress or summary on stderr\n"
            "  -v, --verbose          a line per committed transaction\n"
            "  -h, --help             this help\n\n",
            (int)d.grace_sec);
    wx_kafka_opts_help(f);
    fputc('\n', f);
    options_analytics_help(f);
    fprintf(f, "\nSIGINT/SIGTERM: the transaction in flight is committed and the group left\n"
               "cleanly. Exit status: 0 done, 1 runtime failure (broker lost, transaction\n"
               "failed: a restart resumes from the last commit), 2 usage.\n");
}

enum { OPT_TOPIC_PREFIX = OPT_ANALYTICS_END + 1, OPT_INSTANCE, OPT_IDLE_TIMEOUT, OPT_EXIT_IDLE,
       OPT_COMMIT_INTERVAL, OPT_PARTITIONS, OPT_DEBUG, OPT_BROKER_TIMEOUT, OPT_COMMIT_RECORDS,
       OPT_CORRECTIONS, OPT_STATIONS, OPT_METRICS };

static bool parse_int_opt(const char *name, const char *arg, long lo, long hi, int *out)
{
    long v;
    if (!options_parse_long(arg, &v) || v < lo || v > hi) {
        fprintf(stderr, "wxstream process: --%s: '%s' is not a number from %ld to %ld\n", name,
                arg, lo, hi);
        return false;
    }
    *out = (int)v;
    return true;
}

/* --stations: WBAN numbers (any station) or names the catalogue knows, comma-separated. */
static bool parse_stations(const char *arg, int32_t *out, int max, int *n)
{
    char item[128];
    const char *p = arg;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof item || *n == max) {
            fprintf(stderr, "wxstream process: --stations: '%s' is not a list of stations\n", arg);
            return false;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        long v;
        const station_info_t *s = station_find(item);
        if (s)
            out[(*n)++] = s->wban;
        else if (options_parse_long(item, &v) && v > 0 && v <= 99999)
            out[(*n)++] = (int32_t)v;
        else {
            fprintf(stderr, "wxstream process: --stations: '%s' is neither a WBAN number nor a "
                            "catalogued station name\n", item);
            return false;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return true;
}

int cmd_process(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},
        {"topic", required_argument, NULL, 't'},
        {"group", required_argument, NULL, 'G'},
        {"topic-prefix", required_argument, NULL, OPT_TOPIC_PREFIX},
        {"instance-id", required_argument, NULL, OPT_INSTANCE},
        {"grace", required_argument, NULL, OPT_GRACE},
        {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
        {"corrections", required_argument, NULL, OPT_CORRECTIONS},
        {"stations", required_argument, NULL, OPT_STATIONS},
        {"exit-idle", required_argument, NULL, OPT_EXIT_IDLE},
        {"commit-interval", required_argument, NULL, OPT_COMMIT_INTERVAL},
        {"commit-records", required_argument, NULL, OPT_COMMIT_RECORDS},
        {"partitions", required_argument, NULL, OPT_PARTITIONS},
        {"broker-timeout", required_argument, NULL, OPT_BROKER_TIMEOUT},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"metrics", required_argument, NULL, OPT_METRICS},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        OPTIONS_ANALYTICS,
        {NULL, 0, NULL, 0},
    };
    static proc_t proc;
    proc_t *p = &proc;
    memset(p, 0, sizeof *p);
    wx_kafka_opts_init(&p->set.kafka);
    wx_config_default(&p->set.cfg);
    p->set.group = "wxstream";
    p->set.instance = "0";
    p->set.create_partitions = 1;
    p->set.commit_interval_ms = 200;
    p->set.commit_records = 20000;
    p->set.idle_timeout_s = 600;
    p->set.correct_hours = 8784;
    p->set.broker_timeout_s = 120;
    p->res.key = (wxbuf_t)WXBUF_INIT;
    p->res.value = (wxbuf_t)WXBUF_INIT;
    const char *prefix = "", *input = "InputData";
    int opt, grace = (int)p->set.cfg.grace_sec;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "b:t:G:X:qvh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b': p->set.kafka.brokers = optarg; break;
        case 't': input = optarg; break;
        case 'G': p->set.group = optarg; break;
        case 'X':
            if (wx_kafka_opts_add(&p->set.kafka, optarg) != 0)
                return WX_EXIT_USAGE;
            break;
        case 'q': p->set.quiet = true; break;
        case 'v': p->set.verbose = true; break;
        case 'h': usage(stdout); return WX_EXIT_OK;
        case OPT_TOPIC_PREFIX: prefix = optarg; break;
        case OPT_INSTANCE: p->set.instance = optarg; break;
        case OPT_DEBUG: p->set.kafka.debug = true; break;
        case OPT_METRICS: p->set.metrics_addr = optarg; break;
        case OPT_GRACE:
            if (!parse_int_opt("grace", optarg, 0, 7 * 86400, &grace))
                return WX_EXIT_USAGE;
            break;
        case OPT_IDLE_TIMEOUT:
            if (!parse_int_opt("idle-timeout", optarg, 0, 7 * 86400, &p->set.idle_timeout_s))
                return WX_EXIT_USAGE;
            break;
        case OPT_STATIONS:
            if (!parse_stations(optarg, p->set.expected, MAX_EXPECTED, &p->set.n_expected))
                return WX_EXIT_USAGE;
            break;
        case OPT_CORRECTIONS:
            if (!parse_int_opt("corrections", optarg, 0, 10 * 8784, &p->set.correct_hours))
                return WX_EXIT_USAGE;
            break;
        case OPT_EXIT_IDLE:
            if (!parse_int_opt("exit-idle", optarg, 0, 86400, &p->set.exit_idle_s))
                return WX_EXIT_USAGE;
            break;
        case OPT_COMMIT_RECORDS:
            if (!parse_int_opt("commit-records", optarg, 1, 100000000, &p->set.commit_records))
                return WX_EXIT_USAGE;
            break;
        case OPT_COMMIT_INTERVAL:
            if (!parse_int_opt("commit-interval", optarg, 10, 10000, &p->set.commit_interval_ms))
                return WX_EXIT_USAGE;
            break;
        case OPT_BROKER_TIMEOUT:
            if (!parse_int_opt("broker-timeout", optarg, 1, 86400, &p->set.broker_timeout_s))
                return WX_EXIT_USAGE;
            break;
        case OPT_PARTITIONS:
            if (!parse_int_opt("partitions", optarg, 1, MAX_PARTITIONS, &p->set.create_partitions))
                return WX_EXIT_USAGE;
            break;
        default: {
            int r = options_analytics(opt, optarg, &p->set.cfg);
            if (r == 1)
                break;
            if (r == 0)
                usage(stderr);
            return WX_EXIT_USAGE;
        }
        }
    }
    if (optind < argc) {
        fprintf(stderr, "wxstream process: unexpected argument '%s' (see --help)\n", argv[optind]);
        return WX_EXIT_USAGE;
    }
    p->set.cfg.grace_sec = grace;
    char err[256];
    if (wx_config_check(&p->set.cfg, err, sizeof err) != 0) {
        fprintf(stderr, "wxstream process: %s\n", err);
        return WX_EXIT_USAGE;
    }
    /* The prefix names a separate deployment: its group (and so its transactional ids) too, so
     * runs side by side on one cluster never join each other's group or fence each other. */
    snprintf(p->set.group_buf, sizeof p->set.group_buf, "%s%s", prefix, p->set.group);
    p->set.group = p->set.group_buf;
    snprintf(p->set.input, sizeof p->set.input, "%s%s", prefix, input);
    wxk_topic(p->set.hourly, sizeof p->set.hourly, p->set.group, WXK_HOURLY);
    wxk_topic(p->set.changelog, sizeof p->set.changelog, p->set.group, WXK_CHANGELOG);
    for (int i = 0; i < T_COUNT; i++)
        snprintf(p->set.results[i], sizeof p->set.results[i], "%s%s", prefix, RESULT_TOPICS[i]);

    if (p->set.metrics_addr) {
        int usage_err;
        p->rep.metrics = process_metrics_start(p->set.metrics_addr, &usage_err, err, sizeof err);
        if (!p->rep.metrics) {
            fprintf(stderr, "wxstream process: --metrics: %s\n", err);
            return usage_err ? WX_EXIT_USAGE : WX_EXIT_FAIL;
        }
        wx_log(CMD, "metrics at http://%s/metrics", process_metrics_address(p->rep.metrics));
    }
    wx_signals_install();
    pthread_t dog;
    if (pthread_create(&dog, NULL, watchdog, p) == 0)
        pthread_detach(dog);
    int status = WX_EXIT_FAIL;
    if (setup(p) == 0 && run(p) == 0)
        status = WX_EXIT_OK;
    teardown(p);
    process_metrics_stop(p->rep.metrics);
    if (!p->set.quiet && p->input.consumed_input > 1) {
        double secs = (double)(p->input.last_input_ms - p->input.first_input_ms) / 1000.0;
        wx_log(CMD, "input rate: %ld readings in %.3f s = %.0f readings/s", p->input.consumed_input,
               secs, secs > 0 ? (double)p->input.consumed_input / secs : 0.0);
    }
    if (!p->set.quiet)
        wx_log(CMD,
               "%ld readings and %ld internal records read; Output %ld, MaxTemp %ld, Outliers %ld, "
               "DeadLetter %ld (parse %ld, too_long %ld, station %ld, duplicate %ld, late %ld, "
               "internal %ld); %ld transactions (at most %ld records consumed in one), %ld rewinds",
               p->input.consumed_input, p->input.consumed_hourly, p->res.produced[T_OUTPUT],
               p->res.produced[T_MAXTEMP], p->res.produced[T_OUTLIERS], p->res.produced[T_DEADLETTER],
               p->res.dead_by_reason[0], p->res.dead_by_reason[1], p->res.dead_by_reason[2],
               p->res.dead_by_reason[3], p->res.dead_by_reason[4], p->res.dead_by_reason[5], p->txn.transactions,
               p->txn.max_consumed, p->txn.rewinds);
    if (!p->set.quiet && p->cons.replacements > 0)
        wx_log(CMD, "the consumer fenced itself %ld times and was replaced",
               p->cons.replacements);
    return status;
}
