/* synth_internal: what the synth files share and nothing outside src/synth may use: the
 * generator's state (struct synth) and its parts, the counter-based randomness and the small
 * numeric helpers (inline: they sit in the per-reading path). See synth.c for the map.
 *
 * Randomness is counter based: a draw is splitmix64(seed, WBAN, stream, when), not the next
 * number of a sequential generator, so the weather at an instant does not depend on where the
 * range starts. Only the fault schedule, drawn for the whole range at once, uses a sequential
 * generator (rng_t). */
#ifndef WX_SYNTH_INTERNAL_H
#define WX_SYNTH_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synth.h"

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

/* ---- randomness ------------------------------------------------------------------------- */

enum stream {
    S_SYN = 1, S_CLOUD, S_WIND, S_TD, S_FRONT, S_OUTFLOW, S_RAIN, S_NOISE, S_CLOUD5, S_WIND5,
    S_RAIN5, S_SURF5, S_GAP, S_OUTAGE, S_FLAGGED, S_SCHEDULE, S_RANGEVAL, S_WETDRIFT, S_MIX
};

static inline uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A draw for (stream, counter, sub): sub numbers the values one event needs. */
static inline uint64_t draw(uint64_t key, enum stream s, int64_t counter, unsigned sub)
{
    return mix64(key ^ mix64(((uint64_t)s << 56) ^ ((uint64_t)sub << 48) ^
                             mix64((uint64_t)counter)));
}

/* [0, 1) */
static inline double unif(uint64_t key, enum stream s, int64_t counter, unsigned sub)
{
    return (double)(draw(key, s, counter, sub) >> 11) * 0x1.0p-53;
}

static inline double unif_in(uint64_t key, enum stream s, int64_t counter, unsigned sub, double lo,
                      double hi)
{
    return lo + (hi - lo) * unif(key, s, counter, sub);
}

/* Standard normal, Box-Muller. */
static inline double normal(uint64_t key, enum stream s, int64_t counter, unsigned sub)
{
    const double u1 = ((double)(draw(key, s, counter, sub) >> 11) + 1.0) * 0x1.0p-53; /* (0,1] */
    const double u2 = unif(key, s, counter, sub + 1);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * PI * u2);
}

/* Sequential splitmix64, for the fault schedule only. */
typedef struct rng {
    uint64_t s;
} rng_t;

static inline uint64_t rng_next(rng_t *r)
{
    r->s += 0x9e3779b97f4a7c15u;
    uint64_t z = r->s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static inline double rng_unif(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* An integer in [lo, hi]. */
static inline int64_t rng_int(rng_t *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_unif(r) * (double)(hi - lo + 1));
}

/* ---- small helpers ---------------------------------------------------------------------- */

static inline double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static inline double lerp(double a, double b, double f)
{
    return a + (b - a) * f;
}

static inline double smoothstep(double x)
{
    x = clamp(x, 0.0, 1.0);
    return x * x * (3.0 - 2.0 * x);
}

/* Rounded to 1/scale; never -0 (NOAA does not write "-0.0"). */
static inline double round_to(double v, double scale)
{
    return round(v * scale) / scale + 0.0;
}

static inline double logistic(double x)
{
    return 1.0 / (1.0 + exp(-x));
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

/* ---- climate (synth_climate.c): the sun and the seasons -------------------------------- */

/* Seasonal phase: +1 on the warmest day (~day 200), -1 half a year away. d = days since epoch. */
double synth_season(double d);
double synth_declination(double d);
/* Day length in hours at latitude lat (radians). */
double synth_day_length(double lat, double d);
/* Equation of time, minutes. */
double synth_eq_of_time(double d);
/* Saturation vapour pressure (Magnus, hPa). */
double synth_esat(double t);

/* ---- weather (synth_weather.c) --------------------------------------------------------- */

/* The weather of the reading at UTC t; advances the states with memory by one step. */
void synth_weather_step(synth_t *g, wx_time_t t, weather_t *w);

/* ---- fault schedule (synth_schedule.c) ------------------------------------------------- */

/* Outages and flagged runs touching [from, to], drawn per UTC day. out may be NULL (count). */
size_t synth_draw_gaps(const synth_t *g, wx_time_t from, wx_time_t to, gap_t *out);
/* qsort order of gaps: by start, then row kind. */
int synth_gap_cmp(const void *a, const void *b);
/* Draws the faults of the whole range; always, so anomalies on/off differ only in them.
 * Returns 0, or -1 out of memory. */
int synth_draw_anomalies(synth_t *g);
/* The change a labelled weather event makes to the reading at t. */
double synth_weather_delta(const anomaly_t *an, wx_time_t t);

#endif
