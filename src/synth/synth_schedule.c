/* synth_schedule: the fault schedule — which readings are missing, flagged or altered, and
 * how. Drawn for the whole range at synth_new, always (with anomalies off it is simply not
 * applied, so turning anomalies on changes exactly the labelled readings); single drop-outs
 * are kept away from it (synth.c, row_at). Also the kinds' names. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

/* Faults, and labelled weather, per station-year. */
static const double EVENT_RATE[SYNTH_KIND_COUNT] = {0, 24.0, 6.0, 4.0, 12.0, 12.0,
                                                    6.0, 6.0, 6.0, 6.0};

static const char *const KIND_NAMES[SYNTH_KIND_COUNT] = {
    "none", "spike", "step", "stuck", "range", "shift", "front", "outflow", "sunrise", "foehn"};

bool synth_kind_is_weather(synth_kind_t k)
{
    return k == SYNTH_FRONT || k == SYNTH_OUTFLOW || k == SYNTH_SUNRISE || k == SYNTH_FOEHN;
}

const char *synth_kind_name(synth_kind_t k)
{
    return (unsigned)k < SYNTH_KIND_COUNT ? KIND_NAMES[k] : "?";
}

synth_kind_t synth_kind_from_name(const char *name)
{
    for (int k = 1; k < SYNTH_KIND_COUNT; k++)
        if (!strcmp(name, KIND_NAMES[k]))
            return (synth_kind_t)k;
    return SYNTH_NONE;
}

/* ---- schedule --------------------------------------------------------------------------- */

int synth_gap_cmp(const void *a, const void *b)
{
    const gap_t *x = a, *y = b;
    return x->a < y->a ? -1 : x->a > y->a ? 1 : (int)x->row - (int)y->row;
}

static int anom_cmp(const void *a, const void *b)
{
    const anomaly_t *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

size_t synth_draw_gaps(const synth_t *g, wx_time_t from, wx_time_t to, gap_t *out)
{
    size_t n = 0;
    const int64_t d0 = wx_floor_div(from, WX_DAY) - 2, d1 = wx_floor_div(to, WX_DAY);
    for (int64_t dd = d0; dd <= d1; dd++) {
        const wx_time_t day0 = dd * WX_DAY;
        if (unif(g->key, S_OUTAGE, dd, 0) < OUTAGES_PER_YEAR / YEAR_DAYS) {
            const wx_time_t a = day0 + (wx_time_t)(unif(g->key, S_OUTAGE, dd, 1) * 288) * 300;
            const wx_time_t len = 24 + (wx_time_t)(unif(g->key, S_OUTAGE, dd, 2) * 337); /* 2-30 h */
            const gap_t x = {a, a + (len - 1) * 300, SYNTH_ROW_MISSING, 0};
            if (x.b >= from && x.a <= to) {
                if (out)
                    out[n] = x;
                n++;
            }
        }
        if (unif(g->key, S_FLAGGED, dd, 0) < FLAGGED_PER_YEAR / YEAR_DAYS) {
            const wx_time_t a = day0 + (wx_time_t)(unif(g->key, S_FLAGGED, dd, 1) * 288) * 300;
            const wx_time_t len = 1 + (wx_time_t)(unif(g->key, S_FLAGGED, dd, 2) * 12);
            const gap_t x = {a, a + (len - 1) * 300, SYNTH_ROW_FLAGGED,
                             unif(g->key, S_FLAGGED, dd, 3) < 0.5 ? 0 : 1};
            if (x.b >= from && x.a <= to) {
                if (out)
                    out[n] = x;
                n++;
            }
        }
    }
    return n;
}

/* True when [a, b] (UTC) keeps SYNTH_EVENT_MARGIN_SEC from every gap and placed fault. */
static bool place_ok(const synth_t *g, size_t placed, wx_time_t a, wx_time_t b)
{
    const wx_time_t m = SYNTH_EVENT_MARGIN_SEC;
    for (size_t i = 0; i < g->n_gaps; i++)
        if (g->gaps[i].a < b + m && g->gaps[i].b > a - m)
            return false;
    for (size_t i = 0; i < placed; i++)
        if (g->anom[i].ev.first_utc < b + m && g->anom[i].ev.last_utc > a - m)
            return false;
    return true;
}

/* A fault's size and shape, drawn in a fixed order from the schedule's generator. */
typedef struct fault_shape {
    int64_t len;       /* readings */
    double delta, phase, dur, hold, rec;
    double local_hour; /* >= 0: start at this local standard time of day */
} fault_shape_t;

/* Draws the shape of one fault of `kind` (see anomaly_t). */
static void draw_shape(rng_t *rngp, synth_kind_t kind, fault_shape_t *sh)
{
    rng_t rng = *rngp;
    int64_t len = 1;
    double delta = 0, phase = 0, dur = 0, hold = 0, rec = 0;
    double local_hour = -1; /* >= 0: start at this local standard time of day */
    const double sign = rng_unif(&rng) < 0.5 ? -1.0 : 1.0;
    switch (kind) {
    case SYNTH_SPIKE:
        delta = sign * (6.0 + 14.0 * rng_unif(&rng));
        break;
    case SYNTH_STEP:
        len = rng_int(&rng, 12, 72); /* 1-6 h */
        delta = sign * (9.0 + 6.0 * rng_unif(&rng));
        break;
    case SYNTH_STUCK:
        len = rng_int(&rng, 48, 144); /* 4-12 h */
        break;
    case SYNTH_RANGE:
        len = rng_int(&rng, 1, 3);
        break;
    case SYNTH_SHIFT:
        len = rng_int(&rng, 12, 36); /* 1-3 h */
        delta = sign * (6.0 + 6.0 * rng_unif(&rng));
        break;
    case SYNTH_FRONT:
        delta = -(7.0 + 2.0 * rng_unif(&rng));
        dur = (15.0 + 15.0 * rng_unif(&rng)) * 60.0;
        hold = (1.0 + 2.0 * rng_unif(&rng)) * 3600.0;
        rec = (3.0 + 3.0 * rng_unif(&rng)) * 3600.0;
        break;
    case SYNTH_OUTFLOW:
        delta = -(4.0 + 4.0 * rng_unif(&rng));
        dur = (15.0 + 15.0 * rng_unif(&rng)) * 60.0;
        hold = 20.0 * 60.0 * rng_unif(&rng);
        rec = (1.0 + 1.0 * rng_unif(&rng)) * 3600.0;
        local_hour = 13.0 + 6.0 * rng_unif(&rng);
        break;
    case SYNTH_SUNRISE:
        delta = 4.0 + 2.0 * rng_unif(&rng);
        dur = (1.5 + 0.5 * rng_unif(&rng)) * 3600.0;
        hold = 2.0 * 3600.0;
        rec = 4.0 * 3600.0;
        local_hour = 6.0 + 1.5 * rng_unif(&rng);
        break;
    case SYNTH_FOEHN:
        delta = 4.5 + 1.0 * rng_unif(&rng);
        dur = 600.0;
        hold = (1.0 + 3.0 * rng_unif(&rng)) * 3600.0;
        rec = (1.0 + 1.0 * rng_unif(&rng)) * 3600.0;
        break;
    default:
        break;
    }
    if (synth_kind_is_weather(kind)) {
        phase = 300.0 * rng_unif(&rng);
        len = (int64_t)ceil((phase + dur + hold + rec) / SYNTH_STEP_SEC) + 1;
    }
    sh->len = len;
    sh->delta = delta;
    sh->phase = phase;
    sh->dur = dur;
    sh->hold = hold;
    sh->rec = rec;
    sh->local_hour = local_hour;
    *rngp = rng;
}

/* Places one fault of `kind` and shape sh at a random start that keeps its distance from every
 * gap and fault placed so far (at most 2000 tries; none found: not placed). */
static void place_fault(synth_t *g, rng_t *rngp, size_t *placedp, synth_kind_t kind,
                        const fault_shape_t *sh, int64_t margin)
{
    const int64_t n = g->p.count;
    rng_t rng = *rngp;
    size_t placed = *placedp;
    const int64_t len = sh->len;
    const double delta = sh->delta, phase = sh->phase, dur = sh->dur, hold = sh->hold,
                 rec = sh->rec, local_hour = sh->local_hour;
    for (int attempt = 0; attempt < 2000; attempt++) {
        int64_t s0 = rng_int(&rng, margin, n - margin - len);
        if (local_hour >= 0) {
            /* Move back to that time of the reading's local day (or the day before). */
            const wx_time_t t = g->p.first + s0 * SYNTH_STEP_SEC +
                                (wx_time_t)g->st.lst_offset_min * WX_MINUTE;
            const int64_t tod = t - wx_floor_div(t, WX_DAY) * WX_DAY;
            int64_t back = (tod - (int64_t)(local_hour * 3600.0)) / SYNTH_STEP_SEC;
            if (back < 0)
                back += 288;
            s0 -= back;
            if (s0 < margin)
                continue;
        }
        const wx_time_t a = g->p.first + s0 * SYNTH_STEP_SEC;
        const wx_time_t b = a + (len - 1) * SYNTH_STEP_SEC;
        if (!place_ok(g, placed, a, b))
            continue;
        anomaly_t *an = &g->anom[placed++];
        an->s = s0;
        an->e = s0 + len - 1;
        an->delta = delta;
        an->phase = phase;
        an->dur = dur;
        an->hold = hold;
        an->rec = rec;
        an->ev.kind = kind;
        an->ev.magnitude = kind == SYNTH_STUCK || kind == SYNTH_RANGE ? NAN : delta;
        an->ev.wban = g->st.wban;
        an->ev.first_utc = a;
        an->ev.last_utc = b;
        break;
    }
    *rngp = rng;
    *placedp = placed;
}

int synth_draw_anomalies(synth_t *g)
{
    const int64_t n = g->p.count;
    const double years = (double)n / (288.0 * YEAR_DAYS);
    rng_t rng = {mix64(g->key ^ mix64((uint64_t)g->p.first ^ mix64((uint64_t)n + S_SCHEDULE)))};
    int64_t want[SYNTH_KIND_COUNT] = {0};
    int64_t total = 0;
    for (int k = 1; k < SYNTH_KIND_COUNT; k++) {
        const double x = EVENT_RATE[k] * years;
        want[k] = (int64_t)floor(x) + (rng_unif(&rng) < x - floor(x));
        total += want[k];
    }
    g->anom = calloc((size_t)(total > 0 ? total : 1), sizeof *g->anom);
    if (!g->anom)
        return -1;
    const int64_t margin = SYNTH_EVENT_MARGIN_SEC / SYNTH_STEP_SEC;
    /* Longest first, so the long ones still find room. */
    static const synth_kind_t order[] = {SYNTH_STUCK,   SYNTH_STEP,    SYNTH_RANGE,
                                         SYNTH_SPIKE,   SYNTH_FRONT,   SYNTH_SUNRISE,
                                         SYNTH_FOEHN,   SYNTH_OUTFLOW, SYNTH_SHIFT};
    size_t placed = 0;
    for (size_t oi = 0; oi < sizeof order / sizeof order[0]; oi++) {
        const synth_kind_t kind = order[oi];
        for (int64_t c = 0; c < want[kind]; c++) {
            fault_shape_t sh;
            draw_shape(&rng, kind, &sh);
            if (n - 2 * margin - sh.len < 1)
                continue; /* the range is too short for this fault */
            place_fault(g, &rng, &placed, kind, &sh, margin);
        }
    }
    g->n_anom = placed;
    qsort(g->anom, placed, sizeof *g->anom, anom_cmp);
    for (size_t i = 0; i < placed; i++)
        g->anom[i].ev.id = (uint32_t)(i + 1);
    if (g->p.anomalies) {
        g->events = calloc(placed > 0 ? placed : 1, sizeof *g->events);
        if (!g->events)
            return -1;
        for (size_t i = 0; i < placed; i++)
            g->events[i] = g->anom[i].ev;
        g->n_events = placed;
    }
    return 0;
}

double synth_weather_delta(const anomaly_t *an, wx_time_t t)
{
    const double a = (double)(t - an->ev.first_utc) - an->phase;
    if (a <= 0)
        return 0.0;
    if (a < an->dur)
        return an->delta * smoothstep(a / an->dur);
    if (a < an->dur + an->hold)
        return an->delta;
    if (a < an->dur + an->hold + an->rec)
        return an->delta * (1.0 - (a - an->dur - an->hold) / an->rec);
    return 0.0;
}
