/* station_state: one station's outlier cascade and open hours, fed in event-time order.
 * Main type: station_state_t. The only subtle part is when an hour may close: see
 * station_state.h. */
#include "station_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_record.h"
#include "station.h"

_Static_assert(JSON_RECORD_SOURCE_MAX <= WX_SOURCE_FILE_MAX,
               "a decoded source_file must fit a station's table");

typedef struct source_slot {
    uint64_t used; /* source_tick when last interned; 0: free */
    char name[WX_SOURCE_FILE_MAX];
} source_slot_t;

struct station_state {
    int32_t wban;
    int32_t offset_min;
    wx_config_t cfg;
    outlier_state_t *outliers;
    window_acc_t open[STATION_STATE_MAX_OPEN]; /* ascending by start */
    int n_open;
    wx_time_t clock;
    /* The reading the outlier cascade holds back (outlier_pending_time): its source, so the
     * verdict that comes later can name it. */
    wx_time_t pending_time;
    uint8_t pending_source;
    uint8_t last_source; /* the last index interned: the one the next reading almost always has */
    uint64_t source_tick;
    source_slot_t sources[STATION_STATE_MAX_SOURCES]; /* index i + 1 */
};

int station_state_offset_for(const uscrn_reading_t *r, int32_t *offset_min, char *errstr,
                             size_t errstr_size)
{
    const station_info_t *known = station_lookup(r->wbanno);
    if (known && known->lst_offset_min != r->lst_offset_min) {
        snprintf(errstr, errstr_size,
                 "LST_DATE/LST_TIME are %+d min from UTC, but station %05d (%s) is at %+d min",
                 (int)r->lst_offset_min, (int)r->wbanno, known->name, (int)known->lst_offset_min);
        return -1;
    }
    if (r->lst_offset_min % 60 != 0) {
        snprintf(errstr, errstr_size, "LST offset %+d min is not a whole number of hours",
                 (int)r->lst_offset_min);
        return -1;
    }
    *offset_min = r->lst_offset_min;
    return 0;
}

station_state_t *station_state_new(int32_t wban, int32_t lst_offset_min, const wx_config_t *cfg)
{
    if (lst_offset_min % 60 != 0) /* hours must be UTC hours too (window.h) */
        return NULL;
    station_state_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->wban = wban;
    s->offset_min = lst_offset_min;
    s->cfg = *cfg;
    s->clock = WX_TIME_MIN;
    s->pending_time = WX_TIME_MIN;
    s->outliers = outlier_new(&cfg->outlier);
    if (!s->outliers) {
        free(s);
        return NULL;
    }
    return s;
}

void station_state_destroy(station_state_t *s)
{
    if (!s)
        return;
    outlier_destroy(s->outliers);
    free(s);
}

int32_t station_state_offset(const station_state_t *s)
{
    return s->offset_min;
}

int32_t station_state_wban(const station_state_t *s)
{
    return s->wban;
}

wx_time_t station_state_clock(const station_state_t *s)
{
    return s->clock;
}

uint8_t station_state_source(station_state_t *s, const char *name)
{
    if (!name || !name[0])
        return 0;
    if (s->last_source && !strcmp(s->sources[s->last_source - 1].name, name))
        return s->last_source;
    int pick = 0;
    for (int i = 0; i < STATION_STATE_MAX_SOURCES; i++) {
        if (s->sources[i].used && !strcmp(s->sources[i].name, name)) {
            pick = i;
            goto found;
        }
        if (s->sources[i].used < s->sources[pick].used)
            pick = i; /* free (0) or least recently interned */
    }
    snprintf(s->sources[pick].name, sizeof s->sources[pick].name, "%s", name);
found:
    s->sources[pick].used = ++s->source_tick;
    s->last_source = (uint8_t)(pick + 1);
    return s->last_source;
}

const char *station_state_source_name(const station_state_t *s, uint8_t source)
{
    if (source == 0 || source > STATION_STATE_MAX_SOURCES || !s->sources[source - 1].used)
        return NULL;
    return s->sources[source - 1].name;
}

static void emit_oldest(station_state_t *s, const station_sink_t *sink)
{
    hourly_result_t r;
    window_acc_result(&s->open[0], s->wban, s->offset_min, s->cfg.min_valid, &r);
    r.source_file = r.has_mean ? station_state_source_name(s, s->open[0].max_source) : NULL;
    memmove(&s->open[0], &s->open[1], (size_t)(s->n_open - 1) * sizeof s->open[0]);
    s->n_open--;
    if (sink && sink->hourly)
        sink->hourly(sink->ctx, &r);
}

static window_acc_t *open_window(station_state_t *s, wx_time_t utc, const station_sink_t *sink)
{
    wx_time_t start = window_start(s->cfg.hour_assign, utc, s->offset_min);
    int i = 0;
    while (i < s->n_open && s->open[i].key.start < start)
        i++;
    if (i < s->n_open && s->open[i].key.start == start)
        return &s->open[i];
    window_key_t key;
    /* station_state_new refused offsets that are not whole hours: this cannot fail. */
    window_assign(s->cfg.hour_assign, utc, s->offset_min, &key);
    if (s->n_open == STATION_STATE_MAX_OPEN) {
        /* Cannot happen while lookahead <= 1 h (config check); closing early keeps the bound. */
        emit_oldest(s, sink);
        i--;
        if (i < 0)
            i = 0;
    }
    memmove(&s->open[i + 1], &s->open[i], (size_t)(s->n_open - i) * sizeof s->open[0]);
    window_acc_init(&s->open[i], &key);
    s->n_open++;
    return &s->open[i];
}

static void take_verdict(station_state_t *s, const outlier_verdict_t *v, uint8_t source,
                         const station_sink_t *sink)
{
    window_acc_t *a = open_window(s, v->time, sink);
    const bool valid = v->reason == OUTLIER_NONE;
    const bool new_max = valid && (a->count == 0 || v->value > a->max);
    window_acc_add(a, v->value, valid);
    if (new_max)
        a->max_source = source;
    if (!valid && sink && sink->outlier) {
        outlier_event_t ev = {s->wban, s->offset_min, *v, station_state_source_name(s, source)};
        sink->outlier(sink->ctx, &ev);
    }
}

/* The source of a verdict's reading: the one just pushed (time `now`) or the pending one. */
static uint8_t verdict_source(const station_state_t *s, const outlier_verdict_t *v, wx_time_t now,
                              uint8_t now_source)
{
    if (v->time == now)
        return now_source;
    return v->time == s->pending_time ? s->pending_source : 0;
}

/* An hour closes once no reading of it can still arrive (clock past its end) and none of its
 * readings waits for an outlier verdict. */
static void close_ready(station_state_t *s, const station_sink_t *sink)
{
    wx_time_t pending = outlier_pending_time(s->outliers);
    while (s->n_open > 0 && s->clock >= s->open[0].key.end && pending > s->open[0].key.end)
        emit_oldest(s, sink);
}

int station_state_push_src(station_state_t *s, uint64_t id, wx_time_t utc, double temp,
                           bool missing, uint8_t source, const station_sink_t *sink)
{
    if (utc <= s->clock)
        return -1;
    outlier_verdict_t v[2];
    /* A reading past the pending one's lookahead means that one has no successor: decide it
     * first, exactly as outlier_advance would have. */
    if (outlier_advance(s->outliers, utc - 1, v) == 1)
        take_verdict(s, &v[0], verdict_source(s, &v[0], utc, source), sink);
    s->clock = utc;
    int n = outlier_push(s->outliers, id, utc, temp, missing, v);
    for (int i = 0; i < n; i++)
        take_verdict(s, &v[i], verdict_source(s, &v[i], utc, source), sink);
    if (outlier_pending_time(s->outliers) == utc) {
        s->pending_time = utc;
        s->pending_source = source;
    }
    close_ready(s, sink);
    return 0;
}

int station_state_push(station_state_t *s, uint64_t id, wx_time_t utc, double temp, bool missing,
                       const station_sink_t *sink)
{
    return station_state_push_src(s, id, utc, temp, missing, 0, sink);
}

void station_state_advance(station_state_t *s, wx_time_t now, const station_sink_t *sink)
{
    if (now > s->clock)
        s->clock = now;
    outlier_verdict_t v[1];
    if (outlier_advance(s->outliers, s->clock, v) == 1)
        take_verdict(s, &v[0], verdict_source(s, &v[0], WX_TIME_MIN, 0), sink);
    close_ready(s, sink);
}

void station_state_save(const station_state_t *s, wxbuf_t *out)
{
    wxser_i32(out, s->wban);
    wxser_i32(out, s->offset_min);
    wxser_i64(out, s->clock);
    wxser_u32(out, (uint32_t)s->n_open);
    for (int i = 0; i < s->n_open; i++) {
        const window_acc_t *a = &s->open[i];
        wxser_i64(out, a->key.start);
        wxser_i32(out, a->key.lst_date);
        wxser_i32(out, a->key.lst_hour);
        wxser_i64(out, a->sum_milli);
        wxser_i32(out, a->count);
        wxser_i32(out, a->readings);
        wxser_f64(out, a->min);
        wxser_f64(out, a->max);
        wxser_u8(out, a->max_source);
    }
    outlier_save(s->outliers, out);
    wxser_i64(out, s->pending_time);
    wxser_u8(out, s->pending_source);
    wxser_u8(out, s->last_source);
    wxser_u64(out, s->source_tick);
    for (int i = 0; i < STATION_STATE_MAX_SOURCES; i++) {
        wxser_u64(out, s->sources[i].used);
        wxser_str(out, s->sources[i].used ? s->sources[i].name : "");
    }
}

station_state_t *station_state_load(wxser_reader_t *in, const wx_config_t *cfg)
{
    int32_t wban = wxser_get_i32(in);
    int32_t offset = wxser_get_i32(in);
    if (in->bad || offset % 60 != 0)
        return NULL;
    station_state_t *s = station_state_new(wban, offset, cfg);
    if (!s)
        return NULL;
    s->clock = wxser_get_i64(in);
    uint32_t n = wxser_get_u32(in);
    if (n > STATION_STATE_MAX_OPEN)
        goto bad;
    for (uint32_t i = 0; i < n; i++) {
        window_key_t key;
        key.start = wxser_get_i64(in);
        key.end = key.start + WX_HOUR;
        key.lst_date = wxser_get_i32(in);
        key.lst_hour = wxser_get_i32(in);
        window_acc_t *a = &s->open[i];
        window_acc_init(a, &key);
        a->sum_milli = wxser_get_i64(in);
        a->count = wxser_get_i32(in);
        a->readings = wxser_get_i32(in);
        a->min = wxser_get_f64(in);
        a->max = wxser_get_f64(in);
        a->max_source = wxser_get_u8(in);
    }
    s->n_open = (int)n;
    if (outlier_load(s->outliers, in) != 0 || in->bad)
        goto bad;
    s->pending_time = wxser_get_i64(in);
    s->pending_source = wxser_get_u8(in);
    s->last_source = wxser_get_u8(in);
    s->source_tick = wxser_get_u64(in);
    for (int i = 0; i < STATION_STATE_MAX_SOURCES; i++) {
        s->sources[i].used = wxser_get_u64(in);
        wxser_get_str(in, s->sources[i].name, sizeof s->sources[i].name);
    }
    if (in->bad || s->last_source > STATION_STATE_MAX_SOURCES ||
        s->pending_source > STATION_STATE_MAX_SOURCES)
        goto bad;
    return s;
bad:
    station_state_destroy(s);
    return NULL;
}

int station_state_open_hours(const station_state_t *s)
{
    return s->n_open;
}
