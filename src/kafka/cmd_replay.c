/* cmd_replay: `wxstream replay FILE...` — produce USCRN readings (sub-hourly lines or the seed's
 * JSON records) to Kafka, keyed by station, stamped with the reading's UTC time.
 *
 * Several files go into one topic through a k-way merge by event time (each file read as a
 * stream, in its own order), so a partition sees time advance steadily, as it would live. With
 * --partition-per-file every file has its own thread, producer and partition, as the seed did.
 * A line that does not decode is still sent, as it was read, so `process` dead-letters it:
 * replay never drops input.
 *
 * Memory: per file a line reader and the records waiting to be sent (one, or with --jitter
 * those within the jitter window, at most REPLAY_PENDING_MAX). Record slots and their value
 * buffers are reused, so the hot path does no allocation of its own; librdkafka copies each
 * value into its message (RD_KAFKA_MSG_F_COPY, one allocation it would make anyway). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kafka_commands.h"
#include "decode.h"
#include "input_record.h"
#include "kafka_common.h"
#include "line_reader.h"
#include "options.h"
#include "json_record.h"
#include "replay_metrics.h"
#include "uscrn.h"
#include "wxbuf.h"
#include "json_results.h"

#define REPLAY_MAX_LINE 65536
#define REPLAY_PENDING_MAX 100000 /* records held back per file for --jitter */
#define REPLAY_SHOW_MAX 5         /* raw lines and delivery failures printed, each */
#define REPLAY_METADATA_MS 10000  /* cap on waiting for the cluster before giving up */
#define SORT_NONE INT64_MIN       /* raw line before any good reading: send at once */

typedef enum { FORMAT_JSON, FORMAT_USCRN } replay_format_t;

/* One record read and waiting to be sent. */
typedef struct replay_rec {
    int64_t sort_ms; /* merge and pacing order: event time (+ jitter) */
    long line_no;
    int64_t ts_ms;   /* Kafka timestamp; 0 = now */
    char key[16];
    int key_len;     /* -1: no key */
    bool raw;        /* did not decode: value is the line as read */
    bool too_long;
    wxbuf_t value;
} replay_rec_t;

/* What one producer did; written by its thread and its delivery reports, read by the
 * progress line. */
typedef struct replay_stats {
    atomic_long lines;     /* lines read */
    atomic_long sent;      /* accepted by librdkafka */
    atomic_long raw;       /* of sent: lines that did not decode, sent as read */
    atomic_long too_long;  /* of raw: cut to LINE_READER_KEEP bytes */
    atomic_long delivered;
    atomic_long failed;    /* delivery reports with an error */
    atomic_long refused;   /* produce calls librdkafka refused (never sent) */
    atomic_long bytes;     /* key + value bytes delivered (--metrics) */
    atomic_long files_done; /* files read to their end (--metrics) */
} replay_stats_t;

typedef struct replay_run replay_run_t;

/* One input file. */
typedef struct replay_src {
    replay_run_t *run;
    size_t index;
    const char *path;
    const char *base; /* "source_file" of the JSON records */
    line_reader_t lr;
    bool opened, eof;
    replay_rec_t **heap; /* pending records, a min-heap by (sort_ms, line_no) */
    size_t heap_len, heap_cap;
    replay_rec_t **spare; /* free slots, buffers kept */
    size_t n_spare;
    int64_t last_read_ms; /* event time of the last good record read */
    char last_key[16];
    int last_key_len;
    int64_t last_ts_ms;
    uint64_t rng;
    replay_stats_t *stats; /* of the producer this file feeds */
    uscrn_line_cache_t cache;
} replay_src_t;

/* One producer: the only one, or one per file. */
typedef struct replay_out {
    replay_run_t *run;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    replay_stats_t stats;
    replay_src_t **srcs; /* the files it sends: all (merge), or one */
    size_t n_srcs;
    size_t n_active;     /* srcs[0..n_active) form the merge heap */
    int32_t partition;   /* RD_KAFKA_PARTITION_UA, or the file's partition */
    bool read_failed;
    bool show_progress; /* this thread draws the progress line */
    pthread_t thread;
    bool started;
    atomic_bool done; /* the thread has finished (flushed) */
    /* Where its records landed, from the delivery reports (written only by the thread that
     * serves this producer's reports; read once done): per partition, how many and the
     * highest offset. See doubled_records(). */
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
    const char *metrics_addr; /* --metrics */
    bool quiet;
    bool progress; /* stderr is a terminal and not quiet */

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

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* ------------------------------------------------------------------ pending records (heap) */

static bool rec_less(const replay_rec_t *a, const replay_rec_t *b)
{
    if (a->sort_ms != b->sort_ms)
        return a->sort_ms < b->sort_ms;
    return a->line_no < b->line_no;
}

static void rec_push(replay_src_t *s, replay_rec_t *r)
{
    size_t i = s->heap_len++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!rec_less(r, s->heap[p]))
            break;
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = r;
}

static replay_rec_t *rec_pop(replay_src_t *s)
{
    replay_rec_t *top = s->heap[0];
    replay_rec_t *last = s->heap[--s->heap_len];
    size_t i = 0, n = s->heap_len;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && rec_less(s->heap[c + 1], s->heap[c]))
            c++;
        if (!rec_less(s->heap[c], last))
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (n)
        s->heap[i] = last;
    return top;
}

/* A slot for one more pending record: a spare one, or a new one while under the bound. */
static replay_rec_t *rec_get(replay_src_t *s)
{
    if (s->heap_len == s->heap_cap) {
        size_t cap = s->heap_cap ? s->heap_cap * 2 : 4;
        replay_rec_t **h = realloc(s->heap, cap * sizeof *h);
        replay_rec_t **sp = h ? realloc(s->spare, cap * sizeof *sp) : NULL;
        if (h)
            s->heap = h;
        if (!sp)
            return NULL;
        s->spare = sp;
        s->heap_cap = cap;
    }
    if (s->n_spare)
        return s->spare[--s->n_spare];
    replay_rec_t *r = calloc(1, sizeof *r);
    if (r)
        r->value = (wxbuf_t)WXBUF_INIT;
    return r;
}

static void rec_put(replay_src_t *s, replay_rec_t *r)
{
    s->spare[s->n_spare++] = r; /* spare has heap_cap entries; slots <= heap_cap */
}

static void src_close(replay_src_t *s)
{
    if (s->opened)
        line_reader_close(&s->lr);
    s->opened = false;
    for (size_t i = 0; i < s->heap_len; i++) {
        wxbuf_free(&s->heap[i]->value);
        free(s->heap[i]);
    }
    for (size_t i = 0; i < s->n_spare; i++) {
        wxbuf_free(&s->spare[i]->value);
        free(s->spare[i]);
    }
    free(s->heap);
    free(s->spare);
    s->heap = s->spare = NULL;
    s->heap_len = s->n_spare = s->heap_cap = 0;
}

/* ------------------------------------------------------------------ reading */

static void show_raw(replay_src_t *s, const char *why)
{
    replay_run_t *run = s->run;
    if (run->quiet)
        return;
    int n = atomic_fetch_add(&run->raw_shown, 1);
    if (n < REPLAY_SHOW_MAX)
        wx_log("replay", "%s:%ld: does not decode, sent as read: %s", s->path, s->lr.line_no,
               why);
    else if (n == REPLAY_SHOW_MAX)
        wx_log("replay", "(more lines sent raw; the summary counts them)");
}

/* Reads one line into a pending record. 1 done, 0 end of file, -1 read error or no memory
 * (err says which). */
static int src_read_one(replay_src_t *s, char *err, size_t err_size)
{
    replay_run_t *run = s->run;
    const char *line;
    size_t len;
    bool too_long;
    int rc = line_reader_next(&s->lr, &line, &len, &too_long, err, err_size);
    if (rc == 0) {
        s->eof = true;
        atomic_fetch_add_explicit(&s->stats->files_done, 1, memory_order_relaxed);
    }
    if (rc <= 0)
        return rc;
    replay_rec_t *r = rec_get(s);
    if (!r) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    atomic_fetch_add_explicit(&s->stats->lines, 1, memory_order_relaxed);
    r->line_no = s->lr.line_no;
    r->raw = r->too_long = false;
    wxbuf_reset(&r->value);

    uscrn_reading_t rd;
    decode_form_t form = DECODE_USCRN;
    char source[JSON_RECORD_SOURCE_MAX], why[256];
    if (too_long) {
        snprintf(why, sizeof why, "longer than %d bytes (first %d sent)", REPLAY_MAX_LINE,
                 LINE_READER_KEEP);
    } else if (decode_record(line, len, &s->cache, &rd, source, sizeof source, &form, why,
                             sizeof why) ==
               0) {
        input_record_t meta;
        input_record_encode(&rd, form, line, len, run->format == FORMAT_JSON,
                            source[0] ? source : s->base, &meta, &r->value);
        r->ts_ms = meta.ts_ms;
        r->sort_ms = r->ts_ms;
        if (run->jitter_ms > 0)
            r->sort_ms += (int64_t)(splitmix64(&s->rng) % (uint64_t)run->jitter_ms);
        memcpy(r->key, meta.key, sizeof r->key);
        r->key_len = meta.key_len;
        memcpy(s->last_key, r->key, sizeof r->key);
        s->last_key_len = r->key_len;
        s->last_ts_ms = r->ts_ms;
        s->last_read_ms = r->ts_ms;
        goto queue;
    }
    /* Undecodable: as read, with the file's last good key and time, in file order. */
    show_raw(s, why);
    r->raw = true;
    r->too_long = too_long;
    wxbuf_append(&r->value, line, len);
    r->ts_ms = s->last_ts_ms; /* 0 (= now) before the file's first good reading */
    r->sort_ms = s->last_key_len >= 0 ? s->last_ts_ms : SORT_NONE;
    memcpy(r->key, s->last_key, sizeof r->key);
    r->key_len = s->last_key_len;
queue:
    if (r->value.failed) {
        wxbuf_free(&r->value);
        free(r);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    rec_push(s, r);
    return 1;
}

/* Reads until the file's next record to send is known: the first one without --jitter; with
 * it, reads ahead until the file's event time has passed the smallest pending sort key (a
 * sorted file cannot produce anything earlier after that). */
static int src_fill(replay_src_t *s)
{
    char err[512];
    while (!s->eof) {
        if (s->heap_len > 0) {
            if (s->run->jitter_ms == 0 || s->heap_len >= REPLAY_PENDING_MAX)
                break;
            if (s->last_read_ms >= s->heap[0]->sort_ms)
                break;
        }
        if (src_read_one(s, err, sizeof err) < 0) {
            if (!strcmp(err, "out of memory"))
                atomic_store(&s->run->oom, true);
            wx_log("replay", "%s: %s", s->path, err);
            s->eof = true;
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ merge across files */

static bool src_less(const replay_src_t *a, const replay_src_t *b)
{
    const replay_rec_t *x = a->heap[0], *y = b->heap[0];
    if (x->sort_ms != y->sort_ms)
        return x->sort_ms < y->sort_ms;
    return a->index < b->index;
}

static void src_sift_down(replay_out_t *o, size_t i)
{
    replay_src_t **h = o->srcs, *s = h[i];
    size_t n = o->n_active;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && src_less(h[c + 1], h[c]))
            c++;
        if (!src_less(h[c], s))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = s;
}

/* Orders srcs into a heap of the files that still have records. */
static void merge_init(replay_out_t *o)
{
    size_t n = 0;
    for (size_t i = 0; i < o->n_srcs; i++)
        if (o->srcs[i]->heap_len)
            o->srcs[n++] = o->srcs[i];
    o->n_active = n;
    for (size_t i = n / 2; i-- > 0;)
        src_sift_down(o, i);
}

/* ------------------------------------------------------------------ producing */

static void show_failure(replay_run_t *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void show_failure(replay_run_t *run, const char *fmt, ...)
{
    int n = atomic_fetch_add(&run->fail_shown, 1);
    if (n > REPLAY_SHOW_MAX)
        return;
    if (n == REPLAY_SHOW_MAX) {
        wx_log("replay", "(more delivery failures; the summary counts them)");
        return;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wx_log("replay", "%s", msg);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    replay_out_t *o = opaque;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        atomic_fetch_add_explicit(&o->stats.delivered, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&o->stats.bytes, (long)(m->key_len + m->len),
                                  memory_order_relaxed);
        if (o->part_delivered && m->partition >= 0 && m->partition < o->run->n_parts &&
            m->offset >= 0) {
            o->part_delivered[m->partition]++;
            if (m->offset > o->part_max_offset[m->partition])
                o->part_max_offset[m->partition] = m->offset;
        } else {
            o->offset_unknown = true;
        }
        return;
    }
    atomic_fetch_add_explicit(&o->stats.failed, 1, memory_order_relaxed);
    show_failure(o->run, "delivery failed: %s [%" PRId32 "] key %.*s: %s",
                 rd_kafka_topic_name(m->rkt), m->partition,
                 m->key ? (int)m->key_len : 4, m->key ? (const char *)m->key : "null",
                 rd_kafka_err2str(m->err));
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    replay_out_t *o = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char msg[512];
        rd_kafka_fatal_error(rk, msg, sizeof msg);
        wx_log("replay", "fatal producer error: %s", msg);
        atomic_store(&o->run->fatal, true);
        return;
    }
    /* Connection trouble is also logged by librdkafka itself; this line names the cause
     * in our words and is what a user sees when the broker is down. */
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        wx_log("replay", "no broker reachable (%s): %s", o->run->kopts.brokers, reason);
}

/* Creates o's producer. Returns 0, -1 with err, or -2 when the configuration (-X) is bad. */
static int out_new_handle(replay_run_t *run, replay_out_t *o, size_t n_producers, char *err,
                          size_t err_size)
{
    /* Throughput: large batches and a deep local queue; safety: idempotence (acks=all, no
     * duplicates or reordering on retry). Everything can be overridden with -X. */
    char kbytes[32];
    long kb = 262144 / (long)n_producers;
    snprintf(kbytes, sizeof kbytes, "%ld", kb < 16384 ? 16384L : kb);
    const char *settings[] = {
        "enable.idempotence", "true",
        "linger.ms", "10",
        "batch.num.messages", "100000",
        "batch.size", "1000000",
        "queue.buffering.max.messages", "500000",
        "queue.buffering.max.kbytes", kbytes,
        "message.timeout.ms", "30000",
        "partitioner", "murmur2_random",
        /* topics are created here with the partitions asked for, never by the broker's
         * auto-create on a metadata request */
        "allow.auto.create.topics", "false",
        NULL,
    };
    rd_kafka_conf_t *conf = wx_kafka_conf(&run->kopts, settings, err, err_size);
    if (!conf)
        return -2;
    rd_kafka_conf_set_opaque(conf, o);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    o->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, err_size);
    if (!o->rk) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    o->rkt = rd_kafka_topic_new(o->rk, run->topic, NULL);
    if (!o->rkt) {
        snprintf(err, err_size, "topic %s: %s", run->topic,
                 rd_kafka_err2str(rd_kafka_last_error()));
        return -1;
    }
    return 0;
}

static void progress(replay_run_t *run, bool final);

/* Waits until the record's time comes at --speed, serving delivery reports meanwhile. */
static void pace(replay_out_t *o, int64_t sort_ms)
{
    replay_run_t *run = o->run;
    if (sort_ms == SORT_NONE)
        return;
    long long t0 = atomic_load(&run->t0_ms);
    if (t0 == (long long)SORT_NONE) {
        long long expect = t0;
        if (atomic_compare_exchange_strong(&run->t0_ms, &expect, (long long)sort_ms))
            t0 = sort_ms;
        else
            t0 = expect;
    }
    if (sort_ms <= t0)
        return;
    int64_t due = run->start_ns + (int64_t)((double)(sort_ms - t0) * 1e6 / run->speed);
    for (;;) {
        int64_t left = due - now_ns();
        if (left <= 0 || wx_stop_requested() || atomic_load(&run->fatal))
            return;
        int ms = left > 100000000 ? 100 : (int)((left + 999999) / 1000000);
        rd_kafka_poll(o->rk, ms);
        if (o->show_progress)
            progress(run, false);
    }
}

/* Hands one record to librdkafka; waits (serving delivery reports) while its queue is full.
 * Returns false when the run must stop. */
static bool produce(replay_out_t *o, const replay_rec_t *r)
{
    const void *key = r->key_len >= 0 ? r->key : NULL;
    size_t key_len = r->key_len >= 0 ? (size_t)r->key_len : 0;
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            o->rk, RD_KAFKA_V_RKT(o->rkt), RD_KAFKA_V_PARTITION(o->partition),
            RD_KAFKA_V_KEY(key, key_len),
            RD_KAFKA_V_VALUE((void *)r->value.data, r->value.len),
            RD_KAFKA_V_TIMESTAMP(r->ts_ms), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            atomic_fetch_add_explicit(&o->stats.sent, 1, memory_order_relaxed);
            if (r->raw)
                atomic_fetch_add_explicit(&o->stats.raw, 1, memory_order_relaxed);
            if (r->too_long)
                atomic_fetch_add_explicit(&o->stats.too_long, 1, memory_order_relaxed);
            return true;
        }
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(o->rk, 50);
            if (wx_stop_requested() || atomic_load(&o->run->fatal))
                return false;
            continue;
        }
        atomic_fetch_add_explicit(&o->stats.refused, 1, memory_order_relaxed);
        show_failure(o->run, "cannot produce to %s: %s", o->run->topic, rd_kafka_err2str(err));
        return err != RD_KAFKA_RESP_ERR__FATAL;
    }
}

/* Sends the records of o's files in merged order until done, stopped or --limit. */
static void pump(replay_out_t *o, bool show_progress)
{
    replay_run_t *run = o->run;
    o->show_progress = show_progress;
    merge_init(o);
    unsigned long n = 0;
    while (o->n_active > 0) {
        if (wx_stop_requested() || atomic_load(&run->fatal) || atomic_load(&run->oom))
            break;
        if (run->limit > 0 && atomic_fetch_add(&run->taken, 1) >= run->limit)
            break;
        replay_src_t *s = o->srcs[0];
        replay_rec_t *r = rec_pop(s);
        if (run->speed > 0)
            pace(o, r->sort_ms);
        bool ok = produce(o, r);
        rec_put(s, r);
        if (!ok)
            break;
        if (src_fill(s) != 0)
            o->read_failed = true;
        if (s->heap_len == 0)
            o->srcs[0] = o->srcs[--o->n_active];
        if (o->n_active > 0)
            src_sift_down(o, 0);
        if ((++n & 127) == 0)
            rd_kafka_poll(o->rk, 0);
        /* paced runs can be slow: look at the clock every record then */
        if (show_progress && (run->speed > 0 || (n & 1023) == 0))
            progress(run, false);
    }
}

static void flush_out(replay_out_t *o)
{
    rd_kafka_resp_err_t err = rd_kafka_flush(o->rk, o->run->flush_timeout_ms);
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
        wx_log("replay", "flush: %d messages still unconfirmed after --flush-timeout %d s",
               rd_kafka_outq_len(o->rk), o->run->flush_timeout_ms / 1000);
}

static void *out_thread(void *arg)
{
    replay_out_t *o = arg;
    pump(o, false);
    flush_out(o);
    atomic_store(&o->done, true);
    return NULL;
}

/* ------------------------------------------------------------------ reporting */

/* Records this run left in the topic beyond the ones it delivered: in each partition, the
 * offsets from its end before the run to the highest offset a delivery report gave, less the
 * records reported there. The idempotent producer makes a retry write nothing twice — until it
 * has to bump its epoch (a broker restart can make librdkafka do so: timed-out in-flight
 * requests), after which records in flight before the bump are sent again and a copy the
 * broker had already written stays: delivered once, in the topic twice. The count is exact
 * when this run is the only producer of the partitions; another producer's records written
 * meanwhile count too (an upper bound). -1: it could not be determined (a report without an
 * offset, an end offset that could not be read). */
static long doubled_records(const replay_run_t *run)
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

typedef struct replay_totals {
    long lines, sent, raw, too_long, delivered, failed, refused, bytes, files_done;
} replay_totals_t;

static replay_totals_t totals(replay_run_t *run)
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

/* --metrics: read on the scraper's thread (atomics only). */
static void metrics_counts(void *ctx, replay_counts_t *c)
{
    replay_totals_t t = totals(ctx);
    *c = (replay_counts_t){t.files_done, t.lines,  t.raw,   t.sent,
                           t.delivered,  t.bytes, t.failed + t.refused};
}

static void progress(replay_run_t *run, bool final)
{
    if (!run->progress)
        return;
    if (final) {
        fputs("\r\033[K", stderr); /* the summary line takes its place */
        return;
    }
    int64_t now = now_ns();
    if (now - run->last_progress_ns < 1000000000)
        return;
    replay_totals_t t = totals(run);
    double dt = (double)(now - run->last_progress_ns) / 1e9;
    fprintf(stderr, "\r\033[Kwxstream replay: %ld sent, %ld delivered, %ld failed, %.0f records/s",
            t.sent, t.delivered, t.failed + t.refused,
            dt > 0 ? (double)(t.sent - run->last_progress_sent) / dt : 0.0);
    fflush(stderr);
    run->last_progress_ns = now;
    run->last_progress_sent = t.sent;
}

/* ------------------------------------------------------------------ command line */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wxstream replay [options] FILE...\n\n"
            "Produces USCRN sub-hourly readings to Kafka: lines of NOAA's subhourly01 files and/or\n"
            "the seed's JSON records (the form is told per line; FILE may be - for stdin).\n"
            "Key: the station's WBAN (\"03072\"); timestamp: the reading's UTC time; value: the\n"
            "seed's JSON record (\"source_file\" = the file's name) or the USCRN line.\n"
            "Several files into one topic are merged by event time (each file keeps its order).\n"
            "A line that does not decode is sent as read (key and time of the file's last good\n"
            "reading) so `process` dead-letters it; it is counted, never dropped.\n\n"
            "options:\n"
            "  -t, --topic TOPIC      topic to produce to (default: InputData, or Partitioned with\n"
            "                         --partition-per-file)\n"
            "  --topic-prefix P       put P in front of the topic name, as `process\n"
            "                         --topic-prefix` does (default: none)\n"
            "  --partitions N         partitions when the topic has to be created (default: 1;\n"
            "                         the number of files with --partition-per-file)\n"
            "  --partition-per-file   file i to partition i, one producer thread per file (the\n"
            "                         seed's partitioned topic); the topic needs a partition per\n"
            "                         file\n"
            "  --format FORM          value: json (the seed's record, with source_file) or uscrn\n"
            "                         (NOAA's fixed-width line as the file has it, as kcat would\n"
            "                         send it; not what the seed sent: no source_file, so results\n"
            "                         have source_file null; JSON input is written as a line)\n"
            "                         (default: json)\n"
            "  --speed N              N times real time, paced by event time; 0 = as fast as\n"
            "                         possible (default: 0)\n"
            "  --jitter SECS          send each reading at event time + uniform[0, SECS): out-of-\n"
            "                         order input for tests (default: 0)\n"
            "  --seed S               random seed of --jitter (default: 1)\n"
            "  --limit N              stop after N records (default: 0, no limit)\n"
            "  --flush-timeout SECS   wait at most this long at the end for delivery reports\n"
            "                         (default: 60)\n"
            "  --metrics ADDR         serve Prometheus metrics at http://ADDR/metrics while the\n"
            "                         run lasts, ADDR = HOST:PORT; 127.0.0.1:PORT is the safe\n"
            "                         choice (this machine only); port 0 takes a free one, logged\n"
            "                         (default: off; docs/metrics.md)\n"
            "  -q, --quiet            no summary or progress line on stderr\n"
            "  -h, --help             this help\n\n");
    wx_kafka_opts_help(f);
    fprintf(f,
            "\nProducer defaults (override with -X): enable.idempotence=true, linger.ms=10,\n"
            "batch.size=1000000, message.timeout.ms=30000, partitioner=murmur2_random (the Java\n"
            "client's key -> partition), allow.auto.create.topics=false.\n\n"
            "Every record is written at least once. A broker restart can make the idempotent\n"
            "producer bump its epoch and leave a copy written twice: the summary counts them\n"
            "(\"D written twice\"; exact when replay is the only producer of the partitions).\n\n"
            "Exit status: 0 every record delivered; 1 a delivery failed or was not confirmed, a\n"
            "file could not be read, the cluster could not be reached, or interrupted; 2 usage.\n");
}

enum {
    OPT_TOPIC_PREFIX = 2000,
    OPT_PARTITIONS,
    OPT_PER_FILE,
    OPT_FORMAT,
    OPT_SPEED,
    OPT_JITTER,
    OPT_SEED,
    OPT_LIMIT,
    OPT_FLUSH_TIMEOUT,
    OPT_DEBUG,
    OPT_METRICS,
};

static int bad_value(const char *opt, const char *arg, const char *want)
{
    fprintf(stderr, "wxstream replay: --%s: '%s' is not %s\n", opt, arg, want);
    return WX_EXIT_USAGE;
}

static int parse_args(replay_run_t *run, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},
        {"topic", required_argument, NULL, 't'},
        {"topic-prefix", required_argument, NULL, OPT_TOPIC_PREFIX},
        {"partitions", required_argument, NULL, OPT_PARTITIONS},
        {"partition-per-file", no_argument, NULL, OPT_PER_FILE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"speed", required_argument, NULL, OPT_SPEED},
        {"jitter", required_argument, NULL, OPT_JITTER},
        {"seed", required_argument, NULL, OPT_SEED},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"flush-timeout", required_argument, NULL, OPT_FLUSH_TIMEOUT},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"metrics", required_argument, NULL, OPT_METRICS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *topic = NULL, *prefix = "";
    double d;
    long l;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "b:X:t:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b':
            run->kopts.brokers = optarg;
            break;
        case 'X':
            if (wx_kafka_opts_add(&run->kopts, optarg) != 0)
                return WX_EXIT_USAGE;
            break;
        case 't':
            topic = optarg;
            break;
        case OPT_TOPIC_PREFIX:
            prefix = optarg;
            break;
        case OPT_PARTITIONS:
            if (!options_parse_long(optarg, &l) || l < 1 || l > 100000)
                return bad_value("partitions", optarg, "a count from 1 to 100000");
            run->partitions = (int)l;
            break;
        case OPT_PER_FILE:
            run->per_file = true;
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "json"))
                run->format = FORMAT_JSON;
            else if (!strcmp(optarg, "uscrn"))
                run->format = FORMAT_USCRN;
            else
                return bad_value("format", optarg, "json or uscrn");
            break;
        case OPT_SPEED:
            if (!options_parse_double(optarg, &d) || d < 0)
                return bad_value("speed", optarg, "a factor >= 0");
            run->speed = d;
            break;
        case OPT_JITTER:
            if (!options_parse_double(optarg, &d) || d < 0 || d > 1e9)
                return bad_value("jitter", optarg, "seconds >= 0");
            run->jitter_ms = (int64_t)(d * 1000.0 + 0.5);
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            unsigned long long u = strtoull(optarg, &end, 10);
            if (end == optarg || *end || errno || optarg[0] == '-')
                return bad_value("seed", optarg, "a non-negative integer");
            run->seed = u;
            break;
        }
        case OPT_LIMIT:
            if (!options_parse_long(optarg, &l) || l < 0)
                return bad_value("limit", optarg, "a count >= 0");
            run->limit = l;
            break;
        case OPT_FLUSH_TIMEOUT:
            if (!options_parse_double(optarg, &d) || d < 0 || d > 86400)
                return bad_value("flush-timeout", optarg, "seconds from 0 to 86400");
            run->flush_timeout_ms = (int)(d * 1000.0 + 0.5);
            break;
        case OPT_DEBUG:
            run->kopts.debug = true;
            break;
        case OPT_METRICS:
            run->metrics_addr = optarg;
            break;
        case 'q':
            run->quiet = true;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return WX_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "wxstream replay: no input files (see wxstream replay --help)\n");
        return WX_EXIT_USAGE;
    }
    run->files = argv + optind;
    run->n_files = (size_t)(argc - optind);
    int stdin_count = 0;
    for (size_t i = 0; i < run->n_files; i++)
        stdin_count += !strcmp(run->files[i], "-");
    if (stdin_count > 1) {
        fprintf(stderr, "wxstream replay: standard input (-) can be given only once\n");
        return WX_EXIT_USAGE;
    }
    if (run->per_file && run->partitions && (size_t)run->partitions < run->n_files) {
        fprintf(stderr,
                "wxstream replay: --partition-per-file with %zu files needs --partitions >= %zu\n",
                run->n_files, run->n_files);
        return WX_EXIT_USAGE;
    }
    if (!topic)
        topic = run->per_file ? "Partitioned" : "InputData";
    int n = snprintf(run->topic_buf, sizeof run->topic_buf, "%s%s", prefix, topic);
    if (n <= 0 || (size_t)n >= sizeof run->topic_buf || n > 249) {
        fprintf(stderr, "wxstream replay: topic name '%s%s' is too long\n", prefix, topic);
        return WX_EXIT_USAGE;
    }
    run->topic = run->topic_buf;
    return 0;
}

static const char *base_name(const char *path)
{
    if (!strcmp(path, "-"))
        return "stdin";
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* Opens every file and reads up to its first record, so a missing file fails before anything
 * is sent. */
static int open_files(replay_run_t *run)
{
    for (size_t i = 0; i < run->n_files; i++) {
        replay_src_t *s = &run->srcs[i];
        char err[512];
        s->run = run;
        s->index = i;
        s->path = run->files[i];
        s->base = base_name(s->path);
        s->last_read_ms = SORT_NONE;
        s->last_key_len = -1;
        s->rng = run->seed ^ (0x5851F42D4C957F2Dull * (i + 1));
        if (strcmp(s->path, "-")) {
            struct stat st;
            if (stat(s->path, &st) == 0 && S_ISDIR(st.st_mode)) {
                wx_log("replay", "cannot read %s: is a directory", s->path);
                return -1;
            }
        }
        if (line_reader_open(&s->lr, s->path, REPLAY_MAX_LINE, err, sizeof err) != 0) {
            wx_log("replay", "cannot read %s", err);
            return -1;
        }
        s->opened = true;
    }
    return 0;
}

/* How long to wait for the cluster at the start: the message timeout, at most 10 s. */
static int metadata_timeout_ms(rd_kafka_t *rk)
{
    char v[64];
    size_t vs = sizeof v;
    const rd_kafka_conf_t *conf = rd_kafka_conf(rk);
    long ms = REPLAY_METADATA_MS;
    if (rd_kafka_conf_get(conf, "message.timeout.ms", v, &vs) == RD_KAFKA_CONF_OK) {
        long m = strtol(v, NULL, 10);
        if (m > 0 && m < ms)
            ms = m;
    }
    return (int)ms;
}

int cmd_replay(int argc, char **argv)
{
    replay_run_t run;
    memset(&run, 0, sizeof run);
    wx_kafka_opts_init(&run.kopts);
    run.seed = 1;
    run.flush_timeout_ms = 60000;
    int status = parse_args(&run, argc, argv);
    if (status != 0)
        return status < 0 ? WX_EXIT_OK : status;
    status = WX_EXIT_FAIL;
    run.progress = !run.quiet && isatty(STDERR_FILENO);
    atomic_init(&run.t0_ms, (long long)SORT_NONE);
    wx_signals_install();

    char err[512];
    run.srcs = calloc(run.n_files, sizeof *run.srcs);
    run.n_outs = run.per_file ? run.n_files : 1;
    run.outs = calloc(run.n_outs, sizeof *run.outs);
    replay_src_t **src_ptrs = calloc(run.n_files, sizeof *src_ptrs);
    replay_metrics_t *metrics = NULL;
    if (!run.srcs || !run.outs || !src_ptrs) {
        wx_log("replay", "out of memory");
        goto done;
    }
    if (run.metrics_addr) {
        int usage_err;
        metrics = replay_metrics_start(run.metrics_addr, run.topic, run.n_files, metrics_counts,
                                       &run, &usage_err, err, sizeof err);
        if (!metrics) {
            wx_log("replay", "--metrics: %s", err);
            status = usage_err ? WX_EXIT_USAGE : WX_EXIT_FAIL;
            goto done;
        }
        wx_log("replay", "metrics at http://%s/metrics", replay_metrics_address(metrics));
    }
    if (open_files(&run) != 0)
        goto done;

    for (size_t i = 0; i < run.n_outs; i++) {
        replay_out_t *o = &run.outs[i];
        o->run = &run;
        o->partition = run.per_file ? (int32_t)i : RD_KAFKA_PARTITION_UA;
        if (run.per_file) {
            src_ptrs[i] = &run.srcs[i];
            o->srcs = &src_ptrs[i];
            o->n_srcs = 1;
        } else {
            for (size_t j = 0; j < run.n_files; j++)
                src_ptrs[j] = &run.srcs[j];
            o->srcs = src_ptrs;
            o->n_srcs = run.n_files;
        }
        for (size_t j = 0; j < o->n_srcs; j++)
            o->srcs[j]->stats = &o->stats;
        int rc = out_new_handle(&run, o, run.n_outs, err, sizeof err);
        if (rc != 0) {
            wx_log("replay", "%s", err);
            if (rc == -2)
                status = WX_EXIT_USAGE;
            goto done;
        }
    }

    /* The topic, with the partitions this run needs. */
    int want = run.partitions ? run.partitions : run.per_file ? (int)run.n_files : 1;
    int tmo = metadata_timeout_ms(run.outs[0].rk);
    int have = wx_kafka_ensure_topic(run.outs[0].rk, run.topic, want, NULL, tmo, err, sizeof err);
    if (have < 0) {
        wx_log("replay", "%s (brokers %s)", err, run.kopts.brokers);
        goto done;
    }
    if (run.per_file && (size_t)have < run.n_files) {
        wx_log("replay",
               "topic %s has %d partitions, --partition-per-file needs one per file (%zu)",
               run.topic, have, run.n_files);
        goto done;
    }

    /* Each partition's end before the run, for doubled_records(). */
    run.n_parts = have;
    run.start_offset = calloc((size_t)have, sizeof *run.start_offset);
    for (size_t i = 0; run.start_offset && i < run.n_outs; i++) {
        run.outs[i].part_delivered = calloc((size_t)have, sizeof(long));
        run.outs[i].part_max_offset = calloc((size_t)have, sizeof(int64_t));
        for (int p = 0; run.outs[i].part_max_offset && p < have; p++)
            run.outs[i].part_max_offset[p] = -1;
    }
    for (int p = 0; run.start_offset && p < have; p++) {
        /* A topic just created may not have its leaders yet: ask again for a while. */
        run.start_offset[p] = -1;
        for (int attempt = 0; attempt < 25 && !wx_stop_requested(); attempt++) {
            int64_t lo = -1, hi = -1;
            if (rd_kafka_query_watermark_offsets(run.outs[0].rk, run.topic, p, &lo, &hi, tmo) ==
                    RD_KAFKA_RESP_ERR_NO_ERROR &&
                hi >= 0) {
                run.start_offset[p] = hi;
                break;
            }
            nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
        }
    }

    run.start_ns = now_ns();
    run.last_progress_ns = run.start_ns;
    for (size_t i = 0; i < run.n_files; i++)
        if (src_fill(&run.srcs[i]) != 0)
            goto done_flush;
    if (run.per_file) {
        /* All threads pace against one clock: the earliest first record of any file. */
        int64_t t0 = SORT_NONE;
        for (size_t i = 0; i < run.n_files; i++) {
            replay_src_t *s = &run.srcs[i];
            if (s->heap_len && s->heap[0]->sort_ms != SORT_NONE &&
                (t0 == SORT_NONE || s->heap[0]->sort_ms < t0))
                t0 = s->heap[0]->sort_ms;
        }
        atomic_store(&run.t0_ms, (long long)t0);
        for (size_t i = 0; i < run.n_outs; i++) {
            int e = pthread_create(&run.outs[i].thread, NULL, out_thread, &run.outs[i]);
            if (e != 0) {
                wx_log("replay", "cannot start a thread: %s", strerror(e));
                atomic_store(&run.fatal, true);
                break;
            }
            run.outs[i].started = true;
        }
        /* Progress while the threads work. */
        for (;;) {
            bool busy = false;
            for (size_t i = 0; i < run.n_outs; i++)
                busy |= run.outs[i].started && !atomic_load(&run.outs[i].done);
            if (!busy)
                break;
            nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
            progress(&run, false);
        }
    } else {
        pump(&run.outs[0], true);
    }

done_flush:
    if (!run.per_file)
        flush_out(&run.outs[0]);
    progress(&run, true);
    {
        replay_totals_t t = totals(&run);
        bool read_failed = false;
        for (size_t i = 0; i < run.n_outs; i++)
            read_failed |= run.outs[i].read_failed;
        long unconfirmed = t.sent - t.delivered - t.failed;
        double secs = (double)(now_ns() - run.start_ns) / 1e9;
        bool interrupted = wx_stop_requested();
        /* Counted once every producer is done (its reports all served). */
        long doubled = run.start_offset ? doubled_records(&run) : -1;
        char twice[160] = "";
        if (doubled > 0)
            snprintf(twice, sizeof twice, ", %ld written twice", doubled);
        else if (doubled < 0)
            snprintf(twice, sizeof twice, ", copies written twice not counted");
        if (!run.quiet || t.failed + t.refused || interrupted || unconfirmed > 0 || doubled != 0)
            fprintf(stderr,
                    "wxstream replay: %zu file%s, %ld lines: %ld records sent to %s (%ld"
                    " undecodable sent raw, %ld of them too long), %ld delivered%s, %ld failed"
                    " in %.1f s (%.0f records/s)%s\n",
                    run.n_files, run.n_files == 1 ? "" : "s", t.lines, t.sent, run.topic, t.raw,
                    t.too_long, t.delivered, twice, t.failed + t.refused, secs,
                    secs > 0 ? (double)t.delivered / secs : 0.0,
                    interrupted ? "; interrupted" : "");
        if (doubled > 0)
            wx_log("replay",
                   "%ld records are in %s twice: a retry after the producer's epoch bump (broker "
                   "restart) wrote again what the broker had already written, or another "
                   "producer wrote to its partitions meanwhile (process dead-letters a second "
                   "copy as `duplicate`)",
                   doubled, run.topic);
        if (t.delivered == t.sent && t.failed + t.refused == 0 && !interrupted && !read_failed &&
            !atomic_load(&run.fatal) && !atomic_load(&run.oom))
            status = WX_EXIT_OK;
        if (unconfirmed > 0)
            wx_log("replay", "%ld records not confirmed by the broker", unconfirmed);
    }

done:
    replay_metrics_stop(metrics); /* before the counts it reads go */
    for (size_t i = 0; run.outs && i < run.n_outs; i++) {
        if (run.outs[i].started)
            pthread_join(run.outs[i].thread, NULL);
        if (run.outs[i].rkt)
            rd_kafka_topic_destroy(run.outs[i].rkt);
        if (run.outs[i].rk) {
            /* after an interrupted or timed-out flush: drop what is left, do not wait */
            if (rd_kafka_outq_len(run.outs[i].rk) > 0)
                rd_kafka_purge(run.outs[i].rk,
                               RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_destroy(run.outs[i].rk);
        }
    }
    for (size_t i = 0; run.outs && i < run.n_outs; i++) {
        free(run.outs[i].part_delivered);
        free(run.outs[i].part_max_offset);
    }
    free(run.start_offset);
    for (size_t i = 0; run.srcs && i < run.n_files; i++)
        src_close(&run.srcs[i]);
    free(run.srcs);
    free(run.outs);
    free(src_ptrs);
    return status;
}
