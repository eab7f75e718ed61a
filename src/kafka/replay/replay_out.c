/* replay_out: replay's producers — one, or one per file with --partition-per-file: creating a
 * producer, pacing by event time (--speed), handing records to librdkafka and serving its
 * delivery reports, the send loop over the merged files, the final flush (see replay.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "replay.h"

int64_t replay_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

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

int replay_out_new_handle(replay_run_t *run, replay_out_t *o, size_t n_producers, char *err,
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
        int64_t left = due - replay_now_ns();
        if (left <= 0 || wx_stop_requested() || atomic_load(&run->fatal))
            return;
        int ms = left > 100000000 ? 100 : (int)((left + 999999) / 1000000);
        rd_kafka_poll(o->rk, ms);
        if (o->show_progress)
            replay_progress(run, false);
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

void replay_pump(replay_out_t *o, bool show_progress)
{
    replay_run_t *run = o->run;
    o->show_progress = show_progress;
    replay_merge_init(&o->merge);
    unsigned long n = 0;
    while (o->merge.n_active > 0) {
        if (wx_stop_requested() || atomic_load(&run->fatal) || atomic_load(&run->oom))
            break;
        if (run->limit > 0 && atomic_fetch_add(&run->taken, 1) >= run->limit)
            break;
        replay_src_t *s;
        replay_rec_t *r = replay_merge_pop(&o->merge, &s);
        if (run->speed > 0)
            pace(o, r->sort_ms);
        bool ok = produce(o, r);
        replay_heap_put(&s->pending, r);
        if (!ok)
            break;
        int rc = replay_merge_advance(&o->merge);
        if (rc != REPLAY_SRC_OK) {
            o->read_failed = true;
            if (rc == REPLAY_SRC_NOMEM)
                atomic_store(&run->oom, true);
        }
        if ((++n & 127) == 0)
            rd_kafka_poll(o->rk, 0);
        /* paced runs can be slow: look at the clock every record then */
        if (show_progress && (run->speed > 0 || (n & 1023) == 0))
            replay_progress(run, false);
    }
}

void replay_flush_out(replay_out_t *o)
{
    rd_kafka_resp_err_t err = rd_kafka_flush(o->rk, o->run->flush_timeout_ms);
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
        wx_log("replay", "flush: %d messages still unconfirmed after --flush-timeout %d s",
               rd_kafka_outq_len(o->rk), o->run->flush_timeout_ms / 1000);
}

void *replay_out_thread(void *arg)
{
    replay_out_t *o = arg;
    replay_pump(o, false);
    replay_flush_out(o);
    atomic_store(&o->done, true);
    return NULL;
}
