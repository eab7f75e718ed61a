/* fuzz_json: libFuzzer harness for the seed's JSON record reader and writer (json_record.h).
 *
 * The input is one record. Checks:
 *   - json_record_parse never crashes, never reads past the input, and fails with a reason;
 *     small error and source_file buffers give the same verdict, truncated and terminated;
 *   - a record it reads has consistent derived members (fuzz_check_reading);
 *   - json_record_write of that reading reads back: integers, ST_TYPE and the times exactly;
 *     decimals exactly when they print exactly at the column's precision, else rounded to it
 *     (the writer keeps the column's decimals by design); source_file unchanged when it is
 *     valid UTF-8;
 *   - writing what was read back gives the same bytes again (the writer is a fixed point), for
 *     decimals below 1e12 (up to 15 significant digits: converted exactly; see json_scan.h).
 * The same input also goes to json_fields_get (serve's reader of any object), with small heap
 * buffers: never a crash or an overrun; every string it gives is terminated within its buffer;
 * it fails with a reason; and it reads every record json_record_parse reads (a record is an
 * object). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "json_fields.h"
#include "json_record.h"
#include "wxbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const unsigned c = s[i];
        size_t k;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else {
            return false;
        }
        if (n - i <= k || s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
        i += k + 1;
    }
    return true;
}

/* Decimals up to 15 significant digits convert exactly (json_scan.h); beyond that "within a
 * few ulps", so rewriting such a value may change its last printed digits. */
static bool converts_exactly(double v)
{
    return isnan(v) || fabs(v) < 1e12;
}

static void check_decimal(const char *name, double a, double b, int decimals, bool *all_exact,
                          bool *all_small)
{
    *all_small = *all_small && converts_exactly(a);
    if (isnan(a) || (converts_exactly(a) && fuzz_prints_exactly(a, decimals, NULL))) {
        FUZZ_CHECK(fuzz_same_double(a, b, false), "%s %.17g read back as %.17g", name, a, b);
        return;
    }
    *all_exact = false;
    /* Rounded to the column: within half a unit of the last decimal; outside the exactly
     * converted range, within a few ulps too. */
    const double half = 0.5 * pow(10.0, -decimals);
    const double tol = half * (1 + 1e-9) + fabs(a) * 1e-14;
    FUZZ_CHECK(fabs(a - b) <= tol, "%s %.17g read back as %.17g", name, a, b);
}

/* json_fields_get on the input, its string buffers `small` bytes on the heap; returns its rc. */
static int check_fields(const char *json, size_t size, size_t small)
{
    static const char *const names[] = {"WBANNO", "source_file", "LST_DATE", "x", ""};
    enum { N = sizeof names / sizeof names[0] };
    json_field_t f[N];
    char *bufs[N];
    for (size_t i = 0; i < N; i++) {
        bufs[i] = malloc(small);
        if (!bufs[i])
            abort();
        memset(bufs[i], 'x', small);
        f[i] = (json_field_t){.name = names[i], .buf = bufs[i], .cap = small};
    }
    char *err = malloc(small);
    if (!err)
        abort();
    memset(err, 'x', small);
    const int rc = json_fields_get(json, size, f, N, err, small);
    FUZZ_CHECK(rc == 0 || rc == -1, "json_fields rc %d", rc);
    if (rc != 0)
        fuzz_check_errstr(err, small);
    for (size_t i = 0; rc == 0 && i < N; i++)
        if (f[i].found && f[i].type == JSON_STRING)
            FUZZ_CHECK(memchr(bufs[i], '\0', small) != NULL, "field %s not terminated", names[i]);
    for (size_t i = 0; i < N; i++)
        free(bufs[i]);
    free(err);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    uscrn_reading_t r, r2;
    char err[256], src[JSON_RECORD_SOURCE_MAX];
    err[0] = '\0';
    const int rc = json_record_parse(json, size, &r, src, sizeof src, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
    const int rc_fields = check_fields(json, size, 1 + (size ? data[0] % 24 : 0));
    FUZZ_CHECK(rc != 0 || rc_fields == 0, "json_fields refuses a record json_record reads");

    /* Small heap buffers for the reason and source_file, so ASan sees an overrun. */
    const size_t small = 1 + (size ? data[size - 1] % 16 : 0);
    char *serr = malloc(small), *ssrc = malloc(small);
    if (!serr || !ssrc) {
        free(serr);
        free(ssrc);
        return 0;
    }
    memset(serr, 'x', small);
    memset(ssrc, 'x', small);
    const int rc_small = json_record_parse(json, size, &r2, ssrc, small, serr, small);
    FUZZ_CHECK(rc_small == rc, "rc %d with %zu-byte buffers, %d with 256", rc_small, small, rc);
    if (rc != 0) {
        fuzz_check_errstr(err, sizeof err);
        fuzz_check_errstr(serr, small);
        FUZZ_CHECK(strncmp(err, serr, small - 1) == 0, "truncated reason differs: %s", serr);
        goto done;
    }
    FUZZ_CHECK(memchr(ssrc, '\0', small) != NULL, "source_file not terminated");
    FUZZ_CHECK(strncmp(src, ssrc, small - 1) == 0, "truncated source_file differs");
    FUZZ_CHECK(json_record_parse(json, size, &r2, NULL, 0, err, sizeof err) == 0,
               "reads only with a source_file buffer: %s", err);
    fuzz_check_reading(&r);

    wxbuf_t w1 = WXBUF_INIT, w2 = WXBUF_INIT;
    json_record_write(&r, src, &w1);
    FUZZ_CHECK(!w1.failed, "write failed");
    char src2[JSON_RECORD_SOURCE_MAX];
    err[0] = '\0';
    FUZZ_CHECK(json_record_parse(w1.data, w1.len, &r2, src2, sizeof src2, err, sizeof err) == 0,
               "cannot read its own record: %s\n%.*s", err, (int)w1.len, w1.data);
    fuzz_check_reading(&r2);

#define SAME_I(m) FUZZ_CHECK(r.m == r2.m, #m " %d read back as %d", (int)r.m, (int)r2.m)
    SAME_I(wbanno);
    SAME_I(utc_date);
    SAME_I(utc_time);
    SAME_I(lst_date);
    SAME_I(lst_time);
    SAME_I(solar_radiation);
    SAME_I(sr_flag);
    SAME_I(st_type);
    SAME_I(st_flag);
    SAME_I(relative_humidity);
    SAME_I(rh_flag);
    SAME_I(wetness);
    SAME_I(wet_flag);
    SAME_I(wind_flag);
    SAME_I(lst_offset_min);
#undef SAME_I
    FUZZ_CHECK(r.utc == r2.utc, "utc");
    bool exact = true, small_values = true;
#define SAME_D(m, dec) check_decimal(#m, r.m, r2.m, dec, &exact, &small_values)
    SAME_D(crx_vn, 3);
    SAME_D(longitude, 2);
    SAME_D(latitude, 2);
    SAME_D(air_temperature, 1);
    SAME_D(precipitation, 1);
    SAME_D(surface_temperature, 1);
    SAME_D(soil_moisture_5, 3);
    SAME_D(soil_temperature_5, 1);
    SAME_D(wind_1_5, 2);
#undef SAME_D
    if (exact)
        FUZZ_CHECK(r.missing == r2.missing, "missing %#x read back as %#x",
                   (unsigned)r.missing, (unsigned)r2.missing);

    if (valid_utf8((const unsigned char *)src, strlen(src)))
        FUZZ_CHECK(strcmp(src, src2) == 0, "source_file \"%s\" read back as \"%s\"", src, src2);
    if (valid_utf8((const unsigned char *)src, strlen(src)) && small_values) {
        json_record_write(&r2, src2, &w2);
        FUZZ_CHECK(!w2.failed, "write failed");
        FUZZ_CHECK(w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0,
                   "not a fixed point:\n%.*s\n%.*s", (int)w1.len, w1.data, (int)w2.len, w2.data);
    }
    wxbuf_free(&w1);
    wxbuf_free(&w2);
done:
    free(serr);
    free(ssrc);
    return 0;
}
