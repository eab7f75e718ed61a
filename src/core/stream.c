/* stream: event time, lateness and reordering for one input partition (see stream.h).
 * Main type: stream_part_t — a small open-addressing map from WBAN to a station's reorder
 * buffer and station_state. */
#include "stream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "json_record.h"
#include "wban_map.h"
#include "wxser.h"

#define SNAPSHOT_VERSION 3 /* 3: per-station event time, source files, level shifts (earlier ones refused) */

typedef struct buffered {
    wx_time_t utc;
    uint64_t id;
    double temp;
    bool missing;
    uint8_t source; /* station_state_source of its station */
} buffered_t;

typedef struct part_station {
    int32_t wban;
    wx_time_t watermark; /* the station's event time: its latest reading */
    int64_t seen;        /* the caller's tick at its latest reading (not in snapshots) */
    station_state_t *state;
    buffered_t *buf; /* ascending utc */
    size_t n, cap;
} part_station_t;

struct stream_part {
    wx_config_t cfg;
    wx_time_t watermark; /* the latest reading of any station: for reports only */
    int64_t tick;        /* stream_part_set_tick */
    bool flushed;
    uint64_t forced;
    part_station_t *st;
    size_t n_st, cap_st;
    wban_map_t index; /* WBAN -> position in st */
    uscrn_line_cache_t cache; /* speed only: not in snapshots */
};

stream_part_t *stream_part_new(const wx_config_t *cfg)
{
    stream_part_t *sp = calloc(1, sizeof *sp);
    if (!sp)
        return NULL;
    sp->cfg = *cfg;
    sp->watermark = WX_TIME_MIN;
    sp->tick = STREAM_TICK_UNKNOWN;
    return sp;
}

void stream_part_destroy(stream_part_t *sp)
{
    if (!sp)
        return;
    for (size_t i = 0; i < sp->n_st; i++) {
        station_state_destroy(sp->st[i].state);
        free(sp->st[i].buf);
    }
    free(sp->st);
    wban_map_free(&sp->index);
    free(sp);
}

wx_time_t stream_part_watermark(const stream_part_t *sp) { return sp->watermark; }
bool stream_part_flushed(const stream_part_t *sp) { return sp->flushed; }
uint64_t stream_part_forced(const stream_part_t *sp) { return sp->forced; }

void stream_part_set_tick(stream_part_t *sp, int64_t tick) { sp->tick = tick; }
size_t stream_part_station_count(const stream_part_t *sp) { return sp->n_st; }

/* An hour ending at E is out once its station reached E + lookahead (station_state.h). */
static wx_time_t station_progress(const stream_part_t *sp, const part_station_t *st)
{
    wx_time_t c = station_state_clock(st->state);
    if (sp->flushed || c == WX_TIME_MAX)
        return WX_TIME_MAX;
    if (c == WX_TIME_MIN)
        return WX_TIME_MIN;
    return c - sp->cfg.outlier.lookahead_sec;
}

stream_station_progress_t stream_part_station_progress(const stream_part_t *sp, size_t i)
{
    const part_station_t *st = &sp->st[i];
    stream_station_progress_t r = {st->wban, station_progress(sp, st), st->watermark, st->seen};
    return r;
}

wx_time_t stream_part_progress(const stream_part_t *sp)
{
    if (sp->flushed)
        return WX_TIME_MAX;
    if (sp->n_st == 0)
        return WX_TIME_MIN;
    wx_time_t m = WX_TIME_MAX;
    for (size_t i = 0; i < sp->n_st; i++) {
        wx_time_t x = station_progress(sp, &sp->st[i]);
        if (x < m)
            m = x;
    }
    return m;
}

/* The station's W - grace without overflow: how far it may be advanced. */
static wx_time_t release_point(const stream_part_t *sp, const part_station_t *st)
{
    if (st->watermark == WX_TIME_MIN)
        return WX_TIME_MIN;
    return st->watermark - sp->cfg.grace_sec;
}

static part_station_t *find_station(stream_part_t *sp, int32_t wban)
{
    int i = wban_map_get(&sp->index, wban);
    return i >= 0 ? &sp->st[i] : NULL;
}

/* Takes ownership of `state`. */
static part_station_t *add_station(stream_part_t *sp, int32_t wban, station_state_t *state)
{
    if (sp->n_st == sp->cap_st) {
        size_t c = sp->cap_st ? sp->cap_st * 2 : 8;
        part_station_t *p = realloc(sp->st, c * sizeof *p);
        if (!p)
            return NULL;
        sp->st = p;
        sp->cap_st = c;
    }
    if (wban_map_put(&sp->index, wban, (int32_t)sp->n_st) != 0)
        return NULL;
    part_station_t *st = &sp->st[sp->n_st++];
    memset(st, 0, sizeof *st);
    st->wban = wban;
    st->watermark = WX_TIME_MIN;
    st->seen = STREAM_TICK_UNKNOWN;
    st->state = state;
    return st;
}

static station_sink_t station_sink_of(const wx_sink_t *sink)
{
    station_sink_t ss = {sink->ctx, sink->hourly, sink->outlier};
    return ss;
}

static void dead(const wx_sink_t *sink, const char *reason, const char *detail,
                 const char *source, const char *input, size_t len, int32_t wban, wx_time_t utc,
                 uint64_t id)
{
    if (!sink->dead)
        return;
    dead_letter_t d;
    dead_letter_init(&d, reason, detail, source);
    d.input = input;
    d.input_len = len;
    d.wban = wban;
    d.utc = utc;
    d.seq = id;
    sink->dead(sink->ctx, &d);
}

/* Pushes the buffered readings at or before `upto` and advances the station to it. */
static void release(part_station_t *st, wx_time_t upto, const wx_sink_t *sink)
{
    station_sink_t ss = station_sink_of(sink);
    size_t k = 0;
    while (k < st->n && st->buf[k].utc <= upto) {
        const buffered_t *b = &st->buf[k];
        /* stream_part_offer keeps readings behind the station's clock out of the buffer, so
         * this cannot be refused; if it ever were, it is said, not dropped. */
        if (station_state_push_src(st->state, b->id, b->utc, b->temp, b->missing, b->source,
                                   &ss) != 0)
            dead(sink, "late", "its station had already moved past this time", NULL, NULL, 0,
                 st->wban, b->utc, b->id);
        k++;
    }
    if (k) {
        memmove(st->buf, st->buf + k, (st->n - k) * sizeof *st->buf);
        st->n -= k;
    }
    if (upto != WX_TIME_MIN)
        station_state_advance(st->state, upto, &ss);
}


/* The duplicate rule of batch.h: a value before a missing one, then the lower temperature. */
static bool sorts_before(const buffered_t *a, const buffered_t *b)
{
    if (a->missing != b->missing)
        return !a->missing;
    return !a->missing && a->temp < b->temp;
}

int stream_part_offer(stream_part_t *sp, const char *data, size_t len, const char *source,
                      uint64_t id, const wx_sink_t *sink)
{
    uscrn_reading_t r;
    char err[256], detail[320], iso[32], source_file[JSON_RECORD_SOURCE_MAX];
    int32_t offset;
    if (decode_record(data, len, &sp->cache, &r, source_file, sizeof source_file, NULL, err,
                      sizeof err) != 0) {
        dead(sink, "parse", err, source, data, len, 0, WX_TIME_MIN, id);
        return 0;
    }
    if (station_state_offset_for(&r, &offset, err, sizeof err) != 0) {
        dead(sink, "station", err, source, data, len, r.wbanno, r.utc, id);
        return 0;
    }
    part_station_t *st = find_station(sp, r.wbanno);
    wx_time_t upto = st ? release_point(sp, st) : WX_TIME_MIN;
    if (sp->flushed || (upto != WX_TIME_MIN && r.utc <= upto)) {
        if (sink->dead) {
            dead_letter_t d;
            if (sp->flushed)
                snprintf(detail, sizeof detail, "input was declared finished (end of the run); "
                                                "reading at %s came after",
                         wx_time_iso(r.utc, iso, sizeof iso));
            else
                snprintf(detail, sizeof detail,
                         "station %05d's event time had reached %s; its readings older than %d s "
                         "behind it are late",
                         (int)r.wbanno, wx_time_iso(st->watermark, iso, sizeof iso),
                         (int)sp->cfg.grace_sec);
            dead_letter_init(&d, "late", detail, source);
            d.input = data;
            d.input_len = len;
            d.wban = r.wbanno;
            d.utc = r.utc;
            d.watermark = st ? st->watermark : WX_TIME_MIN;
            d.seq = id;
            d.has_window = window_assign(sp->cfg.hour_assign, r.utc, offset, &d.window) == 0;
            sink->dead(sink->ctx, &d);
        }
        return 0;
    }
    if (!st) {
        station_state_t *state = station_state_new(r.wbanno, offset, &sp->cfg);
        if (!state)
            return -1;
        st = add_station(sp, r.wbanno, state);
        if (!st) {
            station_state_destroy(state);
            return -1;
        }
    } else if (r.utc <= station_state_clock(st->state)) {
        /* Only after a forced early release (a full reorder buffer) can a station be ahead of
         * its W - grace: a reading behind it can no longer be put in order. */
        snprintf(detail, sizeof detail,
                 "station %05d had already been advanced past %s (its reorder buffer of %d "
                 "readings was full)",
                 (int)r.wbanno, wx_time_iso(r.utc, iso, sizeof iso), STREAM_BUFFER_MAX);
        dead(sink, "late", detail, source, data, len, r.wbanno, r.utc, id);
        return 0;
    } else if (station_state_offset(st->state) != offset) {
        snprintf(detail, sizeof detail,
                 "LST offset %+d min differs from the %+d min of this station's earlier readings",
                 (int)offset, (int)station_state_offset(st->state));
        dead(sink, "station", detail, source, data, len, r.wbanno, r.utc, id);
        return 0;
    }
    st->seen = sp->tick;
    buffered_t b = {r.utc, id, r.air_temperature,
                    uscrn_is_missing(&r, USCRN_AIR_TEMPERATURE) || isnan(r.air_temperature),
                    station_state_source(st->state, source_file)};
    /* Insert in time order (almost always at the end). */
    size_t k = st->n;
    while (k > 0 && st->buf[k - 1].utc > b.utc)
        k--;
    if (k > 0 && st->buf[k - 1].utc == b.utc) {
        buffered_t *old = &st->buf[k - 1];
        snprintf(detail, sizeof detail, "another reading of station %05d at %s is already used",
                 (int)r.wbanno, wx_time_iso(r.utc, iso, sizeof iso));
        if (sorts_before(&b, old)) {
            dead(sink, "duplicate", detail, NULL, NULL, 0, r.wbanno, old->utc, old->id);
            *old = b;
        } else {
            dead(sink, "duplicate", detail, source, data, len, r.wbanno, r.utc, id);
        }
        return 0;
    }
    if (st->n == STREAM_BUFFER_MAX) {
        /* Bounded memory beats waiting: release the oldest now. */
        sp->forced++;
        release(st, st->buf[0].utc, sink);
        k = st->n;
        while (k > 0 && st->buf[k - 1].utc > b.utc)
            k--;
    }
    if (st->n == st->cap) {
        size_t c = st->cap ? st->cap * 2 : 8;
        buffered_t *p = realloc(st->buf, c * sizeof *p);
        if (!p)
            return -1;
        st->buf = p;
        st->cap = c;
    }
    memmove(st->buf + k + 1, st->buf + k, (st->n - k) * sizeof *st->buf);
    st->buf[k] = b;
    st->n++;
    if (r.utc > st->watermark)
        st->watermark = r.utc;
    if (r.utc > sp->watermark)
        sp->watermark = r.utc;
    release(st, release_point(sp, st), sink);
    return 0;
}

void stream_part_flush(stream_part_t *sp, const wx_sink_t *sink)
{
    if (sp->flushed)
        return;
    for (size_t i = 0; i < sp->n_st; i++)
        release(&sp->st[i], WX_TIME_MAX, sink);
    sp->flushed = true;
}

void stream_part_save(const stream_part_t *sp, wxbuf_t *out)
{
    wxser_u8(out, SNAPSHOT_VERSION);
    wxser_i64(out, sp->watermark);
    wxser_u8(out, sp->flushed);
    wxser_u64(out, sp->forced);
    wxser_u32(out, (uint32_t)sp->n_st);
    for (size_t i = 0; i < sp->n_st; i++) {
        const part_station_t *st = &sp->st[i];
        wxser_i64(out, st->watermark);
        wxser_u32(out, (uint32_t)st->n);
        for (size_t k = 0; k < st->n; k++) {
            wxser_i64(out, st->buf[k].utc);
            wxser_u64(out, st->buf[k].id);
            wxser_f64(out, st->buf[k].temp);
            wxser_u8(out, st->buf[k].missing);
            wxser_u8(out, st->buf[k].source);
        }
        station_state_save(st->state, out);
    }
}

stream_part_t *stream_part_load(const void *data, size_t len, const wx_config_t *cfg)
{
    wxser_reader_t in;
    wxser_reader_init(&in, data, len);
    if (wxser_get_u8(&in) != SNAPSHOT_VERSION)
        return NULL;
    stream_part_t *sp = stream_part_new(cfg);
    if (!sp)
        return NULL;
    sp->watermark = wxser_get_i64(&in);
    sp->flushed = wxser_get_u8(&in) != 0;
    sp->forced = wxser_get_u64(&in);
    uint32_t n = wxser_get_u32(&in);
    for (uint32_t i = 0; i < n && !in.bad; i++) {
        wx_time_t watermark = wxser_get_i64(&in);
        uint32_t nb = wxser_get_u32(&in);
        if (nb > STREAM_BUFFER_MAX)
            goto bad;
        buffered_t *buf = nb ? malloc(nb * sizeof *buf) : NULL;
        if (nb && !buf)
            goto bad;
        for (uint32_t k = 0; k < nb; k++) {
            buf[k].utc = wxser_get_i64(&in);
            buf[k].id = wxser_get_u64(&in);
            buf[k].temp = wxser_get_f64(&in);
            buf[k].missing = wxser_get_u8(&in) != 0;
            buf[k].source = wxser_get_u8(&in);
        }
        station_state_t *state = station_state_load(&in, cfg);
        part_station_t *st = state ? add_station(sp, station_state_wban(state), state) : NULL;
        if (!st) {
            free(buf);
            station_state_destroy(state);
            goto bad;
        }
        st->watermark = watermark;
        st->buf = buf;
        st->n = st->cap = nb;
    }
    if (in.bad)
        goto bad;
    return sp;
bad:
    stream_part_destroy(sp);
    return NULL;
}

void stream_part_gauges(const stream_part_t *sp, stream_part_gauges_t *g)
{
    g->event_time = sp->watermark;
    g->stations = sp->n_st;
    g->open_hours = 0;
    for (size_t i = 0; i < sp->n_st; i++)
        g->open_hours += station_state_open_hours(sp->st[i].state);
}
