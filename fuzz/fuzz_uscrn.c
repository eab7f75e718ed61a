/* fuzz_uscrn: libFuzzer harness for the USCRN line reader and writer (uscrn.h).
 *
 * The input is one line. Checks:
 *   - uscrn_parse_line never crashes, never reads past the line, and fails with a reason;
 *     a small error buffer gives the same verdict, truncated and terminated; reading through
 *     a line cache (uscrn_parse_line_cached) gives the same verdict, reason and reading;
 *   - a line it reads has consistent derived members (fuzz_check_reading);
 *   - uscrn_format_line of that reading is exactly the documented printf format
 *     (docs/uscrn-format.md) when every value fits its column, and -1 when one does not;
 *   - the written line reads back to the same reading, field by field (sign of zero included)
 *     when every decimal prints exactly at its column's precision; otherwise to the rounded
 *     reading, which writes the same line again. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "uscrn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reference line: NOAA's format, printed by the C library. Longer than 134 characters
 * exactly when some value does not fit its column. */
static int reference_line(const uscrn_reading_t *r, char *buf, size_t size)
{
    return snprintf(buf, size,
                    "%05d %08d %04d %08d %04d %6.3f %7.2f %7.2f %7.1f %7.1f %6d %d %7.1f %c %d "
                    "%5d %d %7.3f %7.1f %5d %d %6.2f %d",
                    (int)r->wbanno, (int)r->utc_date, (int)r->utc_time, (int)r->lst_date,
                    (int)r->lst_time, r->crx_vn, r->longitude, r->latitude, r->air_temperature,
                    r->precipitation, (int)r->solar_radiation, (int)r->sr_flag,
                    r->surface_temperature, r->st_type, (int)r->st_flag,
                    (int)r->relative_humidity, (int)r->rh_flag, r->soil_moisture_5,
                    r->soil_temperature_5, (int)r->wetness, (int)r->wet_flag, r->wind_1_5,
                    (int)r->wind_flag);
}

/* Every decimal member is exactly what its column prints. */
static bool decimals_exact(const uscrn_reading_t *r)
{
    const struct {
        double v;
        int dec;
    } d[] = {{r->crx_vn, 3},          {r->longitude, 2},           {r->latitude, 2},
             {r->air_temperature, 1}, {r->precipitation, 1},       {r->surface_temperature, 1},
             {r->soil_moisture_5, 3}, {r->soil_temperature_5, 1},  {r->wind_1_5, 2}};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        if (!fuzz_prints_exactly(d[i].v, d[i].dec, NULL))
            return false;
    return true;
}

static void check_same(const uscrn_reading_t *a, const uscrn_reading_t *b)
{
#define SAME_I(m) FUZZ_CHECK(a->m == b->m, #m " %d != %d", (int)a->m, (int)b->m)
#define SAME_D(m) FUZZ_CHECK(fuzz_same_double(a->m, b->m, true), #m " %.17g != %.17g", a->m, b->m)
    SAME_I(wbanno);
    SAME_I(utc_date);
    SAME_I(utc_time);
    SAME_I(lst_date);
    SAME_I(lst_time);
    SAME_D(crx_vn);
    SAME_D(longitude);
    SAME_D(latitude);
    SAME_D(air_temperature);
    SAME_D(precipitation);
    SAME_I(solar_radiation);
    SAME_I(sr_flag);
    SAME_D(surface_temperature);
    SAME_I(st_type);
    SAME_I(st_flag);
    SAME_I(relative_humidity);
    SAME_I(rh_flag);
    SAME_D(soil_moisture_5);
    SAME_D(soil_temperature_5);
    SAME_I(wetness);
    SAME_I(wet_flag);
    SAME_D(wind_1_5);
    SAME_I(wind_flag);
    SAME_I(missing);
    SAME_I(lst_offset_min);
    FUZZ_CHECK(a->utc == b->utc, "utc");
#undef SAME_I
#undef SAME_D
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    uscrn_reading_t r, r2;
    char err[256];
    err[0] = '\0';
    const int rc = uscrn_parse_line(line, size, &r, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);

    /* Through a line cache primed with a NOAA line (most fields of a fuzzed line repeat it):
     * the same verdict, reason and reading. */
    static const char prime[] = "94075 20260101 0700 20260101 0000  2.623 -105.54   40.04     "
                                "2.7     0.0      0 0    -2.3 C 0    31 0 -99.000 -9999.0  1824 "
                                "0   3.95 0";
    uscrn_line_cache_t cache;
    memset(&cache, 0, sizeof cache);
    char cerr[256];
    FUZZ_CHECK(uscrn_parse_line_cached(&cache, prime, sizeof prime - 1, &r2, cerr,
                                       sizeof cerr) == 0 && cache.valid,
               "the primer did not read: %s", cerr);
    cerr[0] = '\0';
    const int rc_cached = uscrn_parse_line_cached(&cache, line, size, &r2, cerr, sizeof cerr);
    FUZZ_CHECK(rc_cached == rc, "rc %d through the cache, %d without", rc_cached, rc);
    if (rc == 0)
        check_same(&r, &r2);
    else
        FUZZ_CHECK(strcmp(cerr, err) == 0, "reason through the cache: %s, without: %s", cerr, err);

    /* The same verdict with an error buffer of 1..16 bytes, on the heap so ASan sees overruns. */
    const size_t small = 1 + (size ? data[0] % 16 : 0);
    char *serr = malloc(small);
    if (!serr)
        return 0;
    memset(serr, 'x', small);
    const int rc_small = uscrn_parse_line(line, size, &r2, serr, small);
    FUZZ_CHECK(rc_small == rc, "rc %d with a %zu-byte errstr, %d with 256", rc_small, small, rc);
    if (rc != 0) {
        fuzz_check_errstr(err, sizeof err);
        fuzz_check_errstr(serr, small);
        FUZZ_CHECK(strncmp(err, serr, small - 1) == 0, "truncated reason differs: %s", serr);
        free(serr);
        return 0;
    }
    free(serr);
    fuzz_check_reading(&r);

    char ref[512], out[USCRN_LINE_LEN + 1];
    const int nref = reference_line(&r, ref, sizeof ref);
    const int nout = uscrn_format_line(&r, out, sizeof out);
    FUZZ_CHECK(uscrn_format_line(&r, out, USCRN_LINE_LEN) == -1, "134-byte buffer accepted");
    if (nref != USCRN_LINE_LEN) {
        FUZZ_CHECK(nout == -1, "wrote a line though a value is wider than its column: %s", ref);
        return 0;
    }
    FUZZ_CHECK(nout == USCRN_LINE_LEN, "refused a line that fits: %s", ref);
    FUZZ_CHECK(memcmp(out, ref, USCRN_LINE_LEN + 1) == 0, "\n wrote %s\n printf %s", out, ref);

    err[0] = '\0';
    FUZZ_CHECK(uscrn_parse_line(out, USCRN_LINE_LEN, &r2, err, sizeof err) == 0,
               "cannot read its own line: %s (%s)", err, out);
    fuzz_check_reading(&r2);
    if (decimals_exact(&r)) {
        check_same(&r, &r2);
    } else {
        char again[USCRN_LINE_LEN + 1];
        FUZZ_CHECK(uscrn_format_line(&r2, again, sizeof again) == USCRN_LINE_LEN, "rewrite");
        FUZZ_CHECK(memcmp(again, out, sizeof again) == 0, "\n %s\n %s", out, again);
    }
    return 0;
}
