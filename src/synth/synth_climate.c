/* synth_climate: the synthetic stations' climate table and the sun and season arithmetic the
 * weather is built on (day length, declination, equation of time, saturation vapour pressure).
 * Rationale for every number: docs/synth.md. */
#include <math.h>
#include <stddef.h>

#include "synth_internal.h"

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

/* Seasonal phase: +1 on the warmest day (~day 200), -1 half a year away. d = days since epoch. */
double synth_season(double d)
{
    return cos(2.0 * PI * (d - WARMEST_DAY) / YEAR_DAYS);
}

double synth_declination(double d)
{
    return 0.40928 * sin(2.0 * PI * (d - EQUINOX_DAY) / YEAR_DAYS);
}

/* Day length in hours at latitude lat (radians). */
double synth_day_length(double lat, double d)
{
    const double x = clamp(-tan(lat) * tan(synth_declination(d)), -1.0, 1.0);
    return 24.0 * acos(x) / PI;
}

/* Equation of time, minutes. */
double synth_eq_of_time(double d)
{
    const double b = 2.0 * PI * (d - EQUINOX_DAY - 1.0) / 364.0;
    return 9.87 * sin(2.0 * b) - 7.53 * cos(b) - 1.5 * sin(b);
}

/* Saturation vapour pressure (Magnus, hPa). */
double synth_esat(double t)
{
    return 6.112 * exp(17.62 * t / (243.12 + t));
}
