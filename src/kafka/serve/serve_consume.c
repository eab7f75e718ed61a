/* serve_consume: `wxstream serve`'s consumer — the records read into the index and out as live
 * events, the assignment of every partition of the four topics (looked for again until they
 * are all there), and the loop that also publishes the health event once a second. It is the
 * only writer of serve_ctx_t (serve.h). */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_fields.h"
#include "serve_consume.h"
#include "serve_query.h"

static const char *const TOPIC_NAMES[SERVE_TOPICS] = {"Output", "MaxTemp", "Outliers",
                                                      "DeadLetter"};
static const char *const EVENT_NAMES[SERVE_TOPICS] = {"output", "maxtemp", "outlier", "dead"};

/* The four topics' names: prefix + Output, MaxTemp, Outliers, DeadLetter. */
void serve_name_topics(serve_ctx_t *c, const char *prefix)
{
    for (int t = 0; t < SERVE_TOPICS; t++)
        snprintf(c->topics[t], sizeof c->topics[t], "%s%s", prefix, TOPIC_NAMES[t]);
}

/* ------------------------------------------------------------------ records */

/* The members the index reads (json_fields.h: checked strictly, no allocation). */
enum { F_STATION, F_WBAN, F_NAME, F_WINDOW, F_UTC, F_REASON, F_COUNT };

typedef struct {
    json_field_t f[F_COUNT];
    char wban[SERVE_STATION_MAX], name[SERVE_NAME_MAX], window[64], utc[64], reason[1024];
    char station[SERVE_STATION_MAX];
} record_fields_t;

/* A string member: NULL when absent or not a string. Whole, or NULL when too long — except
 * the name and the reason, whose buffers hold more than the index keeps of them. */
static const char *field_str(const record_fields_t *r, int i)
{
    const json_field_t *f = &r->f[i];
    if (!f->found || f->type != JSON_STRING)
        return NULL;
    return !f->truncated || i == F_NAME || i == F_REASON ? f->buf : NULL;
}

static wx_time_t field_time(const record_fields_t *r, int i)
{
    const char *s = field_str(r, i);
    wx_time_t t;
    return s && serve_parse_time(s, &t) ? t : WX_TIME_MIN;
}

/* The station key of a record: "station" as a string, or as an integer of up to 18 digits
 * (then "wban" when it is a string, else the number zero-padded; its text is its digits, as
 * JSON allows no leading zeros). */
static bool station_of(const record_fields_t *r, char *key, size_t size)
{
    const json_field_t *f = &r->f[F_STATION];
    if (!f->found)
        return false;
    if (f->type == JSON_STRING) {
        const char *s = field_str(r, F_STATION);
        return s && serve_station_key(s, key, size);
    }
    const json_num_t *n = &f->num;
    if (f->type != JSON_NUMBER || !f->integer || n->ni > 18)
        return false;
    const char *w = field_str(r, F_WBAN);
    if (w && serve_station_key(w, key, size))
        return true;
    char num[32];
    const bool minus = n->neg && !(n->ni == 1 && n->ip[0] == '0'); /* -0 is 0 */
    snprintf(num, sizeof num, "%s%.*s", minus ? "-" : "", (int)n->ni, n->ip);
    return serve_station_key(num, key, size);
}

#define FIELD(member) offsetof(record_fields_t, member), sizeof(((record_fields_t *)0)->member)

/* 0 when the payload is one JSON object with no \u0000 in the fields read; those fields in *r.
 * (jansson, used before, also refused a \u0000 elsewhere, numbers beyond its range and
 * nesting deeper than 2048 where this refuses deeper than 32: foreign records only.) */
static int read_fields(const rd_kafka_message_t *m, record_fields_t *r)
{
    static const struct {
        const char *name;
        size_t buf;
        size_t cap;
    } spec[F_COUNT] = {
        {"station", FIELD(station)},     {"wban", FIELD(wban)},
        {"station_name", FIELD(name)},   {"window_start", FIELD(window)},
        {"utc_time", FIELD(utc)},        {"reason", FIELD(reason)},
    };
    for (int i = 0; i < F_COUNT; i++)
        r->f[i] = (json_field_t){.name = spec[i].name, .buf = (char *)r + spec[i].buf,
                                 .cap = spec[i].cap};
    char err[128];
    if (!m->payload || json_fields_get(m->payload, m->len, r->f, F_COUNT, err, sizeof err) != 0)
        return -1;
    for (int i = 0; i < F_COUNT; i++)
        if (r->f[i].found && r->f[i].has_nul)
            return -1; /* a \u0000 in a field read: not a record of ours */
    return 0;
}

static serve_part_t *part_of(serve_ctx_t *c, int topic, int32_t partition)
{
    for (size_t i = 0; i < c->n_parts; i++)
        if (c->parts[i].topic == topic && c->parts[i].partition == partition)
            return &c->parts[i];
    return NULL;
}

/* Reads one record into the index and out as a live event. Called without the lock. */
static void take_record(serve_ctx_t *c, int topic, const rd_kafka_message_t *m, char *scratch)
{
    record_fields_t rf;
    const bool is_object = read_fields(m, &rf) == 0;
    char key[SERVE_STATION_MAX], err[256];
    int rc = -1;
    wx_time_t event = WX_TIME_MIN;
    /* Accepted JSON has newlines only as whitespace: blanks keep it valid and one SSE line. */
    const char *json = m->payload;
    size_t len = m->len;
    if (is_object && len <= SERVE_RECORD_MAX &&
        (memchr(json, '\n', len) || memchr(json, '\r', len))) {
        memcpy(scratch, json, len);
        for (size_t i = 0; i < len; i++)
            if (scratch[i] == '\n' || scratch[i] == '\r')
                scratch[i] = ' ';
        json = scratch;
    }
    pthread_mutex_lock(&c->lock);
    if (is_object) {
        switch (topic) {
        case SERVE_T_OUTPUT: {
            wx_time_t t = field_time(&rf, F_WINDOW);
            if (station_of(&rf, key, sizeof key) && t != WX_TIME_MIN) {
                rc = serve_index_put_output(c->idx, key, field_str(&rf, F_NAME), t, json, len,
                                            err, sizeof err);
                event = t + WX_HOUR;
            }
            break;
        }
        case SERVE_T_MAXTEMP: {
            wx_time_t t = field_time(&rf, F_WINDOW);
            if (t != WX_TIME_MIN) {
                rc = serve_index_put_hottest(c->idx, t, json, len, err, sizeof err);
                event = t + WX_HOUR;
            }
            break;
        }
        case SERVE_T_OUTLIERS: {
            wx_time_t t = field_time(&rf, F_UTC);
            const char *reason = field_str(&rf, F_REASON);
            if (station_of(&rf, key, sizeof key) && t != WX_TIME_MIN && reason) {
                rc = serve_index_put_outlier(c->idx, key, t, reason, json, len, err, sizeof err);
                event = t;
            }
            break;
        }
        default:
            rc = serve_index_put_dead(c->idx, field_str(&rf, F_REASON), json, len, err, sizeof err);
            event = field_time(&rf, F_UTC);
            break;
        }
    }
    serve_part_t *p = part_of(c, topic, m->partition);
    if (p) {
        p->next = m->offset + 1;
        if (event != WX_TIME_MIN && (p->newest == WX_TIME_MIN || event > p->newest))
            p->newest = event;
    }
    c->records[topic]++;
    if (rc != 0)
        c->invalid[topic]++;
    c->last_update_ms = serve_now_ms();
    pthread_mutex_unlock(&c->lock);
    if (rc == 0)
        serve_hub_publish(c->hub, EVENT_NAMES[topic], json, len);
}

/* ------------------------------------------------------------------ assignment */

static bool all_found(serve_ctx_t *c)
{
    bool found[SERVE_TOPICS] = {false};
    for (size_t i = 0; i < c->n_parts; i++)
        found[c->parts[i].topic] = true;
    for (int t = 0; t < SERVE_TOPICS; t++)
        if (!found[t])
            return false;
    return true;
}

/* Looks for the topics (and partitions) not followed yet; assigns them all again with every
 * known partition at its position. Returns true when the assignment changed. */
static bool rescan(serve_run_t *r, serve_ctx_t *c, rd_kafka_t *rk)
{
    char err[512];
    bool changed = false;
    for (int t = 0; t < SERVE_TOPICS; t++) {
        int np = wx_kafka_partition_count(rk, c->topics[t], SERVE_METADATA_MS, err, sizeof err);
        if (np <= 0)
            continue;
        for (int32_t p = 0; p < np; p++) {
            pthread_mutex_lock(&c->lock);
            bool known = part_of(c, t, p) != NULL;
            if (!known && c->n_parts < SERVE_MAX_PARTS) {
                serve_part_t *sp = &c->parts[c->n_parts++];
                sp->topic = t;
                sp->partition = p;
                sp->next = -1;
                sp->high = -1;
                sp->low = -1;
                sp->newest = WX_TIME_MIN;
                changed = true;
            }
            pthread_mutex_unlock(&c->lock);
        }
    }
    if (!changed)
        return false;
    rd_kafka_topic_partition_list_t *all = rd_kafka_topic_partition_list_new((int)c->n_parts);
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_parts; i++) {
        const serve_part_t *p = &c->parts[i];
        int64_t off = p->next >= 0 ? p->next
                      : r->since != WX_TIME_MIN ? (int64_t)r->since * 1000
                                                : RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_topic_partition_list_add(all, c->topics[p->topic], p->partition)->offset = off;
    }
    pthread_mutex_unlock(&c->lock);
    if (r->since != WX_TIME_MIN) {
        /* Offsets for times, only for partitions not read yet (their offset is a timestamp). */
        rd_kafka_topic_partition_list_t *q = rd_kafka_topic_partition_list_new(all->cnt);
        for (int i = 0; i < all->cnt; i++)
            if (all->elems[i].offset >= 0 && all->elems[i].offset == (int64_t)r->since * 1000)
                rd_kafka_topic_partition_list_add(q, all->elems[i].topic, all->elems[i].partition)
                    ->offset = all->elems[i].offset;
        if (q->cnt && rd_kafka_offsets_for_times(rk, q, SERVE_METADATA_MS) == 0) {
            for (int i = 0; i < q->cnt; i++) {
                rd_kafka_topic_partition_t *a = rd_kafka_topic_partition_list_find(
                    all, q->elems[i].topic, q->elems[i].partition);
                if (a)
                    a->offset = q->elems[i].err ? RD_KAFKA_OFFSET_END : q->elems[i].offset;
            }
        }
        rd_kafka_topic_partition_list_destroy(q);
    }
    rd_kafka_resp_err_t aerr = rd_kafka_assign(rk, all);
    if (aerr && !r->quiet)
        wx_log("serve", "assign: %s", rd_kafka_err2str(aerr));
    else if (!r->quiet)
        wx_log("serve", "following %d partitions (topics %s{%s,%s,%s,%s} as they appear)",
               all->cnt, r->prefix, TOPIC_NAMES[0], TOPIC_NAMES[1], TOPIC_NAMES[2],
               TOPIC_NAMES[3]);
    rd_kafka_topic_partition_list_destroy(all);
    return true;
}

/* Positions and partition ends, for the lag (positions skip transaction markers). */
static void refresh_lag(serve_ctx_t *c, rd_kafka_t *rk)
{
    if (!c->n_parts)
        return;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)c->n_parts);
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_parts; i++)
        rd_kafka_topic_partition_list_add(l, c->topics[c->parts[i].topic], c->parts[i].partition);
    pthread_mutex_unlock(&c->lock);
    rd_kafka_position(rk, l);
    for (int i = 0; i < l->cnt; i++) {
        int64_t lo = -1, hi = -1;
        rd_kafka_get_watermark_offsets(rk, l->elems[i].topic, l->elems[i].partition, &lo, &hi);
        pthread_mutex_lock(&c->lock);
        for (size_t k = 0; k < c->n_parts; k++) {
            serve_part_t *p = &c->parts[k];
            if (p->partition != l->elems[i].partition || strcmp(c->topics[p->topic], l->elems[i].topic))
                continue;
            if (l->elems[i].offset >= 0 && l->elems[i].offset > p->next)
                p->next = l->elems[i].offset;
            if (hi >= 0)
                p->high = hi;
            if (lo >= 0)
                p->low = lo;
        }
        pthread_mutex_unlock(&c->lock);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* ------------------------------------------------------------------ the loop */

/* Consumes until a stop (a signal, or --exit-after): looks for topics and partitions not
 * followed yet, reads each record into the index and out as a live event, wakes the live
 * clients when the consumer runs dry, and once a second refreshes the lag and the rate and
 * publishes the "health" event. */
void serve_consume_loop(serve_run_t *r, serve_ctx_t *c, rd_kafka_t *rk, char *scratch)
{
    int64_t start = serve_now_ms(), last_tick = start, last_scan = 0;
    uint64_t last_total = 0;
    bool had_record = false;
    wxbuf_t hb = WXBUF_INIT;
    while (!wx_stop_requested()) {
        int64_t now = serve_now_ms();
        if (r->exit_after > 0 && now - start >= r->exit_after * 1000)
            break;
        /* Until all four topics are there, look often; then only for new partitions. */
        if (now - last_scan >= (all_found(c) ? SERVE_RESCAN_ALL_MS : SERVE_RESCAN_MS) &&
            c->n_parts < SERVE_MAX_PARTS) {
            rescan(r, c, rk);
            last_scan = serve_now_ms();
        }
        /* After a record, look for the next without waiting; when there is none, the live
         * clients are woken for what was published, or a held burst released once it has been
         * quiet long enough (serve_hub_flush, each time). */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, had_record ? 0 : 100);
        had_record = m != NULL;
        if (!m) {
            serve_hub_flush(c->hub);
        } else {
            if (!m->err) {
                const char *tn = rd_kafka_topic_name(m->rkt);
                for (int t = 0; t < SERVE_TOPICS; t++)
                    if (!strcmp(tn, c->topics[t])) {
                        take_record(c, t, m, scratch);
                        break;
                    }
            } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && !r->quiet) {
                wx_log("serve", "%s", rd_kafka_message_errstr(m));
            }
            rd_kafka_message_destroy(m);
        }
        now = serve_now_ms();
        if (now - last_tick >= 1000) {
            refresh_lag(c, rk);
            serve_hub_sweep(c->hub);
            pthread_mutex_lock(&c->lock);
            uint64_t total = 0;
            for (int t = 0; t < SERVE_TOPICS; t++)
                total += c->records[t];
            double inst = (double)(total - last_total) * 1000.0 / (double)(now - last_tick);
            c->rate = c->rate == 0 ? inst : 0.5 * c->rate + 0.5 * inst;
            last_total = total;
            wxbuf_reset(&hb);
            serve_health_json(c, &hb);
            pthread_mutex_unlock(&c->lock);
            if (!hb.failed)
                serve_hub_latest(c->hub, "health", hb.data, hb.len);
            last_tick = now;
        }
    }
    wxbuf_free(&hb);
}
