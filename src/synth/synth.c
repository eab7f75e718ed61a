/* synth: deterministic synthetic USCRN sub-hourly readings (see synth.h and docs/synth.md):
 * the public functions — a generator's lifetime and its readings, row by row.
 *
 * The files of src/synth, each a heading of the whole:
 *   synth_climate.c   the climate table; the sun and the seasons
 *   synth_weather.c   the weather of a reading: slow weather, day events, the diurnal curve
 *   synth_schedule.c  the fault schedule: gaps, flagged runs, injected faults, labelled weather
 *   synth_internal.h  the state and the helpers they share
 *
 * The main type is synth_t: a station's climate row, the fault and gap schedule of the range,
 * and the little state the weather needs from one reading to the next (AR(1) noises, soil,
 * wetness, the daily "nodes" of slow weather).
 *
 * Surprising on purpose:
 * - Randomness is counter based: a draw is splitmix64(seed, WBAN, stream, when), not the next
 *   number of a sequential generator. The weather at an instant therefore does not depend on
 *   where the range starts (the states with memory are spun up for SPINUP_DAYS before it), so a
 *   2024 file and a 2025 file join without a jump. Only the fault schedule, which has to be
 *   drawn for the whole range at once, uses a sequential generator.
 * - Slow weather (synoptic anomaly, cloudiness, wind, dew point) is an AR(1) series of daily
 *   values at local solar noon, interpolated linearly in between: no jumps at midnight.
 * - The diurnal curve is Parton & Logan's (1981): a sine from sunrise that peaks A_LAG hours
 *   after solar noon, then an exponential decay through the night to the next sunrise. Its
 *   daily mean is subtracted, so the table's means stay the means.
 * - The fault schedule is always drawn and single drop-outs are always kept away from it, so
 *   turning anomalies on changes exactly the labelled readings. */
#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

int synth_year_range(int year, int days, wx_time_t *first, int64_t *count)
{
    if (year < 1900 || year > 2200 || days < 0)
        return -1;
    const int64_t d0 = wx_days_from_civil(year, 1, 1);
    const int64_t len = wx_days_from_civil(year + 1, 1, 1) - d0;
    if (days > len)
        return -1;
    *first = d0 * WX_DAY + SYNTH_STEP_SEC;
    *count = 288 * (days ? days : len);
    return 0;
}

synth_t *synth_new(const synth_params_t *p, char *errstr, size_t errstr_size)
{
    if (!p || !p->station) {
        snprintf(errstr, errstr_size, "no station given");
        return NULL;
    }
    const synth_climate_t *cl = synth_climate_lookup(p->station->wban);
    if (!cl) {
        snprintf(errstr, errstr_size, "no synthetic climate for station %05d (%s)",
                 (int)p->station->wban, p->station->name ? p->station->name : "?");
        return NULL;
    }
    if (p->count < 1 || p->count > SYNTH_MAX_COUNT) {
        snprintf(errstr, errstr_size, "reading count %lld outside 1..%lld", (long long)p->count,
                 (long long)SYNTH_MAX_COUNT);
        return NULL;
    }
    if (p->first % SYNTH_STEP_SEC != 0) {
        snprintf(errstr, errstr_size, "first reading time is not on a 5-minute boundary");
        return NULL;
    }
    /* Stamps must stay within years 1900..2200 (before and after the LST shift). */
    const wx_time_t lo = wx_days_from_civil(1900, 1, 2) * WX_DAY;
    const wx_time_t hi = wx_days_from_civil(2200, 12, 31) * WX_DAY;
    if (p->first < lo || p->first + p->count * SYNTH_STEP_SEC > hi) {
        snprintf(errstr, errstr_size, "time range outside the years 1900..2200");
        return NULL;
    }
    synth_t *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    g->p = *p;
    g->st = *p->station;
    g->p.station = &g->st;
    g->cl = cl;
    g->key = mix64(mix64(p->seed) ^ mix64(0x5354u ^ ((uint64_t)(uint32_t)g->st.wban << 16)));
    g->lat = g->st.latitude * PI / 180.0;
    g->lon_sec = g->st.longitude * 240.0;
    g->ev_first = INT64_MIN;
    g->na.day = INT64_MAX; /* forces nodes_to to start afresh */

    const wx_time_t last = p->first + (p->count - 1) * SYNTH_STEP_SEC;
    g->n_gaps = synth_draw_gaps(g, p->first, last, NULL);
    g->gaps = calloc(g->n_gaps ? g->n_gaps : 1, sizeof *g->gaps);
    if (!g->gaps || synth_draw_gaps(g, p->first, last, g->gaps) != g->n_gaps ||
        synth_draw_anomalies(g) != 0) {
        snprintf(errstr, errstr_size, "out of memory");
        synth_destroy(g);
        return NULL;
    }
    qsort(g->gaps, g->n_gaps, sizeof *g->gaps, synth_gap_cmp);

    /* Spin up the states with memory, so the first reading looks like any other. */
    weather_t w;
    for (int64_t i = SPINUP_DAYS * 288; i > 0; i--)
        synth_weather_step(g, p->first - i * SYNTH_STEP_SEC, &w);
    return g;
}

void synth_destroy(synth_t *g)
{
    if (!g)
        return;
    free(g->gaps);
    free(g->anom);
    free(g->events);
    free(g);
}

size_t synth_event_count(const synth_t *g)
{
    return g->n_events;
}

const synth_event_t *synth_event_at(const synth_t *g, size_t i)
{
    return i < g->n_events ? &g->events[i] : NULL;
}

/* The row kind of the reading at t, and the flagged-row pattern. */
static synth_row_t row_at(synth_t *g, wx_time_t t, int *pattern)
{
    while (g->gap_cur < g->n_gaps && g->gaps[g->gap_cur].b < t)
        g->gap_cur++;
    synth_row_t row = SYNTH_ROW_NORMAL;
    for (size_t i = g->gap_cur; i < g->n_gaps && g->gaps[i].a <= t; i++) {
        if (g->gaps[i].b < t)
            continue;
        if (g->gaps[i].row == SYNTH_ROW_MISSING)
            return SYNTH_ROW_MISSING;
        row = SYNTH_ROW_FLAGGED;
        *pattern = g->gaps[i].pattern;
    }
    if (row != SYNTH_ROW_NORMAL)
        return row;
    /* Single drop-outs, kept SYNTH_EVENT_MARGIN_SEC away from every scheduled fault. */
    if (unif(g->key, S_GAP, t / SYNTH_STEP_SEC, 0) < GAP_SINGLE_P) {
        const wx_time_t m = SYNTH_EVENT_MARGIN_SEC;
        while (g->zone_cur < g->n_anom && g->anom[g->zone_cur].ev.last_utc + m <= t)
            g->zone_cur++;
        if (g->zone_cur < g->n_anom && g->anom[g->zone_cur].ev.first_utc - m < t)
            return SYNTH_ROW_NORMAL;
        return SYNTH_ROW_MISSING;
    }
    return SYNTH_ROW_NORMAL;
}

int synth_next(synth_t *g, uscrn_reading_t *out, synth_label_t *label)
{
    if (g->next >= g->p.count)
        return 0;
    const int64_t i = g->next++;
    const wx_time_t t = g->p.first + i * SYNTH_STEP_SEC;
    weather_t w;
    synth_weather_step(g, t, &w);

    uscrn_reading_t r;
    memset(&r, 0, sizeof r);
    r.wbanno = g->st.wban;
    wx_time_to_date_hhmm(t, &r.utc_date, &r.utc_time);
    wx_time_to_date_hhmm(t + (wx_time_t)g->st.lst_offset_min * WX_MINUTE, &r.lst_date,
                         &r.lst_time);
    r.longitude = round_to(g->st.longitude, 100.0);
    r.latitude = round_to(g->st.latitude, 100.0);

    synth_label_t lab = {SYNTH_ROW_NORMAL, SYNTH_NONE, 0, NAN};
    int pattern = 0;
    lab.row = row_at(g, t, &pattern);

    if (lab.row == SYNTH_ROW_MISSING) {
        uscrn_set_all_missing(&r);
    } else {
        const bool soil = g->cl->soil_sensors;
        r.crx_vn = CRX_VERSION;
        r.air_temperature = round_to(w.air, 10.0);
        r.precipitation = round_to(w.precip, 10.0);
        r.solar_radiation = (int32_t)lround(w.solar);
        r.surface_temperature = round_to(w.surface, 10.0);
        r.st_type = 'C';
        r.relative_humidity = (int32_t)lround(w.rh);
        r.soil_moisture_5 = soil ? round_to(w.soil_m, 1000.0) : USCRN_MISSING_SOIL_MOIST;
        r.soil_temperature_5 = soil ? round_to(w.soil_t, 10.0) : USCRN_MISSING_TEMP;
        r.wetness = (int32_t)lround(w.wetness);
        r.wind_1_5 = round_to(w.wind, 100.0);
        if (lab.row == SYNTH_ROW_FLAGGED) {
            /* As NOAA writes it: inputs flagged 3, air temperature and precipitation missing. */
            r.air_temperature = USCRN_MISSING_TEMP;
            r.precipitation = USCRN_MISSING_TEMP;
            r.solar_radiation = -13107;
            r.sr_flag = r.st_flag = r.rh_flag = r.wet_flag = r.wind_flag = 3;
            if (pattern == 0) {
                r.surface_temperature = -131.1;
                r.relative_humidity = -131;
                r.wetness = USCRN_MISSING_RH;
                r.wind_1_5 = USCRN_MISSING_WIND;
            }
        } else {
            lab.true_air_temperature = r.air_temperature;
            while (g->anom_cur < g->n_anom && g->anom[g->anom_cur].e < i)
                g->anom_cur++;
            const anomaly_t *an = g->anom_cur < g->n_anom ? &g->anom[g->anom_cur] : NULL;
            if (g->p.anomalies && an && an->s <= i) {
                lab.kind = an->ev.kind;
                lab.event_id = an->ev.id;
                switch (an->ev.kind) {
                case SYNTH_SPIKE:
                case SYNTH_STEP:
                case SYNTH_SHIFT:
                    r.air_temperature = round_to(r.air_temperature + an->delta, 10.0);
                    break;
                case SYNTH_FRONT:
                case SYNTH_OUTFLOW:
                case SYNTH_SUNRISE:
                case SYNTH_FOEHN:
                    r.air_temperature =
                        round_to(r.air_temperature + synth_weather_delta(an, t), 10.0);
                    break;
                case SYNTH_STUCK:
                    r.air_temperature = g->last_air;
                    break;
                case SYNTH_RANGE: {
                    const double v = unif_in(g->key, S_RANGEVAL, t / SYNTH_STEP_SEC, 0, 65.0, 99.9);
                    const bool neg = unif(g->key, S_RANGEVAL, t / SYNTH_STEP_SEC, 2) < 0.5;
                    r.air_temperature = round_to(neg ? -v : v, 10.0);
                    break;
                }
                default:
                    break;
                }
            }
            if (lab.kind != SYNTH_STUCK)
                g->last_air = r.air_temperature;
        }
    }
    char err[160];
    if (uscrn_finish(&r, err, sizeof err) != 0) {
        /* Cannot happen for a range synth_new accepted; keep the reading all-missing. */
        uscrn_set_all_missing(&r);
    }
    *out = r;
    if (label)
        *label = lab;
    return 1;
}
