/* batch: the reference computation over all readings at once (see batch.h).
 * Main type: batch_t — readings bucketed per station, each bucket sorted only when needed. */
#include "batch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wban_map.h"

typedef struct batch_reading {
    wx_time_t utc;
    uint64_t seq;
    double temp;
    int32_t offset_min;
    bool missing;
    uint16_t source; /* 1 + index into batch.sources; 0: none */
} batch_reading_t;

typedef struct batch_station {
    int32_t wban;
    batch_reading_t *r;
    size_t n, cap;
    bool sorted; /* still in (utc, tie-break) order as added */
} batch_station_t;

struct batch {
    wx_config_t cfg;
    batch_station_t *stations;
    size_t n_stations, cap_stations;
    wban_map_t index; /* WBAN -> position in stations */
    char **sources;   /* distinct source file names, in order of first use */
    size_t n_sources, cap_sources;
    uint16_t last_source; /* the index batch_add gave last */
};

batch_t *batch_new(const wx_config_t *cfg)
{
    batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->cfg = *cfg;
    return b;
}

void batch_destroy(batch_t *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_stations; i++)
        free(b->stations[i].r);
    free(b->stations);
    wban_map_free(&b->index);
    for (size_t i = 0; i < b->n_sources; i++)
        free(b->sources[i]);
    free(b->sources);
    free(b);
}

static batch_station_t *station_of(batch_t *b, int32_t wban)
{
    int i = wban_map_get(&b->index, wban);
    if (i >= 0)
        return &b->stations[i];
    if (b->n_stations == b->cap_stations) {
        size_t c = b->cap_stations ? b->cap_stations * 2 : 8;
        batch_station_t *s = realloc(b->stations, c * sizeof *s);
        if (!s)
            return NULL;
        b->stations = s;
        b->cap_stations = c;
    }
    if (wban_map_put(&b->index, wban, (int32_t)b->n_stations) != 0)
        return NULL;
    batch_station_t *st = &b->stations[b->n_stations++];
    memset(st, 0, sizeof *st);
    st->wban = wban;
    st->sorted = true;
    return st;
}

/* Time, then the duplicate tie-break of batch.h: a value before a missing one, the lower
 * temperature, the earlier input. */
static int cmp_reading(const void *pa, const void *pb)
{
    const batch_reading_t *a = pa, *b = pb;
    if (a->utc != b->utc)
        return a->utc < b->utc ? -1 : 1;
    if (a->missing != b->missing)
        return a->missing ? 1 : -1;
    if (!a->missing && a->temp != b->temp)
        return a->temp < b->temp ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Input almost always repeats the last name, or one of a few. */
int batch_source(batch_t *b, const char *name)
{
    if (!name || !name[0])
        return 0;
    if (b->last_source && !strcmp(name, b->sources[b->last_source - 1]))
        return b->last_source;
    for (size_t i = b->n_sources; i-- > 0;)
        if (!strcmp(name, b->sources[i])) {
            b->last_source = (uint16_t)(i + 1);
            return b->last_source;
        }
    if (b->n_sources == BATCH_MAX_SOURCES)
        return 0;
    if (b->n_sources == b->cap_sources) {
        size_t c = b->cap_sources ? b->cap_sources * 2 : 8;
        char **p = realloc(b->sources, c * sizeof *p);
        if (!p)
            return -1;
        b->sources = p;
        b->cap_sources = c;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    b->sources[b->n_sources++] = copy;
    b->last_source = (uint16_t)b->n_sources;
    return b->last_source;
}

int batch_add(batch_t *b, const uscrn_reading_t *r, int source, uint64_t seq, char *errstr,
              size_t errstr_size)
{
    int32_t offset;
    if (station_state_offset_for(r, &offset, errstr, errstr_size) != 0)
        return -1;
    batch_station_t *st = station_of(b, r->wbanno);
    if (!st) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    if (st->n == st->cap) {
        size_t c = st->cap ? st->cap * 2 : 1024;
        batch_reading_t *p = realloc(st->r, c * sizeof *p);
        if (!p) {
            snprintf(errstr, errstr_size, "out of memory");
            return -1;
        }
        st->r = p;
        st->cap = c;
    }
    batch_reading_t *x = &st->r[st->n];
    x->utc = r->utc;
    x->seq = seq;
    x->missing = uscrn_is_missing(r, USCRN_AIR_TEMPERATURE) || isnan(r->air_temperature);
    x->temp = r->air_temperature;
    x->offset_min = offset;
    x->source = source > 0 && (size_t)source <= b->n_sources ? (uint16_t)source : 0;
    if (st->n > 0 && st->sorted && cmp_reading(&st->r[st->n - 1], x) >= 0)
        st->sorted = false;
    st->n++;
    return 0;
}

typedef struct run_ctx {
    const wx_sink_t *sink;
    hottest_t *hottest;
    bool failed;
} run_ctx_t;

static void on_hourly(void *ctx, const hourly_result_t *r)
{
    run_ctx_t *c = ctx;
    hottest_entry_t e = hottest_entry_from_hourly(r);
    if (hottest_add(c->hottest, r->key.start, &e) != 0)
        c->failed = true;
    if (c->sink->hourly)
        c->sink->hourly(c->sink->ctx, r);
}

static void on_outlier(void *ctx, const outlier_event_t *o)
{
    run_ctx_t *c = ctx;
    if (c->sink->outlier)
        c->sink->outlier(c->sink->ctx, o);
}

static void on_hottest(void *ctx, const hottest_result_t *r)
{
    const wx_sink_t *sink = ctx;
    if (sink->hottest)
        sink->hottest(sink->ctx, r);
}

static void dead(const wx_sink_t *sink, const char *reason, const char *detail, int32_t wban,
                 const batch_reading_t *x)
{
    if (!sink->dead)
        return;
    dead_letter_t d;
    dead_letter_init(&d, reason, detail, NULL);
    d.wban = wban;
    d.utc = x->utc;
    d.seq = x->seq;
    sink->dead(sink->ctx, &d);
}

static int cmp_station(const void *pa, const void *pb)
{
    const batch_station_t *a = pa, *b = pb;
    return (a->wban > b->wban) - (a->wban < b->wban);
}

static long run_station(batch_t *b, batch_station_t *st, run_ctx_t *ctx)
{
    station_sink_t ss = {ctx, on_hourly, on_outlier};
    const wx_sink_t *sink = ctx->sink;
    if (!st->sorted)
        qsort(st->r, st->n, sizeof *st->r, cmp_reading);
    /* The offset of an uncatalogued station is the one its earliest reading states. */
    station_state_t *state = station_state_new(st->wban, st->r[0].offset_min, &b->cfg);
    if (!state)
        return -1;
    long used = 0;
    char detail[160], iso[32];
    uint16_t last = 0;   /* the batch's source index of the last reading pushed ... */
    uint8_t last_st = 0; /* ... and the station state's */
    for (size_t i = 0; i < st->n; i++) {
        const batch_reading_t *x = &st->r[i];
        if (i > 0 && x->utc == st->r[i - 1].utc) {
            snprintf(detail, sizeof detail,
                     "another reading of station %05d at %s is already used", (int)st->wban,
                     wx_time_iso(x->utc, iso, sizeof iso));
            dead(sink, "duplicate", detail, st->wban, x);
            continue;
        }
        if (x->offset_min != station_state_offset(state)) {
            snprintf(detail, sizeof detail,
                     "LST offset %+d min differs from the %+d min of this station's first reading",
                     (int)x->offset_min, (int)station_state_offset(state));
            dead(sink, "station", detail, st->wban, x);
            continue;
        }
        if (x->source != last) {
            last = x->source;
            last_st = station_state_source(state, last ? b->sources[last - 1] : NULL);
        }
        station_state_push_src(state, x->seq, x->utc, x->temp, x->missing, last_st, &ss);
        used++;
    }
    station_state_advance(state, WX_TIME_MAX, &ss);
    station_state_destroy(state);
    return used;
}

long batch_run(batch_t *b, const wx_sink_t *sink)
{
    run_ctx_t ctx = {sink, hottest_new(), false};
    if (!ctx.hottest)
        return -1;
    if (b->n_stations) /* stations is NULL when no reading was usable */
        qsort(b->stations, b->n_stations, sizeof *b->stations, cmp_station);
    wban_map_free(&b->index); /* the order changed; the map is not needed any more */
    long used = 0;
    for (size_t i = 0; i < b->n_stations && !ctx.failed; i++) {
        long n = run_station(b, &b->stations[i], &ctx);
        if (n < 0)
            ctx.failed = true;
        else
            used += n;
    }
    if (!ctx.failed)
        hottest_close(ctx.hottest, WX_TIME_MAX, on_hottest, (void *)sink);
    hottest_destroy(ctx.hottest);
    return ctx.failed ? -1 : used;
}
