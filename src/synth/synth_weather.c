/* synth_weather: the weather of every reading (see synth.c for the whole).
 *
 * - Slow weather (synoptic anomaly, cloudiness, wind, dew point) is an AR(1) series of daily
 *   values at local solar noon, interpolated linearly in between: no jumps at midnight.
 * - Day events (fronts, thunderstorm outflows, rain, nights whose inversion mixes out) are a
 *   pure function of (key, local day), cached for the days whose effects can still be felt.
 * - The diurnal curve is Parton & Logan's (1981): a sine from sunrise that peaks A_LAG hours
 *   after solar noon, then an exponential decay through the night to the next sunrise. Its
 *   daily mean is subtracted, so the table's means stay the means. */
#include <math.h>
#include <string.h>

#include "synth_internal.h"

/* Warm-season weight for outflows, winter weight for fronts; their yearly means. */
static double w_outflow(double s)
{
    return s > 0 ? s * s : 0.0;
}
#define W_OUTFLOW_MEAN 0.25
static double w_front(double s)
{
    return 0.25 + 0.75 * (1.0 - s) / 2.0;
}
#define W_FRONT_MEAN 0.625
/* Mean of a front's effect integrated over time (°C·days) and of an outflow's. */
#define FRONT_MEAN_DEGDAYS (8.5 * (55.0 / 2880.0 + 3.5 / 3.0))
#define OUTFLOW_MEAN_DEGDAYS (6.0 * (20.0 / 2880.0 + 2.0 / 72.0))
#define MIX_NIGHTS 0.25 /* share of nights with an inversion break-up */
#define MIX_MEAN_DEG (MIX_NIGHTS * 3.25 * (1.75 + 25.0 / 120.0 + 60.0 / 120.0) / 24.0)

static double p_rain_day(const synth_climate_t *cl, double d)
{
    const double doy_phase = 2.0 * PI * (d - (10957.0 + cl->rain_season_peak_doy)) / YEAR_DAYS;
    const double w = 1.0 + cl->rain_season_contrast * cos(doy_phase);
    return clamp(cl->rain_days_per_year / YEAR_DAYS * w, 0.0, 0.9);
}

/* Day k is the local mean solar day: UTC + longitude / 15 h. */
static void day_events(const synth_t *g, int64_t k, day_events_t *e)
{
    const uint64_t key = g->key;
    const synth_climate_t *cl = g->cl;
    const double day0 = (double)k * 86400.0 - g->lon_sec; /* UTC of local midnight */
    const double d = (double)k + 0.5;
    const double s = synth_season(d);
    memset(e, 0, sizeof *e);
    e->day = k;

    const double pf = cl->fronts_per_year * w_front(s) / (YEAR_DAYS * W_FRONT_MEAN);
    if (unif(key, S_FRONT, k, 0) < pf) {
        e->front = true;
        e->f_t0 = day0 + unif(key, S_FRONT, k, 1) * 86400.0;
        e->f_mag = unif_in(key, S_FRONT, k, 2, 5.0, 12.0);
        e->f_dur = unif_in(key, S_FRONT, k, 3, 20.0, 90.0) * 60.0;
        e->f_rec = unif_in(key, S_FRONT, k, 4, 2.0, 5.0) * 86400.0;
        if (unif(key, S_FRONT, k, 5) < 0.5) {
            e->f_rain_end = e->f_t0 + unif_in(key, S_FRONT, k, 6, 1.0, 3.0) * 3600.0;
            e->f_rain_rate = unif_in(key, S_FRONT, k, 7, 1.0, 4.0);
        }
    }
    const double po = cl->outflows_per_year * w_outflow(s) / (YEAR_DAYS * W_OUTFLOW_MEAN);
    if (unif(key, S_OUTFLOW, k, 0) < po) {
        e->outflow = true;
        e->o_t0 = day0 + unif_in(key, S_OUTFLOW, k, 1, 13.0, 19.0) * 3600.0;
        e->o_mag = unif_in(key, S_OUTFLOW, k, 2, 4.0, 8.0);
        e->o_dur = unif_in(key, S_OUTFLOW, k, 3, 10.0, 30.0) * 60.0;
        e->o_rec = unif_in(key, S_OUTFLOW, k, 4, 1.0, 3.0) * 3600.0;
        e->o_rain_end = e->o_t0 + unif_in(key, S_OUTFLOW, k, 5, 15.0, 40.0) * 60.0;
        e->o_rain_rate = unif_in(key, S_OUTFLOW, k, 6, 10.0, 40.0);
    }
    if (unif(key, S_RAIN, k, 0) < p_rain_day(cl, d)) {
        e->rain = true;
        e->r_t0 = day0 + unif(key, S_RAIN, k, 1) * 86400.0;
        e->r_end = e->r_t0 + unif_in(key, S_RAIN, k, 2, 1.0, 8.0) * 3600.0;
        e->r_rate = cl->rain_rate_mm_h * unif_in(key, S_RAIN, k, 3, 0.3, 1.7);
    }
    if (unif(key, S_MIX, k, 0) < MIX_NIGHTS) {
        e->mix = true;
        e->m_t0 = day0 + unif_in(key, S_MIX, k, 1, 21.0, 28.0) * 3600.0;
        e->m_mag = unif_in(key, S_MIX, k, 2, 1.5, 5.0);
        e->m_rise = unif_in(key, S_MIX, k, 3, 10.0, 40.0) * 60.0;
        e->m_hold = unif_in(key, S_MIX, k, 4, 0.5, 3.0) * 3600.0;
        e->m_fall = unif_in(key, S_MIX, k, 5, 30.0, 90.0) * 60.0;
    }
}

/* The daily mean of the diurnal shape for a day of length l hours followed by a night of z. */
static double shape_mean(double l, double z)
{
    const double p = l + 2.0 * A_LAG;
    const double day = p / PI * (1.0 - cos(PI * l / p));
    const double s = sin(PI * l / p);
    const double eb = exp(-B_NIGHT);
    const double night = s * z * (1.0 / B_NIGHT - eb / (1.0 - eb));
    return (day + night) / (l + z);
}

static void node_derive(const synth_t *g, node_t *n)
{
    const synth_climate_t *cl = g->cl;
    const double d = (double)n->day + 0.5 - g->lon_sec / 86400.0;
    const double s = synth_season(d);
    const double bias = cl->cloud_bias + cl->cloud_summer * s;
    day_events_t e;
    day_events(g, n->day, &e);
    n->cloud = logistic(1.7 * n->cz + bias);
    if (e.rain || e.front)
        n->cloud = fmax(n->cloud, 0.85);
    n->cloud_mean = logistic(bias / sqrt(1.0 + 1.7 * 1.7 * PI / 8.0)); /* probit approximation */
    const double l = synth_day_length(g->lat, d);
    const double l1 = synth_day_length(g->lat, d + 1.0);
    n->fbar = shape_mean(l, 24.0 - (l + l1) / 2.0);
}

static void node_first(const synth_t *g, int64_t day, node_t *n)
{
    memset(n, 0, sizeof *n);
    n->day = day;
    node_derive(g, n);
}

static void node_step(const synth_t *g, const node_t *prev, node_t *n)
{
    const int64_t k = prev->day + 1;
    n->day = k;
    n->syn = 0.75 * prev->syn + sqrt(1.0 - 0.75 * 0.75) * normal(g->key, S_SYN, k, 0);
    n->cz = 0.55 * prev->cz + sqrt(1.0 - 0.55 * 0.55) * normal(g->key, S_CLOUD, k, 0);
    n->wz = 0.5 * prev->wz + sqrt(1.0 - 0.5 * 0.5) * normal(g->key, S_WIND, k, 0);
    n->tdz = 0.6 * prev->tdz + sqrt(1.0 - 0.6 * 0.6) * normal(g->key, S_TD, k, 0);
    node_derive(g, n);
}

/* Makes na/nb the nodes of days j and j + 1 (j only grows, except at the first call). */
static void nodes_to(synth_t *g, int64_t j)
{
    if (g->na.day > j || g->na.day < j - 2 * NODE_SPINUP_DAYS) {
        node_first(g, j - NODE_SPINUP_DAYS, &g->na);
        node_step(g, &g->na, &g->nb);
    }
    while (g->na.day < j) {
        g->na = g->nb;
        node_step(g, &g->na, &g->nb);
    }
}

/* Makes ev[] hold days k - FRONT_LOOKBACK_DAYS .. k + 1. */
static void events_to(synth_t *g, int64_t k)
{
    const int64_t first = k - FRONT_LOOKBACK_DAYS;
    if (g->ev_first == first)
        return;
    if (g->ev_first != INT64_MIN && first > g->ev_first && first - g->ev_first < EV_DAYS) {
        const int64_t sh = first - g->ev_first;
        memmove(&g->ev[0], &g->ev[sh], (size_t)(EV_DAYS - sh) * sizeof g->ev[0]);
        for (int64_t i = EV_DAYS - sh; i < EV_DAYS; i++)
            day_events(g, first + i, &g->ev[i]);
    } else {
        for (int64_t i = 0; i < EV_DAYS; i++)
            day_events(g, first + i, &g->ev[i]);
    }
    g->ev_first = first;
}

/* Diurnal shape in [0, 1] at local apparent solar hour h of solar day ks. */
static double diurnal_shape(const synth_t *g, int64_t ks, double h)
{
    const double d = (double)ks + 0.5 - g->lon_sec / 86400.0;
    const double l = synth_day_length(g->lat, d);
    const double sr = 12.0 - l / 2.0, ss = 12.0 + l / 2.0;
    const double eb = exp(-B_NIGHT);
    if (h >= sr && h <= ss)
        return sin(PI * (h - sr) / (l + 2.0 * A_LAG));
    double lp, n, z;
    if (h > ss) {
        const double l1 = synth_day_length(g->lat, d + 1.0);
        lp = l;
        n = h - ss;
        z = 24.0 - ss + (12.0 - l1 / 2.0);
    } else {
        lp = synth_day_length(g->lat, d - 1.0);
        n = h + 24.0 - (12.0 + lp / 2.0);
        z = 24.0 - (12.0 + lp / 2.0) + sr;
    }
    const double s = sin(PI * lp / (lp + 2.0 * A_LAG));
    return s * (exp(-B_NIGHT * n / z) - eb) / (1.0 - eb);
}

/* Slow weather at one instant: the daily nodes interpolated between local noons. */
typedef struct slow {
    double syn, cloud, cloud_mean, wz, tdz, fbar;
} slow_t;

/* Fronts, outflows, rain and mixed-out inversions of the last days, at one instant. */
typedef struct recent {
    double front, outflow, mix; /* °C */
    double rain_rate;           /* mm/h */
    double gust;                /* m/s added to the wind */
    double dim;                 /* factor on the sunshine (storm clouds) */
} recent_t;

/* Where the sun is: solar day ks, local apparent solar hour h, clear-sky radiation (W/m²). */
typedef struct sun {
    int64_t ks;
    double h;
    double clear;
} sun_t;

/* Slow weather, interpolated between local noons (tloc: local mean solar time, s). */
static void slow_at(synth_t *g, double tloc, slow_t *sl)
{
    const double x = (tloc - 43200.0) / 86400.0;
    const int64_t j = (int64_t)floor(x);
    const double fr = x - (double)j;
    nodes_to(g, j);
    sl->syn = lerp(g->na.syn, g->nb.syn, fr);
    sl->cloud = lerp(g->na.cloud, g->nb.cloud, fr);
    sl->cloud_mean = lerp(g->na.cloud_mean, g->nb.cloud_mean, fr);
    sl->wz = lerp(g->na.wz, g->nb.wz, fr);
    sl->tdz = lerp(g->na.tdz, g->nb.tdz, fr);
    sl->fbar = lerp(g->na.fbar, g->nb.fbar, fr);
}

/* Fronts, outflows and rain of the last days at tm (UTC, middle of the interval). */
static void recent_at(synth_t *g, double tm, double tloc, recent_t *rc)
{
    const int64_t k = (int64_t)floor(tloc / 86400.0);
    events_to(g, k);
    double front = 0, outflow = 0, mix = 0, rain_rate = 0, gust = 0, dim = 1.0;
    for (int i = 0; i < EV_DAYS; i++) {
        const day_events_t *e = &g->ev[i];
        if (e->front && tm >= e->f_t0) {
            const double a = tm - e->f_t0;
            if (a < e->f_dur) {
                front -= e->f_mag * smoothstep(a / e->f_dur);
            } else if (a - e->f_dur < e->f_rec) {
                const double y = 1.0 - (a - e->f_dur) / e->f_rec;
                front -= e->f_mag * y * y;
            }
            if (a < 3.0 * 3600.0)
                gust += 3.0 * exp(-a / 5400.0);
        }
        if (e->front && e->f_rain_end > 0 && tm >= e->f_t0 - 1800.0 && tm < e->f_rain_end)
            rain_rate += e->f_rain_rate;
        if (e->outflow) {
            const double a = tm - e->o_t0;
            if (a >= 0) {
                if (a < e->o_dur) {
                    outflow -= e->o_mag * smoothstep(a / e->o_dur);
                } else if (a - e->o_dur < e->o_rec) {
                    const double y = 1.0 - (a - e->o_dur) / e->o_rec;
                    outflow -= e->o_mag * y * y;
                }
                if (a < 2.0 * 3600.0)
                    gust += 5.0 * exp(-a / 1800.0);
                if (tm < e->o_rain_end)
                    rain_rate += e->o_rain_rate;
            }
            if (a > -3600.0 && a < 5400.0)
                dim = fmin(dim, 0.3);
        }
        if (e->rain && tm >= e->r_t0 && tm < e->r_end)
            rain_rate += e->r_rate;
        if (e->mix && tm >= e->m_t0) {
            const double a = tm - e->m_t0;
            double f = 0;
            if (a < e->m_rise)
                f = smoothstep(a / e->m_rise);
            else if (a < e->m_rise + e->m_hold)
                f = 1.0;
            else if (a < e->m_rise + e->m_hold + e->m_fall)
                f = 1.0 - smoothstep((a - e->m_rise - e->m_hold) / e->m_fall);
            mix += e->m_mag * f;
            gust += 1.5 * f;
        }
    }
    rc->front = front;
    rc->outflow = outflow;
    rc->mix = mix;
    rc->rain_rate = rain_rate;
    rc->gust = gust;
    rc->dim = dim;
}

/* The sun at local mean solar time tloc on day d (days since the epoch). */
static void sun_at(const synth_t *g, double tloc, double d, sun_t *sun)
{
    const synth_climate_t *cl = g->cl;
    const double tsol = tloc + synth_eq_of_time(d) * 60.0;
    const int64_t ks = (int64_t)floor(tsol / 86400.0);
    const double h = (tsol - (double)ks * 86400.0) / 3600.0;
    const double decl = synth_declination(d);
    const double cosz = sin(g->lat) * sin(decl) +
                        cos(g->lat) * cos(decl) * cos((h - 12.0) * PI / 12.0);
    double clear = 0.0;
    if (cosz > 0.01)
        clear = 1098.0 * cosz * exp(-0.057 / cosz) * (1.0 + 0.07 * cl->elevation_m / 1000.0);
    sun->ks = ks;
    sun->h = h;
    sun->clear = clear;
}

/* Advances the slow states (soil temperature and moisture, wetness) by one step. */
static void slow_states_step(synth_t *g, double air, double surface, double precip, double rh,
                             double clear, bool raining, double wint)
{
    const synth_climate_t *cl = g->cl;
    if (!g->warm) {
        g->soil_t = fmax(air, 0.0);
        g->soil_m = cl->soil_moist_dry;
        g->wet = 0.0;
        g->warm = true;
    }
    const double drive = surface < 0 ? 0.25 * surface : surface;
    g->soil_t += (drive - g->soil_t) * (1.0 - exp(-SYNTH_STEP_SEC / (6.0 * 3600.0)));
    const double span = cl->soil_moist_wet - cl->soil_moist_dry;
    if (span > 0) {
        g->soil_m += 0.012 * precip * (cl->soil_moist_wet - g->soil_m) / span;
        const double tau = (4.0 + 6.0 * wint) * 86400.0;
        g->soil_m -= (g->soil_m - cl->soil_moist_dry) * (SYNTH_STEP_SEC / tau);
    }
    if (raining)
        g->wet = 1.0;
    else if (rh >= 97.0)
        g->wet = fmax(g->wet, 0.6);
    else
        g->wet *= exp(-SYNTH_STEP_SEC / (clear > 0 ? 1800.0 : 3600.0));
}

/* See synth_internal.h. */
void synth_weather_step(synth_t *g, wx_time_t t, weather_t *w)
{
    const synth_climate_t *cl = g->cl;
    const uint64_t key = g->key;
    const int64_t r = t / SYNTH_STEP_SEC; /* the reading's number, for per-reading draws */
    const double tm = (double)t - SYNTH_STEP_SEC / 2.0; /* middle of the interval */
    const double tloc = tm + g->lon_sec;
    const double d = tm / 86400.0;
    const double s = synth_season(d);
    const double wint = (1.0 - s) / 2.0;

    /* Slow weather, interpolated between local noons. */
    slow_t sl;
    slow_at(g, tloc, &sl);
    const double syn = sl.syn;
    const double cloud = sl.cloud;
    const double cloud_mean = sl.cloud_mean;
    const double wz = sl.wz;
    const double tdz = sl.tdz;
    const double fbar = sl.fbar;

    /* Fronts, outflows and rain of the last days. */
    recent_t rc;
    recent_at(g, tm, tloc, &rc);
    const double front = rc.front, outflow = rc.outflow, mix = rc.mix, gust = rc.gust;
    const double rain_rate = rc.rain_rate, dim = rc.dim;
    const bool raining = rain_rate > 0;

    /* The sun. */
    sun_t sun;
    sun_at(g, tloc, d, &sun);
    const int64_t ks = sun.ks;
    const double h = sun.h, clear = sun.clear;

    /* 5-minute noises, AR(1), unit variance. */
    g->n_cloud = 0.8 * g->n_cloud + 0.6 * normal(key, S_CLOUD5, r, 0);
    g->n_wind = 0.5 * g->n_wind + 0.866 * normal(key, S_WIND5, r, 0);

    /* Solar radiation. */
    const double ceff = clamp(cloud + 0.2 * g->n_cloud, 0.0, 1.0);
    double solar = clear * (1.0 - 0.75 * pow(ceff, 3.4)) * dim;
    if (raining)
        solar *= 0.35;
    const double sunny = clamp(solar / 800.0, 0.0, 1.0);

    /* Air temperature. */
    const double sig_syn = lerp(cl->syn_summer, cl->syn_winter, wint);
    const double pf = cl->fronts_per_year * w_front(s) / (YEAR_DAYS * W_FRONT_MEAN);
    const double po = cl->outflows_per_year * w_outflow(s) / (YEAR_DAYS * W_OUTFLOW_MEAN);
    const double base = cl->t_mean + cl->t_amp * s + sig_syn * syn + pf * FRONT_MEAN_DEGDAYS +
                        po * OUTFLOW_MEAN_DEGDAYS;
    const double dtr = lerp(cl->dtr_summer, cl->dtr_winter, wint) * (1.3 - 0.6 * cloud) /
                       (1.3 - 0.6 * cloud_mean);
    const double shape = diurnal_shape(g, ks, h);
    /* Heavier tails in sunshine: now and then a thermal passes the sensor. */
    const double kick = unif(key, S_NOISE, r, 2) < 0.01 + 0.05 * sunny ? 3.0 : 1.0;
    g->n_air = 0.6 * g->n_air + 0.8 * kick * normal(key, S_NOISE, r, 0);
    const double sig_noise = 0.08 + 0.10 * sunny;
    /* Mixing is a night phenomenon: as the sun heats the ground the day's mixing takes over. */
    const double night = clamp(1.0 - clear / 300.0, 0.0, 1.0);
    const double air = base - MIX_MEAN_DEG + dtr * (shape - fbar) + front + outflow +
                       mix * night + sig_noise * g->n_air;

    /* Humidity from a dew point that keeps to its own slow course. */
    double td = cl->td_mean + cl->td_amp * s + 0.7 * sig_syn * syn + 2.0 * tdz + 0.8 * front;
    if (raining)
        td = fmax(td, air - 1.0);
    td = fmin(td, air - 0.1);
    const double rh = clamp(100.0 * synth_esat(td) / synth_esat(air), 3.0, 100.0);

    /* Wind: a daily level, stronger in the afternoon, gusty, and after fronts and storms. */
    const double level = cl->wind_mean * exp(0.45 * wz - 0.1);
    const double dayf = 0.6 + 0.8 * clamp(clear / 900.0, 0.0, 1.0);
    const double wind = clamp(level * dayf * exp(0.3 * g->n_wind) + gust - 0.2, 0.0, 10.0);

    /* Surface (infrared) temperature: warmer than the air in sun, colder on clear nights. */
    double surface = air + 0.012 * solar * (1.0 - 0.04 * wind) +
                     0.3 * normal(key, S_SURF5, r, 0);
    if (clear <= 0.0)
        surface -= 3.0 * (1.0 - cloud);

    /* Precipitation. */
    double precip = 0.0;
    if (raining)
        precip = rain_rate / 12.0 * exp(0.5 * normal(key, S_RAIN5, r, 0) - 0.125);

    /* Slow states. */
    slow_states_step(g, air, surface, precip, rh, clear, raining, wint);

    w->air = air;
    w->precip = precip;
    w->solar = solar;
    w->surface = surface;
    w->rh = rh;
    w->soil_m = g->soil_m;
    w->soil_t = g->soil_t;
    w->wetness = (double)cl->wetness_dry - ((double)cl->wetness_dry - 40.0) * g->wet +
                 3.0 * sin(2.0 * PI * d / 23.0) + 2.0 * unif(key, S_WETDRIFT, r, 0);
    w->wind = wind;
}
