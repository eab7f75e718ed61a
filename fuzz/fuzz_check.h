/* fuzz_check: what every harness asserts about a reading or an error string, and how it fails.
 *
 * A failed check prints what was wrong and aborts, so libFuzzer saves the input as a crash
 * artifact (crash-<sha1>) that reproduces it: `./fuzz_x crash-<sha1>`. Header-only: each
 * harness is one translation unit plus the core library. */
#ifndef WX_FUZZ_CHECK_H
#define WX_FUZZ_CHECK_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uscrn.h"
#include "wx_time.h"

#define FUZZ_CHECK(cond, ...)                                                                \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);         \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

/* An error string is NUL-terminated inside its buffer and says something. */
static inline void fuzz_check_errstr(const char *err, size_t size)
{
    FUZZ_CHECK(size == 0 || memchr(err, '\0', size) != NULL, "errstr not terminated");
    FUZZ_CHECK(size <= 1 || err[0] != '\0', "failure with an empty reason");
}

/* The members uscrn_finish derives agree with the stored fields. */
static inline void fuzz_check_reading(const uscrn_reading_t *r)
{
    wx_time_t utc, lst;
    FUZZ_CHECK(r->wbanno >= 1 && r->wbanno <= 99999, "wbanno %d", (int)r->wbanno);
    FUZZ_CHECK(wx_time_from_date_hhmm(r->utc_date, r->utc_time, &utc), "utc %d %d",
               (int)r->utc_date, (int)r->utc_time);
    FUZZ_CHECK(wx_time_from_date_hhmm(r->lst_date, r->lst_time, &lst), "lst %d %d",
               (int)r->lst_date, (int)r->lst_time);
    FUZZ_CHECK(r->utc == utc, "utc %lld, stamps say %lld", (long long)r->utc, (long long)utc);
    int32_t d, t;
    wx_time_to_date_hhmm(r->utc, &d, &t);
    FUZZ_CHECK(d == r->utc_date && t == r->utc_time, "utc converts back to %d %d", (int)d,
               (int)t);
    FUZZ_CHECK((lst - utc) == (wx_time_t)r->lst_offset_min * WX_MINUTE, "offset %d",
               (int)r->lst_offset_min);
    FUZZ_CHECK(r->lst_offset_min >= -12 * 60 && r->lst_offset_min <= 14 * 60, "offset %d",
               (int)r->lst_offset_min);
    FUZZ_CHECK(r->st_type == 'R' || r->st_type == 'C' || r->st_type == 'U', "st_type %d",
               r->st_type);
    const int32_t flags[] = {r->sr_flag, r->st_flag, r->rh_flag, r->wet_flag, r->wind_flag};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        FUZZ_CHECK(flags[i] >= 0 && flags[i] <= 9, "flag %d", (int)flags[i]);
    const bool air_missing =
        r->air_temperature == USCRN_MISSING_TEMP || isnan(r->air_temperature);
    FUZZ_CHECK(uscrn_is_missing(r, USCRN_AIR_TEMPERATURE) == air_missing,
               "AIR_TEMPERATURE %g, missing bit %d", r->air_temperature,
               (int)uscrn_is_missing(r, USCRN_AIR_TEMPERATURE));
    FUZZ_CHECK(uscrn_is_missing(r, USCRN_ST_TYPE) == (r->st_type == 'U'), "ST_TYPE bit");
    FUZZ_CHECK((r->missing >> USCRN_FIELD_COUNT) == 0, "missing bits %#x past the fields",
               (unsigned)r->missing);
}

/* Two doubles are the same value (NaN equals NaN; the sign of zero counts when `sign`). */
static inline bool fuzz_same_double(double a, double b, bool sign)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return a == b && (!sign || signbit(a) == signbit(b));
}

/* Whether v is exactly the value "%.*f" prints for it (a value that fits its column's
 * decimals), and that text's length into *width (may be NULL). */
static inline bool fuzz_prints_exactly(double v, int decimals, size_t *width)
{
    char buf[400];
    if (!isfinite(v))
        return false;
    const int n = snprintf(buf, sizeof buf, "%.*f", decimals, v);
    if (n < 0 || (size_t)n >= sizeof buf)
        return false;
    if (width)
        *width = (size_t)n;
    return strtod(buf, NULL) == v;
}

#endif
