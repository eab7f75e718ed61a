/* Tests for uscrn: the sub-hourly line reader and writer, against the real Boulder sample
 * (tests/data/uscrn-subhourly-boulder-2026.txt). Expected values were read off the lines by
 * hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "uscrn.h"

#define SAMPLE "uscrn-subhourly-boulder-2026.txt"
#define T_2026 ((wx_time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define BIT(f) (1u << (f))

typedef struct {
    char *buf;
    char *line[32];
    size_t len[32];
    int n;
} sample_t;

static void load_sample(sample_t *s)
{
    size_t size;
    s->buf = test_read_data(SAMPLE, &size);
    s->n = 0;
    char *p = s->buf, *end = s->buf + size;
    while (p < end && s->n < 32) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        s->line[s->n] = p;
        s->len[s->n] = n;
        s->n++;
        p += n + 1;
    }
}

/* Parses a copy of exactly n bytes (no terminator), so ASan sees any over-read. */
static int parse(const char *line, size_t n, uscrn_reading_t *r, char *err, size_t errsz)
{
    char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, line, n);
    int rc = uscrn_parse_line(copy, n, r, err, errsz);
    free(copy);
    return rc;
}

static void parse_ok(const char *line, size_t n, uscrn_reading_t *r)
{
    char err[256] = "";
    int rc = parse(line, n, r, err, sizeof err);
    if (rc != 0)
        fail_msg("parse failed: %s", err);
}

/* Expects a parse failure whose reason contains `want`. */
static void parse_fails(const char *line, size_t n, const char *want)
{
    uscrn_reading_t r;
    char err[256] = "";
    int rc = parse(line, n, &r, err, sizeof err);
    assert_int_equal(rc, -1);
    assert_true(err[0] != '\0');
    if (!strstr(err, want))
        fail_msg("reason \"%s\" does not contain \"%s\"", err, want);
}

/* Line 0 of the sample with the columns [c0, c1] (1-based) replaced by `text`. */
static void patched(const sample_t *s, int c0, int c1, const char *text, char *out)
{
    memcpy(out, s->line[0], USCRN_LINE_LEN);
    out[USCRN_LINE_LEN] = '\0';
    assert_int_equal(strlen(text), (size_t)(c1 - c0 + 1));
    memcpy(out + c0 - 1, text, strlen(text));
}

static void test_sample_has_sixteen_lines_of_134_characters(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    assert_int_equal(s.n, 16);
    for (int i = 0; i < s.n; i++)
        assert_int_equal(s.len[i], USCRN_LINE_LEN);
    free(s.buf);
}

static void test_every_field_of_an_ordinary_reading(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    uscrn_reading_t r;
    /* 94075 20260106 0600 20260105 2300  2.623 -105.54   40.04    -5.6     0.2      0 0
     *    -5.7 C 0    89 0 -99.000 -9999.0    35 0   0.44 0 */
    parse_ok(s.line[6], s.len[6], &r);
    assert_int_equal(r.wbanno, 94075);
    assert_int_equal(r.utc_date, 20260106);
    assert_int_equal(r.utc_time, 600);
    assert_int_equal(r.lst_date, 20260105);
    assert_int_equal(r.lst_time, 2300);
    assert_true(r.crx_vn == 2.623);
    assert_true(r.longitude == -105.54);
    assert_true(r.latitude == 40.04);
    assert_true(r.air_temperature == -5.6);
    assert_true(r.precipitation == 0.2);
    assert_int_equal(r.solar_radiation, 0);
    assert_int_equal(r.sr_flag, 0);
    assert_true(r.surface_temperature == -5.7);
    assert_int_equal(r.st_type, 'C');
    assert_int_equal(r.st_flag, 0);
    assert_int_equal(r.relative_humidity, 89);
    assert_int_equal(r.rh_flag, 0);
    assert_true(r.soil_moisture_5 == -99.0);
    assert_true(r.soil_temperature_5 == -9999.0);
    assert_int_equal(r.wetness, 35);
    assert_int_equal(r.wet_flag, 0);
    assert_true(r.wind_1_5 == 0.44);
    assert_int_equal(r.wind_flag, 0);
    /* Boulder has no soil probes in this sample: those two are the only missing fields. */
    assert_int_equal(r.missing, BIT(USCRN_SOIL_MOISTURE_5) | BIT(USCRN_SOIL_TEMPERATURE_5));
    assert_int_equal(r.utc, T_2026 + 5 * 86400 + 6 * 3600);
    assert_int_equal(r.lst_offset_min, -420);
    free(s.buf);
}

static void test_first_line_values_and_its_lst_on_the_previous_day(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    uscrn_reading_t r;
    /* UTC 20260101 0655 is LST 20251231 2355: the reading is on the local previous day. */
    parse_ok(s.line[0], s.len[0], &r);
    assert_int_equal(r.utc_date, 20260101);
    assert_int_equal(r.utc_time, 655);
    assert_int_equal(r.lst_date, 20251231);
    assert_int_equal(r.lst_time, 2355);
    assert_true(r.air_temperature == 3.0);
    assert_true(r.surface_temperature == -2.1);
    assert_int_equal(r.relative_humidity, 30);
    assert_int_equal(r.wetness, 1824);
    assert_true(r.wind_1_5 == 4.25);
    assert_int_equal(r.utc, T_2026 + 6 * 3600 + 55 * 60);
    assert_int_equal(r.lst_offset_min, -420);
    free(s.buf);
}

static void test_lst_0000_row_is_midnight_of_its_date(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    uscrn_reading_t r;
    /* UTC 20260101 0700 = LST 20260101 0000, the interval that ends the LST day 20251231. */
    parse_ok(s.line[1], s.len[1], &r);
    assert_int_equal(r.utc_date, 20260101);
    assert_int_equal(r.utc_time, 700);
    assert_int_equal(r.lst_date, 20260101);
    assert_int_equal(r.lst_time, 0);
    assert_int_equal(r.utc, T_2026 + 7 * 3600);
    assert_int_equal(r.lst_offset_min, -420);
    assert_true(r.air_temperature == 2.7);
    assert_true(r.wind_1_5 == 3.95);
    free(s.buf);
}

static void test_every_sample_line_has_boulder_offset_minus_420(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    for (int i = 0; i < s.n; i++) {
        uscrn_reading_t r;
        parse_ok(s.line[i], s.len[i], &r);
        assert_int_equal(r.wbanno, 94075);
        assert_int_equal(r.lst_offset_min, -420);
    }
    free(s.buf);
}

static void test_all_missing_row_keeps_sentinels_and_sets_missing_bits(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    uscrn_reading_t r;
    /* 94075 20260310 1005 20260310 0305 -9.000 -105.54   40.04 -9999.0 -9999.0 -99999 0
     * -9999.0 U 0 -9999 0 -99.000 -9999.0 -9999 0 -99.00 0 */
    parse_ok(s.line[8], s.len[8], &r);
    assert_true(r.crx_vn == -9.0);
    assert_true(r.longitude == -105.54);
    assert_true(r.latitude == 40.04);
    assert_true(r.air_temperature == USCRN_MISSING_TEMP);
    assert_true(r.precipitation == USCRN_MISSING_TEMP);
    assert_int_equal(r.solar_radiation, USCRN_MISSING_SOLAR);
    assert_true(r.surface_temperature == USCRN_MISSING_TEMP);
    assert_int_equal(r.st_type, 'U');
    assert_int_equal(r.relative_humidity, USCRN_MISSING_RH);
    assert_true(r.soil_moisture_5 == USCRN_MISSING_SOIL_MOIST);
    assert_true(r.soil_temperature_5 == USCRN_MISSING_TEMP);
    assert_int_equal(r.wetness, USCRN_MISSING_RH);
    assert_true(r.wind_1_5 == USCRN_MISSING_WIND);
    assert_int_equal(r.sr_flag + r.st_flag + r.rh_flag + r.wet_flag + r.wind_flag, 0);
    const uint32_t want = BIT(USCRN_CRX_VN) | BIT(USCRN_AIR_TEMPERATURE) |
                          BIT(USCRN_PRECIPITATION) | BIT(USCRN_SOLAR_RADIATION) |
                          BIT(USCRN_SURFACE_TEMPERATURE) | BIT(USCRN_ST_TYPE) |
                          BIT(USCRN_RELATIVE_HUMIDITY) | BIT(USCRN_SOIL_MOISTURE_5) |
                          BIT(USCRN_SOIL_TEMPERATURE_5) | BIT(USCRN_WETNESS) | BIT(USCRN_WIND_1_5);
    assert_int_equal(r.missing, want);
    assert_true(uscrn_is_missing(&r, USCRN_AIR_TEMPERATURE));
    assert_false(uscrn_is_missing(&r, USCRN_LONGITUDE));
    free(s.buf);
}

static void test_flag_3_row_has_air_missing_and_keeps_flagged_values(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    uscrn_reading_t r;
    /* 94075 20260908 1830 20260908 1130  2.623 -105.54   40.04 -9999.0 -9999.0 -13107 3
     *    14.3 C 3    56 3 -99.000 -9999.0     0 3   1.18 3 */
    parse_ok(s.line[13], s.len[13], &r);
    assert_true(r.crx_vn == 2.623);
    assert_true(r.air_temperature == USCRN_MISSING_TEMP);
    assert_int_equal(r.solar_radiation, -13107); /* flagged, not a sentinel: kept */
    assert_int_equal(r.sr_flag, 3);
    assert_true(r.surface_temperature == 14.3);
    assert_int_equal(r.st_type, 'C');
    assert_int_equal(r.st_flag, 3);
    assert_int_equal(r.relative_humidity, 56);
    assert_int_equal(r.rh_flag, 3);
    assert_int_equal(r.wetness, 0);
    assert_int_equal(r.wet_flag, 3);
    assert_true(r.wind_1_5 == 1.18);
    assert_int_equal(r.wind_flag, 3);
    assert_int_equal(r.missing, BIT(USCRN_AIR_TEMPERATURE) | BIT(USCRN_PRECIPITATION) |
                                    BIT(USCRN_SOIL_MOISTURE_5) | BIT(USCRN_SOIL_TEMPERATURE_5));
    free(s.buf);
}

static void test_flag_3_row_with_impossible_values_keeps_them(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    uscrn_reading_t r;
    /* 1805: surface -131.1 and RH -131 are garbage flagged 3, wetness and wind are sentinels. */
    parse_ok(s.line[11], s.len[11], &r);
    assert_true(r.surface_temperature == -131.1);
    assert_int_equal(r.relative_humidity, -131);
    assert_int_equal(r.st_flag, 3);
    assert_true(uscrn_is_missing(&r, USCRN_WETNESS));
    assert_true(uscrn_is_missing(&r, USCRN_WIND_1_5));
    assert_false(uscrn_is_missing(&r, USCRN_SURFACE_TEMPERATURE));
    assert_false(uscrn_is_missing(&r, USCRN_RELATIVE_HUMIDITY));
    free(s.buf);
}

static void test_format_reproduces_every_sample_line_byte_for_byte(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    for (int i = 0; i < s.n; i++) {
        uscrn_reading_t r;
        char out[USCRN_LINE_LEN + 1];
        parse_ok(s.line[i], s.len[i], &r);
        assert_int_equal(uscrn_format_line(&r, out, sizeof out), USCRN_LINE_LEN);
        assert_memory_equal(out, s.line[i], USCRN_LINE_LEN);
        assert_int_equal(out[USCRN_LINE_LEN], '\0');
    }
    free(s.buf);
}

static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void test_format_matches_the_printf_format_of_the_spec(void **state)
{
    (void)state;
    /* Random values in each column's range; the writer must agree with the documented format. */
    uint64_t x = 88172645463325252ull;
#define RND() xorshift(&x)
#define UNI(lo, hi) ((lo) + (double)(RND() % 1000000007ull) / 1000000007.0 * ((hi) - (lo)))
    for (int i = 0; i < 20000; i++) {
        uscrn_reading_t r;
        memset(&r, 0, sizeof r);
        r.wbanno = (int32_t)(RND() % 99999) + 1;
        r.utc_date = 20260101;
        r.utc_time = (int32_t)(RND() % 24) * 100;
        r.utc_time += (int32_t)(RND() % 12) * 5;
        r.lst_date = 20251231;
        r.lst_time = 2355;
        r.crx_vn = UNI(-9.0, 9.999);
        r.longitude = UNI(-179.99, 179.99);
        r.latitude = UNI(-89.99, 89.99);
        r.air_temperature = UNI(-99.0, 99.0);
        r.precipitation = UNI(0.0, 999.0);
        r.solar_radiation = (int32_t)(RND() % 2000) - 100;
        r.sr_flag = (int32_t)(RND() % 10);
        r.surface_temperature = UNI(-99.0, 99.0);
        r.st_type = "RCU"[RND() % 3];
        r.st_flag = (int32_t)(RND() % 10);
        r.relative_humidity = (int32_t)(RND() % 101);
        r.rh_flag = 0;
        r.soil_moisture_5 = UNI(-99.0, 1.0);
        r.soil_temperature_5 = UNI(-60.0, 60.0);
        r.wetness = (int32_t)(RND() % 9999);
        r.wet_flag = 3;
        r.wind_1_5 = UNI(0.0, 99.99);
        r.wind_flag = 1;
        if (i % 7 == 0)
            r.air_temperature = ((double)(RND() % 2000) - 1000.0) / 10.0 + 0.05; /* ties */
        char want[256], got[USCRN_LINE_LEN + 1];
        snprintf(want, sizeof want,
                 "%05d %08d %04d %08d %04d %6.3f %7.2f %7.2f %7.1f %7.1f %6d %d %7.1f %c %d %5d %d "
                 "%7.3f %7.1f %5d %d %6.2f %d",
                 r.wbanno, r.utc_date, r.utc_time, r.lst_date, r.lst_time, r.crx_vn, r.longitude,
                 r.latitude, r.air_temperature, r.precipitation, r.solar_radiation, r.sr_flag,
                 r.surface_temperature, r.st_type, r.st_flag, r.relative_humidity, r.rh_flag,
                 r.soil_moisture_5, r.soil_temperature_5, r.wetness, r.wet_flag, r.wind_1_5,
                 r.wind_flag);
        assert_int_equal(strlen(want), USCRN_LINE_LEN);
        assert_int_equal(uscrn_format_line(&r, got, sizeof got), USCRN_LINE_LEN);
        assert_string_equal(got, want);
    }
#undef RND
#undef UNI
}

static void test_negative_zero_survives_the_round_trip(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    char line[USCRN_LINE_LEN + 1], out[USCRN_LINE_LEN + 1];
    patched(&s, 83, 89, "   -0.0", line);
    uscrn_reading_t r;
    parse_ok(line, USCRN_LINE_LEN, &r);
    assert_true(r.surface_temperature == 0.0);
    assert_int_equal(uscrn_format_line(&r, out, sizeof out), USCRN_LINE_LEN);
    assert_string_equal(out, line);
    free(s.buf);
}

static void test_format_refuses_values_wider_than_their_column(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    uscrn_reading_t r, bad;
    char out[USCRN_LINE_LEN + 1];
    parse_ok(s.line[0], s.len[0], &r);
    bad = r;
    bad.air_temperature = 12345.6; /* "12345.6" is exactly 7 wide: fits */
    assert_int_equal(uscrn_format_line(&bad, out, sizeof out), USCRN_LINE_LEN);
    bad.air_temperature = -12345.6;
    assert_int_equal(uscrn_format_line(&bad, out, sizeof out), -1);
    bad = r;
    bad.sr_flag = 10;
    assert_int_equal(uscrn_format_line(&bad, out, sizeof out), -1);
    bad = r;
    bad.wbanno = 123456;
    assert_int_equal(uscrn_format_line(&bad, out, sizeof out), -1);
    bad = r;
    bad.utc_time = -5;
    assert_int_equal(uscrn_format_line(&bad, out, sizeof out), -1);
    bad = r;
    bad.wind_1_5 = NAN;
    assert_int_equal(uscrn_format_line(&bad, out, sizeof out), -1);
    bad = r;
    bad.st_type = ' ';
    assert_int_equal(uscrn_format_line(&bad, out, sizeof out), -1);
    assert_int_equal(uscrn_format_line(&r, out, USCRN_LINE_LEN), -1); /* no room for NUL */
    free(s.buf);
}

static void test_set_all_missing_writes_the_gap_row_noaa_writes(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    uscrn_reading_t before, gap;
    char out[USCRN_LINE_LEN + 1];
    /* Line 7 (1000) is a full reading; line 8 (1005) is NOAA's gap row for the next interval. */
    parse_ok(s.line[7], s.len[7], &before);
    parse_ok(s.line[8], s.len[8], &gap);
    before.utc_time = 1005;
    before.lst_time = 305;
    before.utc = gap.utc;
    uscrn_set_all_missing(&before);
    assert_int_equal(before.missing, gap.missing);
    assert_int_equal(uscrn_format_line(&before, out, sizeof out), USCRN_LINE_LEN);
    assert_memory_equal(out, s.line[8], USCRN_LINE_LEN);
    assert_int_equal(before.lst_offset_min, -420); /* derived stamps untouched */
    free(s.buf);
}

static void test_trailing_cr_and_spaces_are_tolerated(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    char line[200];
    uscrn_reading_t a, b;
    parse_ok(s.line[0], s.len[0], &a);
    memcpy(line, s.line[0], USCRN_LINE_LEN);
    memcpy(line + USCRN_LINE_LEN, "\r", 1);
    parse_ok(line, USCRN_LINE_LEN + 1, &b);
    assert_int_equal(b.utc, a.utc);
    memcpy(line + USCRN_LINE_LEN, "   \r", 4);
    parse_ok(line, USCRN_LINE_LEN + 4, &b);
    assert_true(b.wind_1_5 == a.wind_1_5);
    free(s.buf);
}

static void test_fields_separated_by_single_spaces_parse_the_same(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    const char *compact = "94075 20260101 0655 20251231 2355 2.623 -105.54 40.04 3.0 0.0 0 0 "
                          "-2.1 C 0 30 0 -99.000 -9999.0 1824 0 4.25 0";
    uscrn_reading_t a, b;
    parse_ok(s.line[0], s.len[0], &a);
    parse_ok(compact, strlen(compact), &b);
    char fa[USCRN_LINE_LEN + 1], fb[USCRN_LINE_LEN + 1];
    uscrn_format_line(&a, fa, sizeof fa);
    uscrn_format_line(&b, fb, sizeof fb);
    assert_string_equal(fa, fb);
    assert_int_equal(a.missing, b.missing);
    free(s.buf);
}

static void test_garbage_is_rejected_by_field_count(void **state)
{
    (void)state;
    parse_fails("hello world", 11, "2 fields, expected 23");
}

static void test_empty_and_blank_lines_are_rejected(void **state)
{
    (void)state;
    parse_fails("", 0, "empty line");
    parse_fails("   \r", 4, "empty line");
}

static void test_truncated_line_is_rejected_by_field_count(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    /* The first 80 columns end after SOLAR_RADIATION (cols 74-79): 11 fields. */
    parse_fails(s.line[0], 80, "11 fields, expected 23");
    parse_fails(s.line[0], 80, "line is 79 characters, expected 134");
    free(s.buf);
}

static void test_22_and_24_fields_are_rejected(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    char line[200];
    parse_fails(s.line[0], USCRN_LINE_LEN - 2, "22 fields, expected 23");
    memcpy(line, s.line[0], USCRN_LINE_LEN);
    memcpy(line + USCRN_LINE_LEN, " 0", 2);
    parse_fails(line, USCRN_LINE_LEN + 2, "24 fields, expected 23");
    free(s.buf);
}

static void test_nul_bytes_are_rejected(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    char line[USCRN_LINE_LEN];
    memcpy(line, s.line[0], USCRN_LINE_LEN);
    line[60] = '\0';
    parse_fails(line, USCRN_LINE_LEN, "line has NUL bytes");
    memset(line, 0, sizeof line); /* NOAA files have whole lines of NULs */
    parse_fails(line, USCRN_LINE_LEN, "line has NUL bytes");
    free(s.buf);
}

static void test_line_over_1024_bytes_is_rejected(void **state)
{
    (void)state;
    char *line = malloc(2000);
    assert_non_null(line);
    memset(line, '1', 2000);
    parse_fails(line, 2000, "line is 2000 bytes, longer than the 1024-byte limit");
    free(line);
}

static void test_letters_in_a_number_name_the_field_and_columns(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    char line[USCRN_LINE_LEN + 1];
    patched(&s, 58, 64, "   12.x", line);
    parse_fails(line, USCRN_LINE_LEN, "AIR_TEMPERATURE (cols 58-64): not a number: \"12.x\"");
    patched(&s, 127, 132, "  4.2a", line);
    parse_fails(line, USCRN_LINE_LEN, "WIND_1_5 (cols 127-132): not a number: \"4.2a\"");
    patched(&s, 35, 40, " 2.62.", line);
    parse_fails(line, USCRN_LINE_LEN, "CRX_VN (cols 35-40): not a number: \"2.62.\"");
    patched(&s, 58, 64, "     3.", line);
    parse_fails(line, USCRN_LINE_LEN, "AIR_TEMPERATURE (cols 58-64): not a number: \"3.\"");
    patched(&s, 58, 64, "     .3", line);
    parse_fails(line, USCRN_LINE_LEN, "AIR_TEMPERATURE (cols 58-64): not a number: \".3\"");
    patched(&s, 58, 64, "      -", line);
    parse_fails(line, USCRN_LINE_LEN, "AIR_TEMPERATURE (cols 58-64): not a number: \"-\"");
    free(s.buf);
}

static void test_decimal_in_an_integer_field_is_rejected(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    char line[USCRN_LINE_LEN + 1];
    patched(&s, 95, 99, " 30.0", line);
    parse_fails(line, USCRN_LINE_LEN, "RELATIVE_HUMIDITY (cols 95-99): not an integer: \"30.0\"");
    patched(&s, 74, 79, "    +0", line);
    parse_fails(line, USCRN_LINE_LEN, "SOLAR_RADIATION (cols 74-79): not an integer: \"+0\"");
    patched(&s, 1, 5, "9407x", line);
    parse_fails(line, USCRN_LINE_LEN, "WBANNO (cols 1-5): expected digits: \"9407x\"");
    free(s.buf);
}

static void test_bad_dates_and_times_are_rejected_by_name(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    char line[USCRN_LINE_LEN + 1];
    patched(&s, 7, 14, "20261301", line);
    parse_fails(line, USCRN_LINE_LEN, "UTC_DATE (cols 7-14): not a date (YYYYMMDD): 20261301");
    patched(&s, 16, 19, "2400", line);
    parse_fails(line, USCRN_LINE_LEN, "UTC_TIME (cols 16-19): not a time (HHMM, 0000-2359): 2400");
    patched(&s, 21, 28, "20250229", line);
    parse_fails(line, USCRN_LINE_LEN, "LST_DATE (cols 21-28): not a date");
    patched(&s, 30, 33, "2360", line);
    parse_fails(line, USCRN_LINE_LEN, "LST_TIME (cols 30-33): not a time");
    free(s.buf);
}

static void test_lst_more_than_14_hours_from_utc_is_rejected(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    char line[USCRN_LINE_LEN + 1];
    /* UTC 20260101 0655, LST 20260101 2355: +17 h */
    patched(&s, 21, 28, "20260101", line);
    parse_fails(line, USCRN_LINE_LEN, "is +1020 min from UTC");
    parse_fails(line, USCRN_LINE_LEN,
                "LST_DATE/LST_TIME (cols 21-33): LST 20260101 2355 is +1020 min from UTC "
                "20260101 0655, outside -12 h..+14 h");
    /* LST 20251231 1855 is -12 h: the limit itself is allowed. */
    patched(&s, 30, 33, "1855", line);
    uscrn_reading_t r;
    parse_ok(line, USCRN_LINE_LEN, &r);
    assert_int_equal(r.lst_offset_min, -720);
    patched(&s, 30, 33, "1850", line);
    parse_fails(line, USCRN_LINE_LEN, "is -725 min from UTC");
    free(s.buf);
}

static void test_bad_sensor_type_and_flags_are_rejected(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    char line[USCRN_LINE_LEN + 1];
    patched(&s, 91, 91, "X", line);
    parse_fails(line, USCRN_LINE_LEN, "ST_TYPE (col 91): not a sensor type (R, C or U): \"X\"");
    patched(&s, 91, 91, "c", line);
    parse_fails(line, USCRN_LINE_LEN, "ST_TYPE (col 91)");
    patched(&s, 81, 81, "a", line);
    parse_fails(line, USCRN_LINE_LEN, "SR_FLAG (col 81): not a flag (one digit 0-9): \"a\"");
    const char *wide = "94075 20260101 0655 20251231 2355 2.623 -105.54 40.04 3.0 0.0 0 0 "
                       "-2.1 C 0 30 0 -99.000 -9999.0 1824 0 4.25 10";
    parse_fails(wide, strlen(wide), "WIND_FLAG (col 134): not a flag (one digit 0-9): \"10\"");
    free(s.buf);
}

static void test_zero_station_number_is_rejected(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    char line[USCRN_LINE_LEN + 1];
    patched(&s, 1, 5, "00000", line);
    parse_fails(line, USCRN_LINE_LEN, "WBANNO (cols 1-5): not a station number");
    free(s.buf);
}

static void test_error_quotes_non_printables_and_at_most_32_bytes(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    char line[USCRN_LINE_LEN + 1];
    patched(&s, 58, 64, "  1\x01\"\\9", line);
    parse_fails(line, USCRN_LINE_LEN, "not a number: \"1\\x01\\\"\\\\9\"");
    /* A 40-character token in AIR_TEMPERATURE's place is quoted with its first 32 bytes. */
    char longline[300];
    int n = snprintf(longline, sizeof longline,
                     "94075 20260101 0655 20251231 2355 2.623 -105.54 40.04 "
                     "1234567890123456789012345678901234567890 0.0 0 0 "
                     "-2.1 C 0 30 0 -99.000 -9999.0 1824 0 4.25 0");
    parse_fails(longline, (size_t)n,
                "AIR_TEMPERATURE (cols 58-64): not a number: "
                "\"12345678901234567890123456789012\"...");
    free(s.buf);
}

static void test_too_many_digits_is_not_a_number(void **state)
{
    (void)state;
    const char *l = "94075 20260101 0655 20251231 2355 2.623 -105.54 40.04 "
                    "1.0000000000000001 0.0 0 0 -2.1 C 0 30 0 -99.000 -9999.0 1824 0 4.25 0";
    parse_fails(l, strlen(l), "AIR_TEMPERATURE (cols 58-64): not a number");
    const char *big = "94075 20260101 0655 20251231 2355 2.623 -105.54 40.04 "
                      "3.0 0.0 1234567890 0 -2.1 C 0 30 0 -99.000 -9999.0 1824 0 4.25 0";
    parse_fails(big, strlen(big), "SOLAR_RADIATION (cols 74-79): not an integer");
}

static void test_small_error_buffer_is_truncated_not_overrun(void **state)
{
    (void)state;
    uscrn_reading_t r;
    char err[9];
    memset(err, 'x', sizeof err);
    assert_int_equal(uscrn_parse_line("hello world", 11, &r, err, 8), -1);
    assert_int_equal(strlen(err), 7);
    assert_int_equal(err[8], 'x');
}

static void test_failed_parse_leaves_the_output_untouched(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    uscrn_reading_t r;
    memset(&r, 0x5a, sizeof r);
    uscrn_reading_t copy = r;
    char line[USCRN_LINE_LEN + 1], err[128];
    patched(&s, 16, 19, "2400", line);
    assert_int_equal(uscrn_parse_line(line, USCRN_LINE_LEN, &r, err, sizeof err), -1);
    assert_memory_equal(&r, &copy, sizeof r);
    free(s.buf);
}

/* Every prefix and every single-byte corruption of a real line: -1 with a reason, or 0. */
static void test_mutated_lines_never_crash_and_always_explain(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    static const char repl[] = {' ', '0', '9', '-', '.', 'x', '\0', '\r', '\t', (char)0xff};
    for (size_t n = 0; n <= USCRN_LINE_LEN; n++) {
        uscrn_reading_t r;
        char err[256] = "";
        if (parse(s.line[0], n, &r, err, sizeof err) != 0)
            assert_true(err[0] != '\0');
    }
    for (size_t i = 0; i < USCRN_LINE_LEN; i++)
        for (size_t k = 0; k < sizeof repl; k++) {
            char line[USCRN_LINE_LEN];
            memcpy(line, s.line[0], USCRN_LINE_LEN);
            line[i] = repl[k];
            uscrn_reading_t r;
            char err[256] = "";
            if (parse(line, USCRN_LINE_LEN, &r, err, sizeof err) != 0)
                assert_true(err[0] != '\0');
        }
    free(s.buf);
}

/* Every member, doubles bit for bit (NaN and -0.0 included). */
static void assert_same_reading(const uscrn_reading_t *a, const uscrn_reading_t *b)
{
    const int32_t ia[] = {a->wbanno, a->utc_date, a->utc_time, a->lst_date, a->lst_time,
                          a->solar_radiation, a->sr_flag, a->st_type, a->st_flag,
                          a->relative_humidity, a->rh_flag, a->wetness, a->wet_flag,
                          a->wind_flag, (int32_t)a->missing, a->lst_offset_min};
    const int32_t ib[] = {b->wbanno, b->utc_date, b->utc_time, b->lst_date, b->lst_time,
                          b->solar_radiation, b->sr_flag, b->st_type, b->st_flag,
                          b->relative_humidity, b->rh_flag, b->wetness, b->wet_flag,
                          b->wind_flag, (int32_t)b->missing, b->lst_offset_min};
    assert_memory_equal(ia, ib, sizeof ia);
    const double da[] = {a->crx_vn, a->longitude, a->latitude, a->air_temperature,
                         a->precipitation, a->surface_temperature, a->soil_moisture_5,
                         a->soil_temperature_5, a->wind_1_5};
    const double db[] = {b->crx_vn, b->longitude, b->latitude, b->air_temperature,
                         b->precipitation, b->surface_temperature, b->soil_moisture_5,
                         b->soil_temperature_5, b->wind_1_5};
    assert_memory_equal(da, db, sizeof da);
    assert_true(a->utc == b->utc);
}

/* The line cache only saves work: a stream of sample lines, each with one byte changed (so most
 * fields repeat the line before and one does not, or breaks the layout), reads the same through
 * one cache as without it: the same verdicts, errors, values. */
static void test_line_cache_gives_the_results_of_the_plain_reader(void **state)
{
    (void)state;
    sample_t s;
    load_sample(&s);
    static const char repl[] = {' ', '0', '1', '5', '9', '-', '.', 'x', 'C', '\0', '\r'};
    uscrn_line_cache_t cache;
    memset(&cache, 0, sizeof cache);
    uint64_t x = 0x2545F4914F6CDD1Dull;
    int accepted = 0, rejected = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        char line[USCRN_LINE_LEN];
        memcpy(line, s.line[(x >> 32) % (uint64_t)s.n], USCRN_LINE_LEN);
        if (x % 4 != 0) /* one in four lines unchanged */
            line[(x >> 8) % USCRN_LINE_LEN] = repl[(x >> 20) % sizeof repl];
        uscrn_reading_t plain, cached;
        char e1[256] = "", e2[256] = "";
        const int r1 = uscrn_parse_line(line, USCRN_LINE_LEN, &plain, e1, sizeof e1);
        const int r2 = uscrn_parse_line_cached(&cache, line, USCRN_LINE_LEN, &cached, e2, sizeof e2);
        assert_int_equal(r1, r2);
        assert_string_equal(e1, e2);
        if (r1 == 0) {
            assert_same_reading(&plain, &cached);
            accepted++;
        } else {
            rejected++;
        }
    }
    assert_true(accepted > 50000 && rejected > 10000); /* both roads were taken */
    free(s.buf);
}

static void test_field_names_follow_noaa_header(void **state)
{
    (void)state;
    assert_string_equal(uscrn_field_name(USCRN_WBANNO), "WBANNO");
    assert_string_equal(uscrn_field_name(USCRN_AIR_TEMPERATURE), "AIR_TEMPERATURE");
    assert_string_equal(uscrn_field_name(USCRN_SOIL_MOISTURE_5), "SOIL_MOISTURE_5");
    assert_string_equal(uscrn_field_name(USCRN_WIND_FLAG), "WIND_FLAG");
    assert_string_equal(uscrn_field_name(USCRN_FIELD_COUNT), "?");
    assert_int_equal(USCRN_FIELD_COUNT, 23);
}

static void test_finish_derives_time_offset_and_missing_bits(void **state)
{
    (void)state;
    uscrn_reading_t r;
    memset(&r, 0, sizeof r);
    r.wbanno = 23907;
    r.utc_date = 20260101;
    r.utc_time = 5;
    r.lst_date = 20251231;
    r.lst_time = 1805;
    r.longitude = -98.08;
    r.latitude = 30.62;
    r.st_type = 'C';
    uscrn_set_all_missing(&r);
    r.air_temperature = 12.5;
    char err[128] = "";
    assert_int_equal(uscrn_finish(&r, err, sizeof err), 0);
    assert_int_equal(r.utc, T_2026 + 300);
    assert_int_equal(r.lst_offset_min, -360);
    assert_false(uscrn_is_missing(&r, USCRN_AIR_TEMPERATURE));
    assert_true(uscrn_is_missing(&r, USCRN_WIND_1_5));
    /* Without a line there are no columns in the reason. */
    r.utc_time = 2400;
    assert_int_equal(uscrn_finish(&r, err, sizeof err), -1);
    assert_string_equal(err, "UTC_TIME: not a time (HHMM, 0000-2359): 2400");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_has_sixteen_lines_of_134_characters),
        cmocka_unit_test(test_every_field_of_an_ordinary_reading),
        cmocka_unit_test(test_first_line_values_and_its_lst_on_the_previous_day),
        cmocka_unit_test(test_lst_0000_row_is_midnight_of_its_date),
        cmocka_unit_test(test_every_sample_line_has_boulder_offset_minus_420),
        cmocka_unit_test(test_all_missing_row_keeps_sentinels_and_sets_missing_bits),
        cmocka_unit_test(test_flag_3_row_has_air_missing_and_keeps_flagged_values),
        cmocka_unit_test(test_flag_3_row_with_impossible_values_keeps_them),
        cmocka_unit_test(test_format_reproduces_every_sample_line_byte_for_byte),
        cmocka_unit_test(test_format_matches_the_printf_format_of_the_spec),
        cmocka_unit_test(test_negative_zero_survives_the_round_trip),
        cmocka_unit_test(test_format_refuses_values_wider_than_their_column),
        cmocka_unit_test(test_set_all_missing_writes_the_gap_row_noaa_writes),
        cmocka_unit_test(test_trailing_cr_and_spaces_are_tolerated),
        cmocka_unit_test(test_fields_separated_by_single_spaces_parse_the_same),
        cmocka_unit_test(test_garbage_is_rejected_by_field_count),
        cmocka_unit_test(test_empty_and_blank_lines_are_rejected),
        cmocka_unit_test(test_truncated_line_is_rejected_by_field_count),
        cmocka_unit_test(test_22_and_24_fields_are_rejected),
        cmocka_unit_test(test_nul_bytes_are_rejected),
        cmocka_unit_test(test_line_over_1024_bytes_is_rejected),
        cmocka_unit_test(test_letters_in_a_number_name_the_field_and_columns),
        cmocka_unit_test(test_decimal_in_an_integer_field_is_rejected),
        cmocka_unit_test(test_bad_dates_and_times_are_rejected_by_name),
        cmocka_unit_test(test_lst_more_than_14_hours_from_utc_is_rejected),
        cmocka_unit_test(test_bad_sensor_type_and_flags_are_rejected),
        cmocka_unit_test(test_zero_station_number_is_rejected),
        cmocka_unit_test(test_error_quotes_non_printables_and_at_most_32_bytes),
        cmocka_unit_test(test_too_many_digits_is_not_a_number),
        cmocka_unit_test(test_small_error_buffer_is_truncated_not_overrun),
        cmocka_unit_test(test_failed_parse_leaves_the_output_untouched),
        cmocka_unit_test(test_mutated_lines_never_crash_and_always_explain),
        cmocka_unit_test(test_line_cache_gives_the_results_of_the_plain_reader),
        cmocka_unit_test(test_field_names_follow_noaa_header),
        cmocka_unit_test(test_finish_derives_time_offset_and_missing_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
