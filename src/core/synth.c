/* synth: deterministic synthetic USCRN sub-hourly readings (see synth.h and docs/synth.md).
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

#define PI 3.14159265358979323846
#define YEAR_DAYS 365.2425
/* 2000-07-18 12:00 UTC in days since the epoch: day 200 of the year, the warmest on average. */
#define WARMEST_DAY 11156.5
/* 2000-03-20, the March equinox, for the solar declination. */
#define EQUINOX_DAY 11036.0

#define A_LAG 2.5   /* hours from solar noon to the daily maximum */
#define B_NIGHT 2.2 /* Parton-Logan night decay coefficient */
#define SPINUP_DAYS 45
#define NODE_SPINUP_DAYS 60
#define FRONT_LOOKBACK_DAYS 7 /* a front's recovery lasts at most 5 days (plus its day) */
#define EV_DAYS (FRONT_LOOKBACK_DAYS + 2) /* cached day events: k-7 .. k+1 */

#define GAP_SINGLE_P 0.003      /* single all-missing rows */
#define OUTAGES_PER_YEAR 3.0    /* multi-hour outages, 2-30 h */
#define FLAGGED_PER_YEAR 5.0    /* runs of 1-12 rows with flag 3 */
#define CRX_VERSION 2.623

/* Faults, and labelled weather, per station-year. */
static const double EVENT_RATE[SYNTH_KIND_COUNT] = {0, 24.0, 6.0, 4.0, 12.0, 12.0,
                                                    6.0, 6.0, 6.0, 6.0};

/* ---- climate table ---------------------------------------------------------------------- */

/* Rationale for every number: docs/synth.md. Ascending WBAN. */
static const synth_climate_t CLIMATES[] = {
    /* TX Bronte 11 NNE: West-Central Texas, ~560 m, semi-arid, dry air -> large DTR. */
    {.wban = 3072, .elevation_m = 560, .t_mean = 18.0, .t_amp = 10.3, .dtr_winter = 15.5,
     .dtr_summer = 14.5, .syn_winter = 4.5, .syn_summer = 1.8, .fronts_per_year = 18,
     .outflows_per_year = 14, .td_mean = 6.0, .td_amp = 8.0, .rain_days_per_year = 50,
     .rain_rate_mm_h = 2.0, .rain_season_peak_doy = 150, .rain_season_contrast = 0.5,
     .cloud_bias = -0.6, .cloud_summer = 0.0, .wind_mean = 3.5, .soil_moist_dry = 0.06,
     .soil_moist_wet = 0.35, .soil_sensors = true, .wetness_dry = 1850},
    /* WA Spokane 17 SSW: Columbia Plateau, ~720 m; cloudy mild-cold winters, dry summers. */
    {.wban = 4136, .elevation_m = 720, .t_mean = 9.0, .t_amp = 11.5, .dtr_winter = 7.0,
     .dtr_summer = 17.0, .syn_winter = 3.5, .syn_summer = 2.5, .fronts_per_year = 12,
     .outflows_per_year = 4, .td_mean = 0.5, .td_amp = 5.0, .rain_days_per_year = 90,
     .rain_rate_mm_h = 1.0, .rain_season_peak_doy = 340, .rain_season_contrast = 0.7,
     .cloud_bias = 0.2, .cloud_summer = -1.2, .wind_mean = 2.5, .soil_moist_dry = 0.08,
     .soil_moist_wet = 0.38, .soil_sensors = true, .wetness_dry = 1840},
    /* TX Austin 33 NW: Texas Hill Country, ~415 m, humid subtropical. */
    {.wban = 23907, .elevation_m = 415, .t_mean = 19.8, .t_amp = 9.4, .dtr_winter = 12.5,
     .dtr_summer = 13.0, .syn_winter = 4.0, .syn_summer = 1.5, .fronts_per_year = 15,
     .outflows_per_year = 12, .td_mean = 11.0, .td_amp = 8.0, .rain_days_per_year = 65,
     .rain_rate_mm_h = 2.0, .rain_season_peak_doy = 140, .rain_season_contrast = 0.4,
     .cloud_bias = -0.3, .cloud_summer = -0.2, .wind_mean = 2.5, .soil_moist_dry = 0.10,
     .soil_moist_wet = 0.40, .soil_sensors = true, .wetness_dry = 1830},
    /* CO Boulder 14 W: Front Range subalpine, ~2900 m; the real station reports no soil. */
    {.wban = 94075, .elevation_m = 2900, .t_mean = 3.3, .t_amp = 10.5, .dtr_winter = 8.0,
     .dtr_summer = 12.0, .syn_winter = 4.0, .syn_summer = 2.0, .fronts_per_year = 15,
     .outflows_per_year = 20, .td_mean = -6.0, .td_amp = 6.0, .rain_days_per_year = 80,
     .rain_rate_mm_h = 1.5, .rain_season_peak_doy = 200, .rain_season_contrast = 0.3,
     .cloud_bias = 0.0, .cloud_summer = 0.0, .wind_mean = 4.5, .soil_moist_dry = 0.0,
     .soil_moist_wet = 0.0, .soil_sensors = false, .wetness_dry = 1826},
};
#define N_CLIMATES (sizeof CLIMATES / sizeof CLIMATES[0])

const synth_climate_t *synth_climate_lookup(int32_t wban)
{
    for (size_t i = 0; i < N_CLIMATES; i++)
        if (CLIMATES[i].wban == wban)
            return &CLIMATES[i];
    return NULL;
}

size_t synth_climate_count(void)
{
    return N_CLIMATES;
}

const synth_climate_t *synth_climate_at(size_t i)
{
    return i < N_CLIMATES ? &CLIMATES[i] : NULL;
}

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

/* ---- randomness ------------------------------------------------------------------------- */

enum stream {
    S_SYN = 1, S_CLOUD, S_WIND, S_TD, S_FRONT, S_OUTFLOW, S_RAIN, S_NOISE, S_CLOUD5, S_WIND5,
    S_RAIN5, S_SURF5, S_GAP, S_OUTAGE, S_FLAGGED, S_SCHEDULE, S_RANGEVAL, S_WETDRIFT, S_MIX
};

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A draw for (stream, counter, sub): sub numbers the values one event needs. */
static uint64_t draw(uint64_t key, enum stream s, int64_t counter, unsigned sub)
{
    return mix64(key ^ mix64(((uint64_t)s << 56) ^ ((uint64_t)sub << 48) ^
                             mix64((uint64_t)counter)));
}

/* [0, 1) */
static double unif(uint64_t key, enum stream s, int64_t counter, unsigned sub)
{
    return (double)(draw(key, s, counter, sub) >> 11) * 0x1.0p-53;
}

static double unif_in(uint64_t key, enum stream s, int64_t counter, unsigned sub, double lo,
                      double hi)
{
    return lo + (hi - lo) * unif(key, s, counter, sub);
}

/* Standard normal, Box-Muller. */
static double normal(uint64_t key, enum stream s, int64_t counter, unsigned sub)
{
    const double u1 = ((double)(draw(key, s, counter, sub) >> 11) + 1.0) * 0x1.0p-53; /* (0,1] */
    const double u2 = unif(key, s, counter, sub + 1);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * PI * u2);
}

/* Sequential splitmix64, for the fault schedule only. */
typedef struct rng {
    uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r)
{
    r->s += 0x9e3779b97f4a7c15u;
    uint64_t z = r->s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double rng_unif(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* An integer in [lo, hi]. */
static int64_t rng_int(rng_t *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_unif(r) * (double)(hi - lo + 1));
}

/* ---- small helpers ---------------------------------------------------------------------- */

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static double lerp(double a, double b, double f)
{
    return a + (b - a) * f;
}

static double smoothstep(double x)
{
    x = clamp(x, 0.0, 1.0);
    return x * x * (3.0 - 2.0 * x);
}

/* Rounded to 1/scale; never -0 (NOAA does not write "-0.0"). */
static double round_to(double v, double scale)
{
    return round(v * scale) / scale + 0.0;
}

static double logistic(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* Seasonal phase: +1 on the warmest day (~day 200), -1 half a year away. d = days since epoch. */
static double season(double d)
{
    return cos(2.0 * PI * (d - WARMEST_DAY) / YEAR_DAYS);
}

static double declination(double d)
{
    return 0.40928 * sin(2.0 * PI * (d - EQUINOX_DAY) / YEAR_DAYS);
}

/* Day length in hours at latitude lat (radians). */
static double day_length(double lat, double d)
{
    const double x = clamp(-tan(lat) * tan(declination(d)), -1.0, 1.0);
    return 24.0 * acos(x) / PI;
}

/* Equation of time, minutes. */
static double eq_of_time(double d)
{
    const double b = 2.0 * PI * (d - EQUINOX_DAY - 1.0) / 364.0;
    return 9.87 * sin(2.0 * b) - 7.53 * cos(b) - 1.5 * sin(b);
}

/* Saturation vapour pressure (Magnus, hPa). */
static double esat(double t)
{
    return 6.112 * exp(17.62 * t / (243.12 + t));
}

/* ---- daily weather ---------------------------------------------------------------------- */

/* What one local day brings: a cold front, a thunderstorm outflow, a spell of rain. Times are
 * UTC seconds. A pure function of (key, day). */
typedef struct day_events {
    int64_t day;
    bool front;
    double f_t0, f_mag, f_dur, f_rec; /* drop f_mag °C over f_dur s; back over f_rec s */
    double f_rain_end, f_rain_rate;   /* rain from f_t0 - 30 min to f_rain_end (0: none) */
    bool outflow;
    double o_t0, o_mag, o_dur, o_rec;
    double o_rain_end, o_rain_rate;
    bool rain;
    double r_t0, r_end, r_rate;
    bool mix; /* a calm night's inversion mixed out by wind: warming, then cooling back */
    double m_t0, m_mag, m_rise, m_hold, m_fall;
} day_events_t;

/* Slow weather at local solar noon of one day (AR(1) from day to day). */
typedef struct node {
    int64_t day;
    double syn;   /* synoptic temperature anomaly, unit variance */
    double cz;    /* cloudiness latent, unit variance */
    double wz;    /* wind latent */
    double tdz;   /* dew point latent */
    double cloud; /* 0..1 */
    double fbar;  /* daily mean of the diurnal shape */
    double cloud_mean; /* the season's mean cloudiness (for the DTR factor) */
} node_t;

/* An injected fault, with its reading indexes and size. */
typedef struct anomaly {
    synth_event_t ev;
    int64_t s, e;  /* first and last reading index */
    double delta;  /* spike, step, shift: signed offset; weather: the signed change */
    /* Weather: from phase seconds after the first reading's time, the change comes over dur s
     * (smoothstep), holds hold s, and goes back linearly over rec s. */
    double phase, dur, hold, rec;
} anomaly_t;

/* An outage or a run of flagged rows (UTC times of the first and last reading). */
typedef struct gap {
    wx_time_t a, b;
    synth_row_t row;
    int pattern; /* flagged rows: 0 sensor values garbled (-131.1), 1 plausible but flagged */
} gap_t;

/* The weather of one reading, before rounding. */
typedef struct weather {
    double air;
    double precip; /* mm in the 5 minutes */
    double solar;
    double surface;
    double rh;
    double soil_m, soil_t;
    double wetness;
    double wind;
} weather_t;

struct synth {
    synth_params_t p;
    station_info_t st; /* a copy: the catalogue entry outlives nothing of ours */
    const synth_climate_t *cl;
    uint64_t key;
    double lat; /* radians */
    double lon_sec; /* longitude as a time offset: lon * 240 s */

    int64_t next; /* index of the next reading to emit */

    node_t na, nb; /* nodes of days j and j + 1 */
    day_events_t ev[EV_DAYS];
    int64_t ev_first; /* day of ev[0]; INT64_MIN when empty */

    double n_air, n_cloud, n_wind; /* AR(1) 5-minute noises, unit variance */
    double soil_m, soil_t, wet;
    bool warm; /* slow states initialised */

    gap_t *gaps;
    size_t n_gaps, gap_cur;
    anomaly_t *anom;
    size_t n_anom, anom_cur, zone_cur;
    synth_event_t *events; /* what synth_event_at returns (anomalies on) */
    size_t n_events;

    double last_air; /* last air temperature written on a normal row (for `stuck`) */
};

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
    const double s = season(d);
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
    const double s = season(d);
    const double bias = cl->cloud_bias + cl->cloud_summer * s;
    day_events_t e;
    day_events(g, n->day, &e);
    n->cloud = logistic(1.7 * n->cz + bias);
    if (e.rain || e.front)
        n->cloud = fmax(n->cloud, 0.85);
    n->cloud_mean = logistic(bias / sqrt(1.0 + 1.7 * 1.7 * PI / 8.0)); /* probit approximation */
    const double l = day_length(g->lat, d);
    const double l1 = day_length(g->lat, d + 1.0);
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
    const double l = day_length(g->lat, d);
    const double sr = 12.0 - l / 2.0, ss = 12.0 + l / 2.0;
    const double eb = exp(-B_NIGHT);
    if (h >= sr && h <= ss)
        return sin(PI * (h - sr) / (l + 2.0 * A_LAG));
    double lp, n, z;
    if (h > ss) {
        const double l1 = day_length(g->lat, d + 1.0);
        lp = l;
        n = h - ss;
        z = 24.0 - ss + (12.0 - l1 / 2.0);
    } else {
        lp = day_length(g->lat, d - 1.0);
        n = h + 24.0 - (12.0 + lp / 2.0);
        z = 24.0 - (12.0 + lp / 2.0) + sr;
    }
    const double s = sin(PI * lp / (lp + 2.0 * A_LAG));
    return s * (exp(-B_NIGHT * n / z) - eb) / (1.0 - eb);
}

/* The weather of the reading at UTC t; advances the states with memory by one step. */
static void weather_step(synth_t *g, wx_time_t t, weather_t *w)
{
    const synth_climate_t *cl = g->cl;
    const uint64_t key = g->key;
    const int64_t r = t / SYNTH_STEP_SEC; /* the reading's number, for per-reading draws */
    const double tm = (double)t - SYNTH_STEP_SEC / 2.0; /* middle of the interval */
    const double tloc = tm + g->lon_sec;
    const double d = tm / 86400.0;
    const double s = season(d);
    const double wint = (1.0 - s) / 2.0;

    /* Slow weather, interpolated between local noons. */
    const double x = (tloc - 43200.0) / 86400.0;
    const int64_t j = (int64_t)floor(x);
    const double fr = x - (double)j;
    nodes_to(g, j);
    const double syn = lerp(g->na.syn, g->nb.syn, fr);
    const double cloud = lerp(g->na.cloud, g->nb.cloud, fr);
    const double cloud_mean = lerp(g->na.cloud_mean, g->nb.cloud_mean, fr);
    const double wz = lerp(g->na.wz, g->nb.wz, fr);
    const double tdz = lerp(g->na.tdz, g->nb.tdz, fr);
    const double fbar = lerp(g->na.fbar, g->nb.fbar, fr);

    /* Fronts, outflows and rain of the last days. */
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
    const bool raining = rain_rate > 0;

    /* The sun. */
    const double tsol = tloc + eq_of_time(d) * 60.0;
    const int64_t ks = (int64_t)floor(tsol / 86400.0);
    const double h = (tsol - (double)ks * 86400.0) / 3600.0;
    const double decl = declination(d);
    const double cosz = sin(g->lat) * sin(decl) +
                        cos(g->lat) * cos(decl) * cos((h - 12.0) * PI / 12.0);
    double clear = 0.0;
    if (cosz > 0.01)
        clear = 1098.0 * cosz * exp(-0.057 / cosz) * (1.0 + 0.07 * cl->elevation_m / 1000.0);

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
    const double rh = clamp(100.0 * esat(td) / esat(air), 3.0, 100.0);

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

/* ---- schedule --------------------------------------------------------------------------- */

static int gap_cmp(const void *a, const void *b)
{
    const gap_t *x = a, *y = b;
    return x->a < y->a ? -1 : x->a > y->a ? 1 : (int)x->row - (int)y->row;
}

static int anom_cmp(const void *a, const void *b)
{
    const anomaly_t *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

/* Outages and flagged runs touching [from, to], drawn per UTC day. out may be NULL (count). */
static size_t draw_gaps(const synth_t *g, wx_time_t from, wx_time_t to, gap_t *out)
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

/* Draws the faults of the whole range; always, so anomalies on/off differ only in them. */
static int draw_anomalies(synth_t *g)
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
            if (n - 2 * margin - len < 1)
                continue; /* the range is too short for this fault */
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

/* ---- public ----------------------------------------------------------------------------- */

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
    g->n_gaps = draw_gaps(g, p->first, last, NULL);
    g->gaps = calloc(g->n_gaps ? g->n_gaps : 1, sizeof *g->gaps);
    if (!g->gaps || draw_gaps(g, p->first, last, g->gaps) != g->n_gaps ||
        draw_anomalies(g) != 0) {
        snprintf(errstr, errstr_size, "out of memory");
        synth_destroy(g);
        return NULL;
    }
    qsort(g->gaps, g->n_gaps, sizeof *g->gaps, gap_cmp);

    /* Spin up the states with memory, so the first reading looks like any other. */
    weather_t w;
    for (int64_t i = SPINUP_DAYS * 288; i > 0; i--)
        weather_step(g, p->first - i * SYNTH_STEP_SEC, &w);
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

/* The change a labelled weather event makes to the reading at t. */
static double weather_delta(const anomaly_t *an, wx_time_t t)
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
    weather_step(g, t, &w);

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
                    r.air_temperature = round_to(r.air_temperature + weather_delta(an, t), 10.0);
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
