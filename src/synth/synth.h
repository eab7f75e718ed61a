/* synth: a deterministic generator of realistic, *synthetic* USCRN sub-hourly readings for one
 * station and a time range, with optional labelled sensor faults for measuring the outlier
 * cascade. What it models and why the numbers are what they are: docs/synth.md.
 *
 * Pure: no I/O, no globals but const tables. Every random draw is a hash of (seed, WBAN, what,
 * when) (splitmix64), so the same parameters and seed give the same readings byte for byte,
 * different stations get independent streams from one seed, and the weather at an instant does
 * not depend on where the range starts: consecutive files (2024, then 2025) join without a jump.
 * The fault schedule (synth_event_t) is drawn per range at synth_new and is always computed;
 * with anomalies off it is simply not applied, so turning anomalies on changes exactly the
 * labelled readings and nothing else. */
#ifndef WX_SYNTH_H
#define WX_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "station.h"
#include "uscrn.h"
#include "wx_time.h"

/* Readings are every five minutes; a reading's time is its interval end (UTC). */
#define SYNTH_STEP_SEC 300

/* A separation of at least this much (36 readings) is kept between two injected faults, and
 * between a fault and a gap (missing or flagged rows) or the ends of the range. */
#define SYNTH_EVENT_MARGIN_SEC (3 * 3600)

typedef enum synth_kind {
    SYNTH_NONE = 0, /* a clean reading */
    SYNTH_SPIKE,    /* one reading off by ±6..20 °C */
    SYNTH_STEP,     /* an offset of ±9..15 °C for 1-6 h, then back */
    SYNTH_STUCK,    /* the value frozen at the previous reading's for 4-12 h */
    SYNTH_RANGE,    /* 1-3 readings of a physically impossible value (|x| 65..99.9 °C) */
    SYNTH_SHIFT,    /* a level shift: an offset of ±6..12 °C from one reading for 1-3 h, then back */
    /* Weather that must NOT be flagged, added to the synthetic weather and labelled so that a
     * benchmark can count the readings flagged in it (docs/synth.md): */
    SYNTH_FRONT,    /* a cold front: -7..-9 °C over 15-30 min, held 1-3 h, back over 3-6 h */
    SYNTH_OUTFLOW,  /* a storm outflow in the afternoon: -4..-8 °C over 15-30 min, back in 1-2 h */
    SYNTH_SUNRISE,  /* a fast morning warming: +4..+6 °C more over 1.5-2 h after sunrise */
    SYNTH_FOEHN,    /* a foehn-like warm jump: +4.5..+5.5 °C over 10 min, held 1-4 h */
} synth_kind_t;

#define SYNTH_KIND_COUNT 10

/* "none", "spike", "step", "stuck", "range", "shift", "front", "outflow", "sunrise", "foehn". */
const char *synth_kind_name(synth_kind_t k);
/* Whether the kind is labelled weather (front, outflow, sunrise, foehn) rather than a fault. */
bool synth_kind_is_weather(synth_kind_t k);
/* The kind with that name (not "none"); SYNTH_NONE when there is none. */
synth_kind_t synth_kind_from_name(const char *name);

/* What kind of row a reading is (independent of injected faults). */
typedef enum synth_row {
    SYNTH_ROW_NORMAL = 0,
    SYNTH_ROW_MISSING, /* an all-missing row (uscrn_set_all_missing): a single drop-out or an outage */
    SYNTH_ROW_FLAGGED, /* inputs flagged erroneous (flag 3), air temperature missing */
} synth_row_t;

/* One injected fault. The affected readings are those with first_utc <= utc <= last_utc. */
typedef struct synth_event {
    uint32_t id; /* 1, 2, ... in time order within one generator */
    synth_kind_t kind;
    int32_t wban;
    wx_time_t first_utc;
    wx_time_t last_utc;
    /* The size, °C: the signed offset of a spike, step or shift, the signed change of a weather
     * event; NaN for stuck and range. */
    double magnitude;
} synth_event_t;

/* Per-reading ground truth. */
typedef struct synth_label {
    synth_row_t row;
    synth_kind_t kind; /* SYNTH_NONE unless an injected fault or labelled weather altered it */
    uint32_t event_id; /* 0 unless kind != SYNTH_NONE */
    double true_air_temperature; /* the value before the fault (NaN on missing/flagged rows) */
} synth_label_t;

typedef struct synth_params {
    const station_info_t *station; /* WBAN, coordinates and LST offset; must have a climate */
    wx_time_t first;               /* time of the first reading: a multiple of SYNTH_STEP_SEC */
    int64_t count;                 /* readings to generate, 1..SYNTH_MAX_COUNT */
    uint64_t seed;
    bool anomalies; /* inject the labelled faults */
} synth_params_t;

#define SYNTH_MAX_COUNT ((int64_t)288 * 366 * 100) /* a century of readings */

/* The climate the generator uses for one station: a row of a const table (docs/synth.md). */
typedef struct synth_climate {
    int32_t wban;
    double elevation_m;
    double t_mean;        /* annual mean air temperature, °C */
    double t_amp;         /* seasonal half-range (mid-July minus annual mean), °C */
    double dtr_winter;    /* mean diurnal range in mid-January, °C */
    double dtr_summer;    /* ... in mid-July, °C */
    double syn_winter;    /* day-to-day anomaly sigma in winter, °C */
    double syn_summer;    /* ... in summer, °C */
    double fronts_per_year;
    double outflows_per_year; /* summer-afternoon thunderstorm outflows */
    double td_mean;       /* annual mean dew point, °C */
    double td_amp;        /* seasonal half-range of the dew point, °C */
    double rain_days_per_year;
    double rain_rate_mm_h; /* mean intensity of ordinary (stratiform) rain */
    double rain_season_peak_doy; /* day of year rain is most likely */
    double rain_season_contrast; /* 0 = uniform over the year, 1 = none at the opposite season */
    double cloud_bias;    /* shifts the daily cloudiness: > 0 cloudier */
    double cloud_summer;  /* added to cloud_bias in mid-July, subtracted in mid-January */
    double wind_mean;     /* m/s at 1.5 m */
    double soil_moist_dry; /* 5 cm soil moisture floor, m³/m³ */
    double soil_moist_wet; /* ... after soaking rain */
    bool soil_sensors;    /* false: soil columns are written missing (as at CO Boulder 14 W) */
    int32_t wetness_dry;  /* the wetness sensor's dry reading, Ω */
} synth_climate_t;

/* The climate table, in ascending WBAN order; NULL when the station has none. */
const synth_climate_t *synth_climate_lookup(int32_t wban);
size_t synth_climate_count(void);
const synth_climate_t *synth_climate_at(size_t i);

typedef struct synth synth_t;

/* A generator; NULL with the reason in errstr (no climate for the station, a bad range, out of
 * memory). Memory: the fault schedule, a few dozen events per station-year of the range.
 * The caller frees with synth_destroy. */
synth_t *synth_new(const synth_params_t *p, char *errstr, size_t errstr_size);
void synth_destroy(synth_t *g);

/* Writes the next reading (finished: uscrn_finish has filled utc, missing, lst_offset_min) and,
 * when label is not NULL, its ground truth. Returns 1, or 0 after the last reading. */
int synth_next(synth_t *g, uscrn_reading_t *out, synth_label_t *label);

/* The injected faults of the whole range, in time order (none when anomalies are off). Valid
 * until synth_destroy; available right after synth_new. */
size_t synth_event_count(const synth_t *g);
const synth_event_t *synth_event_at(const synth_t *g, size_t i);

/* The readings of one calendar year: first = YEAR-01-01 00:05 UTC, count = 288 * days (the
 * last reading is stamped YEAR+1-01-01 0000). days = 0 means the whole year; otherwise the
 * first `days` days. Returns 0, or -1 when days exceeds the year's length or year is outside
 * 1900..2200. */
int synth_year_range(int year, int days, wx_time_t *first, int64_t *count);

#endif
