/* uscrn: one reading of NOAA's USCRN sub-hourly product (subhourly01), and its text line.
 *
 * The line is fixed width (134 characters, 23 fields separated by spaces); see
 * docs/uscrn-format.md. Missing values are sentinels (the lowest number the column's format can
 * hold); the parser keeps the sentinel in the numeric field, so writers reproduce the input, and
 * sets the field's bit in `missing` so nobody has to compare floats with -9999.0.
 * uscrn_parse_line never allocates and never reads past `len`. */
#ifndef WX_USCRN_H
#define WX_USCRN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wx_time.h"

/* Field indexes, in file order (also the JSON key order of the seed's record). */
typedef enum {
    USCRN_WBANNO,
    USCRN_UTC_DATE,
    USCRN_UTC_TIME,
    USCRN_LST_DATE,
    USCRN_LST_TIME,
    USCRN_CRX_VN,
    USCRN_LONGITUDE,
    USCRN_LATITUDE,
    USCRN_AIR_TEMPERATURE,
    USCRN_PRECIPITATION,
    USCRN_SOLAR_RADIATION,
    USCRN_SR_FLAG,
    USCRN_SURFACE_TEMPERATURE,
    USCRN_ST_TYPE,
    USCRN_ST_FLAG,
    USCRN_RELATIVE_HUMIDITY,
    USCRN_RH_FLAG,
    USCRN_SOIL_MOISTURE_5,
    USCRN_SOIL_TEMPERATURE_5,
    USCRN_WETNESS,
    USCRN_WET_FLAG,
    USCRN_WIND_1_5,
    USCRN_WIND_FLAG,
    USCRN_FIELD_COUNT /* 23 */
} uscrn_field_t;

/* Column names as NOAA's header spells them ("WBANNO", "UTC_DATE", ...). */
const char *uscrn_field_name(uscrn_field_t f);

#define USCRN_LINE_LEN 134

/* Sentinels as written in the files. */
#define USCRN_MISSING_TEMP (-9999.0)   /* AIR/SURFACE/SOIL temperature, PRECIPITATION */
#define USCRN_MISSING_SOLAR (-99999)   /* SOLAR_RADIATION */
#define USCRN_MISSING_RH (-9999)       /* RELATIVE_HUMIDITY, WETNESS */
#define USCRN_MISSING_SOIL_MOIST (-99.0)
#define USCRN_MISSING_WIND (-99.0)
#define USCRN_MISSING_CRX (-9.0)

typedef struct uscrn_reading {
    int32_t wbanno;
    int32_t utc_date; /* YYYYMMDD */
    int32_t utc_time; /* HHMM, end of the 5-minute interval */
    int32_t lst_date;
    int32_t lst_time;
    double crx_vn;
    double longitude;
    double latitude;
    double air_temperature; /* °C; USCRN_MISSING_TEMP when missing */
    double precipitation;
    int32_t solar_radiation;
    int32_t sr_flag;
    double surface_temperature;
    char st_type; /* 'R', 'C' or 'U' */
    int32_t st_flag;
    int32_t relative_humidity;
    int32_t rh_flag;
    double soil_moisture_5;
    double soil_temperature_5;
    int32_t wetness;
    int32_t wet_flag;
    double wind_1_5;
    int32_t wind_flag;

    uint32_t missing;  /* bit (1u << uscrn_field_t) set when that field holds its sentinel */
    wx_time_t utc;     /* event time: UTC_DATE + UTC_TIME (interval end) */
    int32_t lst_offset_min; /* (LST - UTC) in minutes, from the record's own stamps */
} uscrn_reading_t;

static inline bool uscrn_is_missing(const uscrn_reading_t *r, uscrn_field_t f)
{
    return (r->missing >> f) & 1u;
}

/* Fills the derived members (missing, utc, lst_offset_min) from the stored fields and checks
 * what can be checked without a station catalogue: valid dates and times, and an LST offset
 * between -12 h and +14 h. Returns 0, or -1 with a reason in errstr. Both readers call it. */
int uscrn_finish(uscrn_reading_t *r, char *errstr, size_t errstr_size);

/* Parses one line (without its newline; a trailing '\r' is tolerated). Returns 0 on success;
 * -1 with a reason naming the field and columns in errstr (e.g.
 * "AIR_TEMPERATURE (cols 58-64): not a number: \"12.x\"", "line has NUL bytes",
 * "22 fields, expected 23 (line is 131 characters, expected 134)"). */
int uscrn_parse_line(const char *line, size_t len, uscrn_reading_t *out, char *errstr,
                     size_t errstr_size);

/* What uscrn_parse_line_cached remembers of the lines before: the last line read in NOAA's
 * layout with its values, and the day of the last UTC and LST dates. Consecutive lines of a
 * station repeat most of their columns (station, dates, coordinates, flags, often
 * precipitation and soil values); a field whose bytes equal the last line's gets the last
 * line's value instead of being parsed again. Zero-initialise one per input stream (a file,
 * a partition); it holds no state that changes a result. */
typedef struct uscrn_line_cache {
    bool valid; /* line and reading hold a line accepted in NOAA's layout */
    char line[USCRN_LINE_LEN];
    uscrn_reading_t reading;
    bool day_ok[2];       /* [0] UTC, [1] LST */
    int32_t day_date[2];  /* YYYYMMDD */
    wx_time_t day[2];     /* its midnight */
} uscrn_line_cache_t;

/* uscrn_parse_line through a cache (NULL: none); the same results, errors included. */
int uscrn_parse_line_cached(uscrn_line_cache_t *cache, const char *line, size_t len,
                            uscrn_reading_t *out, char *errstr, size_t errstr_size);

/* Writes the 134-character line (no newline, NUL-terminated) into buf, which must hold at
 * least USCRN_LINE_LEN + 1 bytes. Returns the length written, or -1 when a value does not fit
 * its column. */
int uscrn_format_line(const uscrn_reading_t *r, char *buf, size_t size);

/* A reading with every measurement missing, as NOAA writes for a gap: station, stamps and
 * coordinates set, everything else the sentinel, CRX_VN -9.000, ST_TYPE 'U'. */
void uscrn_set_all_missing(uscrn_reading_t *r);

#endif
