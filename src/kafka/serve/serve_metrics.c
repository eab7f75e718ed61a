/* serve_metrics: the families of serve's /metrics (serve_metrics.h, docs/serve.md), set from
 * the serve context at every scrape. */
#include "serve_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define LABELS(...) ((const char *const[]){__VA_ARGS__, NULL})

enum {
    S_IDX_BYTES,
    S_IDX_STATIONS,
    S_IDX_OUTPUT,
    S_IDX_MAXTEMP,
    S_IDX_OUTLIERS,
    S_IDX_DEAD,
    S_EVICTED,
    S_REFUSED,
    S_SSE_CLIENTS,
    S_SSE_DROPPED,
    S_SSE_REFUSED,
    S_SSE_HOLDS,
    S_SSE_EVENTS,
    S_SSE_BYTES,
    S_HTTP_REQUESTS,
    S_HTTP_4XX,
    S_HTTP_5XX,
    S_LAST_RECORD,
    S_COUNT
};

/* A partition's series: made when it first has a value, hidden while it has none. */
typedef struct part_series {
    metrics_series_t *s;
    bool shown;
} part_series_t;

struct serve_metrics {
    serve_ctx_t *c;
    metrics_registry_t *reg;
    metrics_family_t *lag_f, *event_f, *dead_f;
    metrics_series_t *records[SERVE_TOPICS], *invalid[SERVE_TOPICS];
    metrics_series_t *s[S_COUNT];
    /* Guarded by c->lock, which the collector holds (so two scrapes never collect at once). */
    part_series_t lag[SERVE_MAX_PARTS], event[SERVE_MAX_PARTS];
};

static void part_set(metrics_family_t *f, part_series_t *ps, const char *topic,
                     int32_t partition, bool has_value, double v)
{
    if (!has_value) {
        if (ps->shown)
            metrics_series_remove(ps->s);
        ps->shown = false;
        return;
    }
    if (!ps->shown) {
        char part[16];
        snprintf(part, sizeof part, "%d", (int)partition);
        ps->s = metrics_series(f, LABELS(topic, part));
        ps->shown = ps->s != NULL;
    }
    metrics_set(ps->s, v);
}

/* Under c->lock, as every reader of the context. A dead-letter reason named "other" in the
 * data and the index's "other" (reasons past its limit) are one series, with their sum. */
static void collect(void *arg)
{
    serve_metrics_t *m = arg;
    serve_ctx_t *c = m->c;
    pthread_mutex_lock(&c->lock);
    for (int t = 0; t < SERVE_TOPICS; t++) { /* four names: PREFIX + Output, MaxTemp, ... */
        metrics_set(m->records[t], (double)c->records[t]);
        metrics_set(m->invalid[t], (double)c->invalid[t]);
    }
    for (size_t i = 0; i < c->n_parts && i < SERVE_MAX_PARTS; i++) {
        const serve_part_t *p = &c->parts[i];
        const char *topic = c->topics[p->topic];
        int64_t lag = serve_part_lag(c, p);
        part_set(m->lag_f, &m->lag[i], topic, p->partition, lag >= 0, (double)lag);
        part_set(m->event_f, &m->event[i], topic, p->partition, p->newest != WX_TIME_MIN,
                 (double)p->newest);
    }
    const char *reason, *other;
    uint64_t count, n;
    for (size_t i = 0; serve_index_dead_reason(c->idx, i, &reason, &count); i++) {
        for (size_t j = 0; serve_index_dead_reason(c->idx, j, &other, &n); j++)
            if (j != i && !strcmp(other, reason))
                count += n;
        metrics_set(metrics_series(m->dead_f, LABELS(reason)), (double)count);
    }
    serve_stats_t st;
    serve_index_stats(c->idx, &st);
    serve_hub_stats_t hs;
    serve_hub_stats(c->hub, &hs);
    const double v[S_COUNT] = {
        [S_IDX_BYTES] = (double)st.bytes,
        [S_IDX_STATIONS] = (double)st.stations,
        [S_IDX_OUTPUT] = (double)st.hours,
        [S_IDX_MAXTEMP] = (double)st.hottest_hours,
        [S_IDX_OUTLIERS] = (double)st.outliers,
        [S_IDX_DEAD] = (double)st.dead_kept,
        [S_EVICTED] = (double)st.evicted,
        [S_REFUSED] = (double)st.refused,
        [S_SSE_CLIENTS] = (double)hs.clients,
        [S_SSE_DROPPED] = (double)hs.dropped,
        [S_SSE_REFUSED] = (double)hs.refused,
        [S_SSE_HOLDS] = (double)hs.holds,
        [S_SSE_EVENTS] = (double)hs.published,
        [S_SSE_BYTES] = (double)hs.bytes_sent,
        [S_HTTP_REQUESTS] = (double)c->http_requests,
        [S_HTTP_4XX] = (double)c->http_4xx,
        [S_HTTP_5XX] = (double)c->http_5xx,
        [S_LAST_RECORD] = (double)c->last_update_ms / 1000.0,
    };
    for (int i = 0; i < S_COUNT; i++)
        metrics_set(m->s[i], v[i]);
    pthread_mutex_unlock(&c->lock);
}

/* A family without labels and its one series. */
static metrics_series_t *single(metrics_registry_t *r, bool counter, const char *name,
                                const char *help)
{
    metrics_family_t *f =
        counter ? metrics_counter(r, name, help, NULL) : metrics_gauge(r, name, help, NULL);
    return metrics_series(f, NULL);
}

static int define(serve_metrics_t *m)
{
    metrics_registry_t *r = m->reg;
    serve_ctx_t *c = m->c;
    metrics_family_t *rec = metrics_counter(r, "wxstream_serve_records_total",
                                            "Records read from each result topic.",
                                            LABELS("topic"));
    metrics_family_t *inv = metrics_counter(
        r, "wxstream_serve_records_invalid_total",
        "Records that could not be read as a result of their topic (skipped).", LABELS("topic"));
    for (int t = 0; t < SERVE_TOPICS; t++) {
        m->records[t] = metrics_series(rec, LABELS(c->topics[t]));
        m->invalid[t] = metrics_series(inv, LABELS(c->topics[t]));
        if (!m->records[t] || !m->invalid[t])
            return -1;
    }
    m->lag_f = metrics_gauge(r, "wxstream_serve_consumer_lag",
                             "Records between serve's position and the end of the partition.",
                             LABELS("topic", "partition"));
    m->event_f = metrics_gauge(r, "wxstream_serve_event_time_seconds",
                               "Newest event time read per partition (Unix seconds).",
                               LABELS("topic", "partition"));
    m->dead_f = metrics_counter(r, "wxstream_serve_dead_letters_total",
                                "Dead letters read, by reason.", LABELS("reason"));
    if (!m->lag_f || !m->event_f || !m->dead_f)
        return -1;
    m->s[S_IDX_BYTES] = single(r, false, "wxstream_serve_index_bytes",
                               "Memory held by the in-memory index (records and bookkeeping).");
    m->s[S_IDX_STATIONS] =
        single(r, false, "wxstream_serve_index_stations", "Stations in the index.");
    metrics_family_t *idx = metrics_gauge(r, "wxstream_serve_index_records",
                                          "Records in the index, by kind.", LABELS("kind"));
    m->s[S_IDX_OUTPUT] = metrics_series(idx, LABELS("output"));
    m->s[S_IDX_MAXTEMP] = metrics_series(idx, LABELS("maxtemp"));
    m->s[S_IDX_OUTLIERS] = metrics_series(idx, LABELS("outliers"));
    m->s[S_IDX_DEAD] = metrics_series(idx, LABELS("deadletter"));
    m->s[S_EVICTED] = single(r, true, "wxstream_serve_index_evicted_total",
                             "Records dropped from the index by retention or a limit.");
    m->s[S_REFUSED] = single(r, true, "wxstream_serve_index_refused_total",
                             "Records the index refused (too long, bad key, station limit).");
    m->s[S_SSE_CLIENTS] =
        single(r, false, "wxstream_serve_sse_clients", "Live (SSE) clients connected.");
    m->s[S_SSE_DROPPED] = single(r, true, "wxstream_serve_sse_clients_dropped_total",
                                 "Live clients dropped for falling a whole event ring behind.");
    m->s[S_SSE_REFUSED] = single(r, true, "wxstream_serve_sse_clients_refused_total",
                                 "Live clients refused at --max-clients.");
    m->s[S_SSE_HOLDS] = single(r, true, "wxstream_serve_sse_bursts_held_total",
                               "Bursts of live events held back and released (--burst-hold).");
    m->s[S_SSE_EVENTS] =
        single(r, true, "wxstream_serve_sse_events_total", "Live events published.");
    m->s[S_SSE_BYTES] = single(r, true, "wxstream_serve_sse_sent_bytes_total",
                               "Bytes of live events handed to clients.");
    m->s[S_HTTP_REQUESTS] = single(r, true, "wxstream_serve_http_requests_total",
                                   "HTTP requests answered (live streams not included).");
    metrics_family_t *err =
        metrics_counter(r, "wxstream_serve_http_errors_total",
                        "HTTP requests answered with an error status, by class.", LABELS("class"));
    m->s[S_HTTP_4XX] = metrics_series(err, LABELS("4xx"));
    m->s[S_HTTP_5XX] = metrics_series(err, LABELS("5xx"));
    m->s[S_LAST_RECORD] =
        single(r, false, "wxstream_serve_last_record_timestamp_seconds",
               "Wall-clock time of the last record read (Unix seconds; 0 before any).");
    for (int i = 0; i < S_COUNT; i++)
        if (!m->s[i])
            return -1;
    return metrics_on_collect(r, collect, m);
}

serve_metrics_t *serve_metrics_new(serve_ctx_t *c)
{
    serve_metrics_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->c = c;
    m->reg = metrics_registry_new();
    if (!m->reg || define(m) != 0) {
        serve_metrics_free(m);
        return NULL;
    }
    return m;
}

int serve_metrics_format(serve_metrics_t *m, wxbuf_t *out)
{
    return m ? metrics_format(m->reg, out) : -1;
}

void serve_metrics_free(serve_metrics_t *m)
{
    if (!m)
        return;
    metrics_registry_destroy(m->reg);
    free(m);
}
