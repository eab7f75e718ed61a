/* serve_api: `wxstream serve`'s JSON API over the index (/api/hourly, /api/hottest,
 * /api/outliers, /api/dead, /api/stations, /api/health), its parameters, the health figures and
 * the Server-Sent Events stream (/api/events). The server and its routing are serve_http.c;
 * what a handler may trust and how it answers are said there. */
#define _GNU_SOURCE /* SCHED_IDLE (Linux) */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "serve.h"
#include "serve_api.h"
#include "serve_query.h"

#define SSE_BLOCK 65536
#define SSE_WAIT_MS 1000
#define MAX_STATIONS_PER_QUERY 64

static const char *const TOPIC_KIND[SERVE_TOPICS] = {"Output", "MaxTemp", "Outliers",
                                                     "DeadLetter"};

/* ------------------------------------------------------------------ health */

int64_t serve_part_lag(const serve_ctx_t *c, const serve_part_t *p)
{
    int64_t pos = p->next >= 0 ? p->next : c->from_start && p->low >= 0 ? p->low : -1;
    if (p->high < 0 || pos < 0)
        return -1;
    return p->high > pos ? p->high - pos : 0;
}

void serve_health_json(serve_ctx_t *c, wxbuf_t *b)
{
    serve_stats_t st;
    serve_index_stats(c->idx, &st);
    serve_hub_stats_t hs;
    serve_hub_stats(c->hub, &hs);
    uint64_t total = 0;
    int64_t lag_total = 0;
    for (int t = 0; t < SERVE_TOPICS; t++)
        total += c->records[t];
    for (size_t i = 0; i < c->n_parts; i++) {
        int64_t lag = serve_part_lag(c, &c->parts[i]);
        if (lag > 0)
            lag_total += lag;
    }
    int64_t now = serve_now_ms();
    wxbuf_printf(b, "{\"now_ms\":%lld,\"records_total\":%llu,\"records_per_s\":", (long long)now,
                 (unsigned long long)total);
    json_put_number(b, c->rate, 1);
    wxbuf_printf(b, ",\"lag_total\":%lld,\"last_update_ms\":", (long long)lag_total);
    if (c->last_update_ms)
        wxbuf_printf(b, "%lld", (long long)c->last_update_ms);
    else
        wxbuf_puts(b, "null");
    wxbuf_puts(b, ",\"topics\":[");
    for (int t = 0; t < SERVE_TOPICS; t++) {
        if (t)
            wxbuf_putc(b, ',');
        wxbuf_puts(b, "{\"kind\":");
        json_str(b, TOPIC_KIND[t]);
        wxbuf_puts(b, ",\"topic\":");
        json_str(b, c->topics[t]);
        wxbuf_printf(b, ",\"records\":%llu,\"invalid\":%llu,\"partitions\":[",
                     (unsigned long long)c->records[t], (unsigned long long)c->invalid[t]);
        bool first = true;
        for (size_t i = 0; i < c->n_parts; i++) {
            const serve_part_t *p = &c->parts[i];
            if (p->topic != t)
                continue;
            if (!first)
                wxbuf_putc(b, ',');
            first = false;
            int64_t lag = serve_part_lag(c, p);
            wxbuf_printf(b, "{\"partition\":%d,\"offset\":", p->partition);
            if (p->next >= 0)
                wxbuf_printf(b, "%lld", (long long)p->next);
            else
                wxbuf_puts(b, "null");
            wxbuf_puts(b, ",\"high\":");
            if (p->high >= 0)
                wxbuf_printf(b, "%lld", (long long)p->high);
            else
                wxbuf_puts(b, "null");
            wxbuf_puts(b, ",\"lag\":");
            if (lag >= 0)
                wxbuf_printf(b, "%lld", (long long)lag);
            else
                wxbuf_puts(b, "null");
            wxbuf_puts(b, ",\"newest_event\":");
            json_time(b, p->newest);
            wxbuf_putc(b, '}');
        }
        wxbuf_puts(b, "]}");
    }
    wxbuf_puts(b, "],\"dead_letters\":{");
    const char *reason;
    uint64_t count;
    for (size_t i = 0; serve_index_dead_reason(c->idx, i, &reason, &count); i++) {
        if (i)
            wxbuf_putc(b, ',');
        json_str(b, reason);
        wxbuf_printf(b, ":%llu", (unsigned long long)count);
    }
    wxbuf_printf(b,
                 "},\"sse\":{\"clients\":%zu,\"dropped_total\":%llu,\"refused_total\":%llu,"
                 "\"bursts_held_total\":%llu},"
                 "\"index\":{\"stations\":%zu,\"hours\":%zu,\"hottest_hours\":%zu,\"outliers\":%zu,"
                 "\"dead_kept\":%zu,\"bytes\":%zu,\"evicted\":%llu,\"refused\":%llu,\"newest\":",
                 hs.clients, (unsigned long long)hs.dropped, (unsigned long long)hs.refused,
                 (unsigned long long)hs.holds,
                 st.stations, st.hours, st.hottest_hours, st.outliers, st.dead_kept, st.bytes,
                 (unsigned long long)st.evicted, (unsigned long long)st.refused);
    json_time(b, st.newest);
    wxbuf_puts(b, "}}");
}

/* ------------------------------------------------------------------ parameters */

typedef struct args_check {
    const char *const *allowed;
    char unknown[64];
    bool bad;
} args_check_t;

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    (void)value;
    args_check_t *a = cls;
    for (size_t i = 0; a->allowed[i]; i++)
        if (!strcmp(key, a->allowed[i]))
            return MHD_YES;
    if (!a->bad)
        snprintf(a->unknown, sizeof a->unknown, "%s", key);
    a->bad = true;
    return MHD_YES;
}

typedef struct query {
    wx_time_t from, to;
    size_t limit;
    const char *station_raw, *reason;
} query_t;

/* Reads the parameters a route allows; on a bad one answers 400 and returns false. */
static bool read_query(serve_ctx_t *c, struct MHD_Connection *conn, const char *const *allowed,
                       size_t def_limit, size_t max_limit, query_t *q, enum MHD_Result *ret)
{
    args_check_t a = {.allowed = allowed};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, check_arg, &a);
    if (a.bad) {
        *ret = serve_send_error(c, conn, 400, "unknown parameter '%s'", a.unknown);
        return false;
    }
    q->from = WX_TIME_MIN;
    q->to = WX_TIME_MAX;
    q->limit = def_limit;
    const char *v;
    if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "from")) &&
        !serve_parse_time(v, &q->from)) {
        *ret = serve_send_error(c, conn, 400,
                                "from: not a time (2024-01-01T00:00:00Z, 2024-01-01 or "
                                "seconds since 1970)");
        return false;
    }
    if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "to")) &&
        !serve_parse_time(v, &q->to)) {
        *ret = serve_send_error(c, conn, 400,
                                "to: not a time (2024-01-01T00:00:00Z, 2024-01-01 or "
                                "seconds since 1970)");
        return false;
    }
    if (q->from > q->to) {
        *ret = serve_send_error(c, conn, 400, "from is after to");
        return false;
    }
    if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit")) &&
        !serve_parse_count(v, 1, max_limit, &q->limit)) {
        *ret = serve_send_error(c, conn, 400, "limit: not a count from 1 to %zu", max_limit);
        return false;
    }
    q->station_raw = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "station");
    q->reason = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "reason");
    if (q->reason && (!*q->reason || strlen(q->reason) >= SERVE_REASON_MAX)) {
        *ret = serve_send_error(c, conn, 400, "reason: empty or longer than %d bytes",
                                SERVE_REASON_MAX - 1);
        return false;
    }
    return true;
}

typedef struct emit {
    wxbuf_t *b;
    size_t n;
} emit_t;

static int emit_record(void *ctx, const char *json, size_t len)
{
    emit_t *e = ctx;
    if (e->n++)
        wxbuf_putc(e->b, ',');
    wxbuf_append(e->b, json, len);
    return 0;
}

/* ------------------------------------------------------------------ API */

enum MHD_Result serve_api_hourly(serve_ctx_t *c, struct MHD_Connection *conn)
{
    static const char *const allowed[] = {"station", "from", "to", "limit", NULL};
    query_t q;
    enum MHD_Result ret;
    if (!read_query(c, conn, allowed, 200000, 1000000, &q, &ret))
        return ret;
    /* station=A,B,...: each checked before anything is read */
    char keys[MAX_STATIONS_PER_QUERY][SERVE_STATION_MAX];
    size_t nk = 0;
    if (q.station_raw) {
        const char *p = q.station_raw;
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            char one[SERVE_STATION_MAX];
            if (nk == MAX_STATIONS_PER_QUERY)
                return serve_send_error(c, conn, 400, "station: more than %d stations",
                                        MAX_STATIONS_PER_QUERY);
            if (n == 0 || n >= sizeof one)
                return serve_send_error(c, conn, 400, "station: empty or too long a station");
            memcpy(one, p, n);
            one[n] = '\0';
            if (!serve_station_key(one, keys[nk], sizeof keys[nk]))
                return serve_send_error(c, conn, 400, "station: not a station key");
            nk++;
            if (!comma)
                break;
            p = comma + 1;
        }
    }
    wxbuf_t b = WXBUF_INIT;
    emit_t e = {&b, 0};
    wxbuf_puts(&b, "{\"records\":[");
    pthread_mutex_lock(&c->lock);
    if (nk) {
        for (size_t i = 0; i < nk && e.n < q.limit; i++)
            serve_index_hourly(c->idx, keys[i], q.from, q.to, q.limit - e.n, emit_record, &e);
    } else {
        serve_station_info_t si;
        for (size_t i = 0; e.n < q.limit && serve_index_station(c->idx, i, &si); i++)
            serve_index_hourly(c->idx, si.station, q.from, q.to, q.limit - e.n, emit_record, &e);
    }
    pthread_mutex_unlock(&c->lock);
    wxbuf_printf(&b, "],\"count\":%zu,\"truncated\":%s}", e.n, e.n >= q.limit ? "true" : "false");
    ret = serve_send_json(c, conn, 200, &b);
    wxbuf_free(&b);
    return ret;
}

enum MHD_Result serve_api_hottest(serve_ctx_t *c, struct MHD_Connection *conn)
{
    static const char *const allowed[] = {"from", "to", "limit", NULL};
    query_t q;
    enum MHD_Result ret;
    if (!read_query(c, conn, allowed, 100000, 1000000, &q, &ret))
        return ret;
    wxbuf_t b = WXBUF_INIT;
    emit_t e = {&b, 0};
    wxbuf_puts(&b, "{\"records\":[");
    pthread_mutex_lock(&c->lock);
    serve_index_hottest(c->idx, q.from, q.to, q.limit, emit_record, &e);
    pthread_mutex_unlock(&c->lock);
    wxbuf_printf(&b, "],\"count\":%zu,\"truncated\":%s}", e.n, e.n >= q.limit ? "true" : "false");
    ret = serve_send_json(c, conn, 200, &b);
    wxbuf_free(&b);
    return ret;
}

enum MHD_Result serve_api_outliers(serve_ctx_t *c, struct MHD_Connection *conn)
{
    static const char *const allowed[] = {"station", "reason", "from", "to", "limit", NULL};
    query_t q;
    enum MHD_Result ret;
    if (!read_query(c, conn, allowed, 1000, 100000, &q, &ret))
        return ret;
    char key[SERVE_STATION_MAX];
    if (q.station_raw && !serve_station_key(q.station_raw, key, sizeof key))
        return serve_send_error(c, conn, 400, "station: not a station key");
    wxbuf_t b = WXBUF_INIT;
    emit_t e = {&b, 0};
    wxbuf_puts(&b, "{\"records\":[");
    pthread_mutex_lock(&c->lock);
    serve_index_outliers(c->idx, q.station_raw ? key : NULL, q.reason, q.from, q.to, q.limit,
                         emit_record, &e);
    pthread_mutex_unlock(&c->lock);
    wxbuf_printf(&b, "],\"count\":%zu,\"truncated\":%s}", e.n, e.n >= q.limit ? "true" : "false");
    ret = serve_send_json(c, conn, 200, &b);
    wxbuf_free(&b);
    return ret;
}

enum MHD_Result serve_api_dead(serve_ctx_t *c, struct MHD_Connection *conn)
{
    static const char *const allowed[] = {"reason", "limit", NULL};
    query_t q;
    enum MHD_Result ret;
    if (!read_query(c, conn, allowed, 100, 100000, &q, &ret))
        return ret;
    wxbuf_t b = WXBUF_INIT;
    emit_t e = {&b, 0};
    wxbuf_puts(&b, "{\"counts\":{");
    pthread_mutex_lock(&c->lock);
    const char *reason;
    uint64_t count, total = 0;
    for (size_t i = 0; serve_index_dead_reason(c->idx, i, &reason, &count); i++) {
        if (i)
            wxbuf_putc(&b, ',');
        json_str(&b, reason);
        wxbuf_printf(&b, ":%llu", (unsigned long long)count);
        total += count;
    }
    wxbuf_printf(&b, "},\"total\":%llu,\"records\":[", (unsigned long long)total);
    serve_index_dead(c->idx, q.reason, q.limit, emit_record, &e);
    pthread_mutex_unlock(&c->lock);
    wxbuf_printf(&b, "],\"count\":%zu}", e.n);
    ret = serve_send_json(c, conn, 200, &b);
    wxbuf_free(&b);
    return ret;
}

enum MHD_Result serve_api_stations(serve_ctx_t *c, struct MHD_Connection *conn)
{
    static const char *const allowed[] = {NULL};
    query_t q;
    enum MHD_Result ret;
    if (!read_query(c, conn, allowed, 1, 1, &q, &ret))
        return ret;
    wxbuf_t b = WXBUF_INIT;
    wxbuf_puts(&b, "{\"stations\":[");
    pthread_mutex_lock(&c->lock);
    serve_station_info_t si;
    for (size_t i = 0; serve_index_station(c->idx, i, &si); i++) {
        wxbuf_puts(&b, i ? ",{\"station\":" : "{\"station\":");
        json_str(&b, si.station);
        wxbuf_puts(&b, ",\"name\":");
        json_str(&b, si.name);
        wxbuf_printf(&b, ",\"hours\":%zu,\"outliers\":%zu,\"first\":", si.hours, si.outliers);
        json_time(&b, si.first);
        wxbuf_puts(&b, ",\"last\":");
        json_time(&b, si.last);
        wxbuf_putc(&b, '}');
    }
    pthread_mutex_unlock(&c->lock);
    wxbuf_puts(&b, "]}");
    ret = serve_send_json(c, conn, 200, &b);
    wxbuf_free(&b);
    return ret;
}

enum MHD_Result serve_api_health(serve_ctx_t *c, struct MHD_Connection *conn)
{
    static const char *const allowed[] = {NULL};
    query_t q;
    enum MHD_Result ret;
    if (!read_query(c, conn, allowed, 1, 1, &q, &ret))
        return ret;
    wxbuf_t b = WXBUF_INIT;
    pthread_mutex_lock(&c->lock);
    serve_health_json(c, &b);
    pthread_mutex_unlock(&c->lock);
    ret = serve_send_json(c, conn, 200, &b);
    wxbuf_free(&b);
    return ret;
}

/* ------------------------------------------------------------------ SSE */

typedef struct sse {
    serve_ctx_t *c;
    serve_hub_client_t *client;
    bool hello_sent;
} sse_t;

/* The calling connection's thread sends only live events from now on: it runs as idle work
 * (SCHED_IDLE: a thread of its scheduling group that is not idle preempts it at once), so on a
 * machine shared with the pipeline the fan-out to viewers takes the CPU that process and the
 * broker leave, and runs at full speed when the CPU is free. Not while it holds the hub's lock
 * to copy events: then serve's consumer may wait for it (docs/serve.md). */
static void sse_idle_priority(void)
{
#ifdef SCHED_IDLE
    struct sched_param sp = {.sched_priority = 0};
    (void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp); /* best effort */
#endif
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    sse_t *s = cls;
    if (!s->hello_sent) {
        sse_idle_priority();
        /* retry: how soon the browser reconnects after the server went away */
        static const char hello[] = "retry: 1000\n: wxstream serve\n\n";
        if (max < sizeof hello - 1)
            return 0;
        memcpy(buf, hello, sizeof hello - 1);
        s->hello_sent = true;
        return (ssize_t)(sizeof hello - 1);
    }
    ssize_t n = serve_hub_read(s->c->hub, s->client, buf, max, SSE_WAIT_MS);
    if (n > 0)
        return n;
    if (n == -1)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (n == -2)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (max < 3)
        return 0;
    memcpy(buf, ":\n\n", 3); /* a comment: finds a client that went away */
    return 3;
}

static void sse_free(void *cls)
{
    sse_t *s = cls;
    serve_hub_leave(s->c->hub, s->client);
    free(s);
}

enum MHD_Result serve_api_events(serve_ctx_t *c, struct MHD_Connection *conn)
{
    static const char *const allowed[] = {NULL};
    query_t q;
    enum MHD_Result ret;
    if (!read_query(c, conn, allowed, 1, 1, &q, &ret))
        return ret;
    sse_t *s = calloc(1, sizeof *s);
    if (!s)
        return serve_send_error(c, conn, 503, "out of memory");
    s->c = c;
    s->client = serve_hub_join(c->hub);
    if (!s->client) {
        free(s);
        return serve_send_error(c, conn, 503, "too many live clients (--max-clients)");
    }
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK, sse_read, s, sse_free);
    if (!r) {
        sse_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
}
