/* Tests for json_record: the seed's JSON reading in both numeric forms, strict JSON scanning,
 * errors that name the key or byte, and the writer's round trip over the real Boulder sample. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_record.h"
#include "testutil.h"

#define T_2026 ((wx_time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define BIT(f) (1u << (f))

/* As the seed's pandas producer wrote it (values made up by hand for the test). */
static const char AUSTIN[] =
    "{\"WBANNO\": 23907, \"UTC_DATE\": 20260101, \"UTC_TIME\": 5, \"LST_DATE\": 20251231, "
    "\"LST_TIME\": 1805, \"CRX_VN\": 2.623, \"LONGITUDE\": -98.08, \"LATITUDE\": 30.62, "
    "\"AIR_TEMPERATURE\": -9999.0, \"PRECIPITATION\": 0.0, \"SOLAR_RADIATION\": 0, "
    "\"SR_FLAG\": 0, \"SURFACE_TEMPERATURE\": 9.4, \"ST_TYPE\": \"C\", \"ST_FLAG\": 0, "
    "\"RELATIVE_HUMIDITY\": 62, \"RH_FLAG\": 0, \"SOIL_MOISTURE_5\": 0.211, "
    "\"SOIL_TEMPERATURE_5\": 12.3, \"WETNESS\": 972, \"WET_FLAG\": 0, \"WIND_1_5\": 2.93, "
    "\"WIND_FLAG\": 0, \"source_file\": \"CRNS0101-05-2026-TX_Austin_33_NW.txt\"}";

/* The same kind of record with every value as a string, as a text-based producer writes it. */
static const char BRONTE_STRINGS[] =
    "{\"WBANNO\": \"03072\", \"UTC_DATE\": \"20260101\", \"UTC_TIME\": \"0005\", "
    "\"LST_DATE\": \"20251231\", \"LST_TIME\": \"1805\", \"CRX_VN\": \"2.623\", "
    "\"LONGITUDE\": \"-100.24\", \"LATITUDE\": \"32.04\", \"AIR_TEMPERATURE\": \"11.7\", "
    "\"PRECIPITATION\": \"0.0\", \"SOLAR_RADIATION\": \"0\", \"SR_FLAG\": \"0\", "
    "\"SURFACE_TEMPERATURE\": \"10.9\", \"ST_TYPE\": \"C\", \"ST_FLAG\": \"0\", "
    "\"RELATIVE_HUMIDITY\": \"55\", \"RH_FLAG\": \"0\", \"SOIL_MOISTURE_5\": \"-99.000\", "
    "\"SOIL_TEMPERATURE_5\": \"-9999.0\", \"WETNESS\": \"-9999\", \"WET_FLAG\": \"0\", "
    "\"WIND_1_5\": \"1.25\", \"WIND_FLAG\": \"0\"}";

#define MINIMAL_HEAD "{\"WBANNO\": 23907, \"UTC_DATE\": 20260101, \"UTC_TIME\": 5, " \
                     "\"LST_DATE\": 20251231, \"LST_TIME\": 1805"
#define MINIMAL MINIMAL_HEAD ", \"AIR_TEMPERATURE\": 12.5}"

/* Parses a malloc'd copy of exactly len bytes (not NUL-terminated), so ASan sees over-reads. */
static int parse_n(const char *json, size_t len, uscrn_reading_t *r, char *src, size_t srcsz,
                   char *err, size_t errsz)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, json, len);
    int rc = json_record_parse(copy, len, r, src, srcsz, err, errsz);
    free(copy);
    return rc;
}

static void parse_ok(const char *json, uscrn_reading_t *r)
{
    char err[256] = "";
    if (parse_n(json, strlen(json), r, NULL, 0, err, sizeof err) != 0)
        fail_msg("parse failed: %s\n%s", err, json);
}

static void parse_fails(const char *json, const char *want)
{
    uscrn_reading_t r;
    char err[256] = "";
    int rc = parse_n(json, strlen(json), &r, NULL, 0, err, sizeof err);
    if (rc != -1)
        fail_msg("parse succeeded, expected \"%s\"\n%s", want, json);
    assert_true(err[0] != '\0');
    if (!strstr(err, want))
        fail_msg("reason \"%s\" does not contain \"%s\"", err, want);
}

/* MINIMAL with one extra member inserted before the closing brace. */
static void with_member(const char *member, char *out, size_t size)
{
    snprintf(out, size, "%s, \"AIR_TEMPERATURE\": 12.5, %s}", MINIMAL_HEAD, member);
}

static void test_pandas_form_record_reads_every_field(void **state)
{
    (void)state;
    uscrn_reading_t r;
    char src[JSON_RECORD_SOURCE_MAX], err[256] = "";
    assert_int_equal(parse_n(AUSTIN, strlen(AUSTIN), &r, src, sizeof src, err, sizeof err), 0);
    assert_int_equal(r.wbanno, 23907);
    assert_int_equal(r.utc_date, 20260101);
    assert_int_equal(r.utc_time, 5);
    assert_int_equal(r.lst_date, 20251231);
    assert_int_equal(r.lst_time, 1805);
    assert_true(r.crx_vn == 2.623);
    assert_true(r.longitude == -98.08);
    assert_true(r.latitude == 30.62);
    assert_true(r.air_temperature == -9999.0);
    assert_true(r.precipitation == 0.0);
    assert_int_equal(r.solar_radiation, 0);
    assert_true(r.surface_temperature == 9.4);
    assert_int_equal(r.st_type, 'C');
    assert_int_equal(r.relative_humidity, 62);
    assert_true(r.soil_moisture_5 == 0.211);
    assert_true(r.soil_temperature_5 == 12.3);
    assert_int_equal(r.wetness, 972);
    assert_true(r.wind_1_5 == 2.93);
    assert_int_equal(r.sr_flag + r.st_flag + r.rh_flag + r.wet_flag + r.wind_flag, 0);
    assert_string_equal(src, "CRNS0101-05-2026-TX_Austin_33_NW.txt");
    /* Derived by uscrn_finish: UTC 0005 is 5 minutes into 2026; CST is UTC-6. */
    assert_int_equal(r.utc, T_2026 + 300);
    assert_int_equal(r.lst_offset_min, -360);
    assert_int_equal(r.missing, BIT(USCRN_AIR_TEMPERATURE));
}

static void test_string_form_record_reads_the_same_values(void **state)
{
    (void)state;
    uscrn_reading_t r;
    parse_ok(BRONTE_STRINGS, &r);
    assert_int_equal(r.wbanno, 3072);
    assert_int_equal(r.utc_time, 5);
    assert_int_equal(r.lst_time, 1805);
    assert_true(r.longitude == -100.24);
    assert_true(r.air_temperature == 11.7);
    assert_true(r.wind_1_5 == 1.25);
    assert_int_equal(r.lst_offset_min, -360);
    assert_int_equal(r.missing, BIT(USCRN_SOIL_MOISTURE_5) | BIT(USCRN_SOIL_TEMPERATURE_5) |
                                    BIT(USCRN_WETNESS));
}

static void test_wbanno_as_number_padded_string_or_plain_string(void **state)
{
    (void)state;
    const char *forms[] = {"3072", "\"03072\"", "\"3072\"", "3072.0", "3.072e3"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char json[512];
        snprintf(json, sizeof json,
                 "{\"WBANNO\": %s, \"UTC_DATE\": 20260101, \"UTC_TIME\": 5, \"LST_DATE\": "
                 "20251231, \"LST_TIME\": 1805, \"AIR_TEMPERATURE\": 1.0}",
                 forms[i]);
        uscrn_reading_t r;
        parse_ok(json, &r);
        assert_int_equal(r.wbanno, 3072);
    }
}

static void test_integral_float_for_an_integer_field_is_accepted(void **state)
{
    (void)state;
    char json[512];
    uscrn_reading_t r;
    with_member("\"SOLAR_RADIATION\": 12.0, \"RH_FLAG\": 3.0, \"WETNESS\": 50e-1", json,
                sizeof json);
    parse_ok(json, &r);
    assert_int_equal(r.solar_radiation, 12);
    assert_int_equal(r.rh_flag, 3);
    assert_int_equal(r.wetness, 5);
}

static void test_non_integral_value_for_an_integer_field_is_an_error(void **state)
{
    (void)state;
    parse_fails("{\"WBANNO\": 23907, \"UTC_DATE\": 20260101, \"UTC_TIME\": 5.5}",
                "UTC_TIME: expected an integer, got 5.5");
    parse_fails("{\"WBANNO\": 23907, \"UTC_DATE\": 20260101, \"UTC_TIME\": \"0005.5\"}",
                "UTC_TIME: expected an integer, got \"0005.5\"");
    char json[512];
    with_member("\"SOLAR_RADIATION\": 1e-300", json, sizeof json);
    parse_fails(json, "SOLAR_RADIATION: expected an integer, got 1e-300");
    with_member("\"SOLAR_RADIATION\": 3000000000", json, sizeof json);
    parse_fails(json, "SOLAR_RADIATION: expected an integer that fits 32 bits, got 3000000000");
}

static void test_only_required_keys_leave_the_rest_missing(void **state)
{
    (void)state;
    uscrn_reading_t r;
    parse_ok(MINIMAL, &r);
    assert_true(r.air_temperature == 12.5);
    assert_true(r.crx_vn == USCRN_MISSING_CRX);
    assert_true(r.precipitation == USCRN_MISSING_TEMP);
    assert_int_equal(r.solar_radiation, USCRN_MISSING_SOLAR);
    assert_int_equal(r.st_type, 'U');
    assert_int_equal(r.relative_humidity, USCRN_MISSING_RH);
    assert_true(r.wind_1_5 == USCRN_MISSING_WIND);
    assert_int_equal(r.sr_flag + r.st_flag + r.rh_flag + r.wet_flag + r.wind_flag, 0);
    /* Coordinates have no sentinel: NaN, and their missing bits are set. */
    assert_true(isnan(r.longitude));
    assert_true(isnan(r.latitude));
    assert_true(uscrn_is_missing(&r, USCRN_LONGITUDE));
    assert_true(uscrn_is_missing(&r, USCRN_LATITUDE));
    assert_false(uscrn_is_missing(&r, USCRN_AIR_TEMPERATURE));
    assert_true(uscrn_is_missing(&r, USCRN_CRX_VN));
    assert_true(uscrn_is_missing(&r, USCRN_WIND_1_5));
}

static void test_null_for_an_optional_field_means_missing(void **state)
{
    (void)state;
    char json[512];
    uscrn_reading_t r;
    with_member("\"WIND_1_5\": null, \"ST_TYPE\": null, \"SR_FLAG\": null, \"source_file\": null",
                json, sizeof json);
    parse_ok(json, &r);
    assert_true(r.wind_1_5 == USCRN_MISSING_WIND);
    assert_true(uscrn_is_missing(&r, USCRN_WIND_1_5));
    assert_int_equal(r.st_type, 'U');
    assert_int_equal(r.sr_flag, 0);
}

static void test_null_air_temperature_is_a_missing_reading(void **state)
{
    (void)state;
    uscrn_reading_t r;
    parse_ok(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": null}", &r);
    assert_true(r.air_temperature == USCRN_MISSING_TEMP);
    assert_true(uscrn_is_missing(&r, USCRN_AIR_TEMPERATURE));
}

static void test_null_time_stamp_is_an_error(void **state)
{
    (void)state;
    parse_fails("{\"WBANNO\": 23907, \"UTC_TIME\": null}", "UTC_TIME: required, got null");
}

static void test_missing_required_key_is_named(void **state)
{
    (void)state;
    parse_fails("{\"WBANNO\": 23907, \"UTC_DATE\": 20260101, \"UTC_TIME\": 5, "
                "\"LST_TIME\": 1805, \"AIR_TEMPERATURE\": 1.0}",
                "missing required key LST_DATE");
    parse_fails(MINIMAL_HEAD "}", "missing required key AIR_TEMPERATURE");
    parse_fails("{}", "missing required key WBANNO");
}

static void test_wrong_value_kinds_are_named_by_key(void **state)
{
    (void)state;
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": true}",
                "AIR_TEMPERATURE: expected a number, got true");
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": [1]}",
                "AIR_TEMPERATURE: expected a number, got an array");
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": \"warm\"}",
                "AIR_TEMPERATURE: expected a number, got \"warm\"");
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": \"\"}",
                "AIR_TEMPERATURE: expected a number, got \"\"");
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": \" 1.0\"}",
                "AIR_TEMPERATURE: expected a number, got \" 1.0\"");
    char json[512];
    with_member("\"ST_TYPE\": 5", json, sizeof json);
    parse_fails(json, "ST_TYPE: expected a string, got a number");
    with_member("\"ST_TYPE\": \"X\"", json, sizeof json);
    parse_fails(json, "ST_TYPE: expected a sensor type (\"R\", \"C\" or \"U\"), got \"X\"");
    with_member("\"ST_TYPE\": \"CC\"", json, sizeof json);
    parse_fails(json, "ST_TYPE: expected a sensor type");
    with_member("\"source_file\": 5", json, sizeof json);
    parse_fails(json, "source_file: expected a string, got a number");
    with_member("\"WIND_FLAG\": 10", json, sizeof json);
    parse_fails(json, "WIND_FLAG: expected a flag (0-9), got 10");
    with_member("\"WIND_FLAG\": -1", json, sizeof json);
    parse_fails(json, "WIND_FLAG: expected a flag (0-9), got -1");
    with_member("\"LATITUDE\": 1e400", json, sizeof json);
    parse_fails(json, "LATITUDE: expected a finite number, got 1e400");
}

static void test_duplicate_key_is_an_error(void **state)
{
    (void)state;
    parse_fails("{\"WBANNO\": 23907, \"UTC_TIME\": 5, \"UTC_TIME\": 10}",
                "UTC_TIME: duplicate key");
    char json[512];
    with_member("\"source_file\": \"a\", \"source_file\": \"b\"", json, sizeof json);
    parse_fails(json, "source_file: duplicate key");
}

static void test_trailing_garbage_is_an_error_but_whitespace_is_not(void **state)
{
    (void)state;
    parse_fails(MINIMAL "x", "byte 119: trailing bytes after the object");
    parse_fails(MINIMAL "{}", "trailing bytes after the object");
    uscrn_reading_t r;
    parse_ok(" \t\r\n" MINIMAL " \n", &r);
}

static void test_truncated_records_fail_at_every_length(void **state)
{
    (void)state;
    const size_t n = strlen(AUSTIN);
    for (size_t k = 0; k < n; k++) {
        uscrn_reading_t r;
        char err[256] = "";
        assert_int_equal(parse_n(AUSTIN, k, &r, NULL, 0, err, sizeof err), -1);
        assert_true(err[0] != '\0');
    }
    parse_fails("{\"WBANNO\": 23907, \"source_file\": \"abc", "byte 33: unterminated string");
    parse_fails("", "byte 0: expected '{', got end of input");
    parse_fails("{\"WBANNO\"", "expected ':' after a key");
    parse_fails("{\"WBANNO\": ", "expected a value, got end of input");
}

static void test_not_an_object_is_an_error(void **state)
{
    (void)state;
    parse_fails("[1, 2]", "byte 0: expected '{'");
    parse_fails("null", "byte 0: expected '{'");
    parse_fails("{\"WBANNO\" 23907}", "byte 10: expected ':' after a key");
    parse_fails("{WBANNO: 23907}", "byte 1: expected a key string");
    parse_fails("{\"WBANNO\": 23907,}", "byte 17: expected a key string");
    parse_fails("{\"WBANNO\": 23907 \"UTC_TIME\": 5}", "byte 17: expected ',' or '}'");
}

static void test_json_number_grammar_is_enforced(void **state)
{
    (void)state;
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": 05}", "invalid number");
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": 1.}", "invalid number");
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": .5}", "expected a value");
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": -}", "invalid number");
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": 1e}", "invalid number");
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": +1}", "expected a value");
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": NaN}", "expected a value");
    parse_fails(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": 1.5.2}", "invalid number");
    uscrn_reading_t r;
    parse_ok(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": -0.5E+1}", &r);
    assert_true(r.air_temperature == -5.0);
    parse_ok(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": 0}", &r);
    assert_true(r.air_temperature == 0.0);
    parse_ok(MINIMAL_HEAD ", \"AIR_TEMPERATURE\": 23.45678901234567890123}", &r);
    /* Over 15 significant digits the conversion is within an ulp, not necessarily exact. */
    assert_true(fabs(r.air_temperature - 23.45678901234567890123) <= 4e-15);
}

static void test_decimals_convert_exactly_like_the_line_reader(void **state)
{
    (void)state;
    /* Every value of the form -99.99..99.99 in hundredths equals the C literal. */
    for (int i = -9999; i <= 9999; i += 7) {
        char json[512], num[32];
        snprintf(num, sizeof num, "%s%d.%02d", i < 0 ? "-" : "", abs(i) / 100, abs(i) % 100);
        snprintf(json, sizeof json, "%s, \"AIR_TEMPERATURE\": %s}", MINIMAL_HEAD, num);
        uscrn_reading_t r;
        parse_ok(json, &r);
        assert_true(r.air_temperature == i / 100.0);
    }
}

static void test_unknown_keys_are_ignored_but_must_be_valid_json(void **state)
{
    (void)state;
    char json[1024];
    uscrn_reading_t r;
    with_member("\"extra\": {\"a\": [1, -2.5e3, true, false, null, {\"b\": \"c\"}], \"d\": {}},"
                " \"more\": [], \"Wbanno\": 1",
                json, sizeof json);
    parse_ok(json, &r);
    assert_int_equal(r.wbanno, 23907);
    with_member("\"extra\": [1, 2", json, sizeof json);
    parse_fails(json, "expected ',' or ']'");
    with_member("\"extra\": {\"a\" 1}", json, sizeof json);
    parse_fails(json, "expected ':'");
    with_member("\"extra\": tru", json, sizeof json);
    parse_fails(json, "invalid literal");
    with_member("\"extra\": nulls", json, sizeof json);
    parse_fails(json, "expected ',' or '}'");
}

static void test_nesting_deeper_than_32_is_an_error(void **state)
{
    (void)state;
    char json[4096];
    char deep[2100];
    for (int depth = 1; depth <= 1000; depth = depth < 40 ? depth + 1 : depth * 10) {
        size_t n = 0;
        n += (size_t)snprintf(deep + n, sizeof deep - n, "\"x\": ");
        for (int i = 0; i < depth; i++)
            deep[n++] = '[';
        for (int i = 0; i < depth; i++)
            deep[n++] = ']';
        deep[n] = '\0';
        with_member(deep, json, sizeof json);
        uscrn_reading_t r;
        char err[256] = "";
        int rc = parse_n(json, strlen(json), &r, NULL, 0, err, sizeof err);
        if (depth <= 31) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err, "nesting deeper than 32"));
        }
    }
    /* Unbalanced: a megabyte of '[' fails cleanly, without deep recursion. */
    const size_t big = 1 << 20;
    char *b = malloc(big + 64);
    assert_non_null(b);
    memcpy(b, "{\"x\": ", 6);
    memset(b + 6, '[', big);
    uscrn_reading_t r;
    char err[256];
    assert_int_equal(parse_n(b, big + 6, &r, NULL, 0, err, sizeof err), -1);
    free(b);
}

static void test_string_escapes_are_decoded(void **state)
{
    (void)state;
    uscrn_reading_t r;
    char src[JSON_RECORD_SOURCE_MAX], err[256] = "";
    const char *json = "{\"\\u0057BANNO\": 23907, \"UTC_DATE\": 20260101, \"UTC_TIME\": 5, "
                       "\"LST_DATE\": 20251231, \"LST_TIME\": 1805, \"AIR_TEMPERATURE\": 1.0, "
                       "\"source_file\": \"a\\\"b\\\\c\\/d\\n\\u00e9\\u20ac\\ud83d\\ude00\"}";
    assert_int_equal(parse_n(json, strlen(json), &r, src, sizeof src, err, sizeof err), 0);
    assert_int_equal(r.wbanno, 23907); /* the key "\u0057BANNO" is "WBANNO" */
    assert_string_equal(src, "a\"b\\c/d\n\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

static void test_invalid_escapes_are_errors(void **state)
{
    (void)state;
    char json[512];
    with_member("\"x\": \"\\x41\"", json, sizeof json);
    parse_fails(json, "invalid escape in string");
    with_member("\"x\": \"\\u12G4\"", json, sizeof json);
    parse_fails(json, "invalid \\u escape");
    with_member("\"x\": \"\\u12\"", json, sizeof json);
    parse_fails(json, "invalid \\u escape");
    with_member("\"x\": \"\\ud800\"", json, sizeof json);
    parse_fails(json, "unpaired surrogate");
    with_member("\"x\": \"\\ud800\\u0041\"", json, sizeof json);
    parse_fails(json, "unpaired surrogate");
    with_member("\"x\": \"\\udc00\"", json, sizeof json);
    parse_fails(json, "unpaired surrogate");
    with_member("\"x\": \"a\tb\"", json, sizeof json);
    parse_fails(json, "control character in string");
}

static void test_invalid_utf8_in_a_string_is_rejected(void **state)
{
    (void)state;
    char json[512];
    with_member("\"x\": \"\xff\"", json, sizeof json);
    parse_fails(json, "invalid UTF-8 in string");
    with_member("\"x\": \"\xc3\"", json, sizeof json);
    parse_fails(json, "invalid UTF-8 in string");
    with_member("\"x\": \"\xed\xa0\x80\"", json, sizeof json);
    parse_fails(json, "invalid UTF-8 in string");
    uscrn_reading_t r;
    with_member("\"x\": \"caf\xc3\xa9\"", json, sizeof json);
    parse_ok(json, &r);
}

static void test_huge_strings_are_scanned_and_source_file_is_truncated(void **state)
{
    (void)state;
    const size_t big = 1 << 20;
    char *json = malloc(big + 2048);
    assert_non_null(json);
    size_t n = (size_t)snprintf(json, 512, "%s, \"AIR_TEMPERATURE\": 1.0, \"x\": \"", MINIMAL_HEAD);
    memset(json + n, 'a', big);
    n += big;
    n += (size_t)snprintf(json + n, 512, "\", \"source_file\": \"");
    memset(json + n, 'f', 1000);
    n += 1000;
    memcpy(json + n, "\"}", 2);
    n += 2;
    uscrn_reading_t r;
    char src[16], err[256] = "";
    assert_int_equal(parse_n(json, n, &r, src, sizeof src, err, sizeof err), 0);
    assert_string_equal(src, "fffffffffffffff"); /* 15 bytes and the NUL */
    free(json);
}

static void test_absent_source_file_gives_an_empty_string(void **state)
{
    (void)state;
    uscrn_reading_t r;
    char src[32], err[256];
    memset(src, 'x', sizeof src);
    assert_int_equal(parse_n(MINIMAL, strlen(MINIMAL), &r, src, sizeof src, err, sizeof err), 0);
    assert_string_equal(src, "");
}

static void test_impossible_stamps_fail_in_finish(void **state)
{
    (void)state;
    parse_fails("{\"WBANNO\": 23907, \"UTC_DATE\": 20261301, \"UTC_TIME\": 5, \"LST_DATE\": "
                "20251231, \"LST_TIME\": 1805, \"AIR_TEMPERATURE\": 1.0}",
                "UTC_DATE: not a date (YYYYMMDD): 20261301");
    parse_fails("{\"WBANNO\": 23907, \"UTC_DATE\": 20260101, \"UTC_TIME\": \"2400\", \"LST_DATE\": "
                "20251231, \"LST_TIME\": 1805, \"AIR_TEMPERATURE\": 1.0}",
                "UTC_TIME: not a time (HHMM, 0000-2359): 2400");
    parse_fails("{\"WBANNO\": 23907, \"UTC_DATE\": 20260101, \"UTC_TIME\": 5, \"LST_DATE\": "
                "20260102, \"LST_TIME\": 1805, \"AIR_TEMPERATURE\": 1.0}",
                "outside -12 h..+14 h");
}

static void test_writer_uses_the_seed_form(void **state)
{
    (void)state;
    uscrn_reading_t r;
    parse_ok(AUSTIN, &r);
    wxbuf_t b = WXBUF_INIT;
    json_record_write(&r, "CRNS0101-05-2026-TX_Austin_33_NW.txt", &b);
    assert_false(b.failed);
    assert_string_equal(b.data, AUSTIN);
    wxbuf_reset(&b);
    json_record_write(&r, NULL, &b);
    assert_null(strstr(b.data, "source_file"));
    assert_int_equal(b.data[b.len - 1], '}');
    wxbuf_free(&b);
}

static void test_writer_keys_are_the_uscrn_field_names_in_file_order(void **state)
{
    (void)state;
    uscrn_reading_t r;
    parse_ok(AUSTIN, &r);
    wxbuf_t b = WXBUF_INIT;
    json_record_write(&r, NULL, &b);
    const char *p = b.data;
    for (int f = 0; f < USCRN_FIELD_COUNT; f++) {
        char key[64];
        snprintf(key, sizeof key, "\"%s\": ", uscrn_field_name((uscrn_field_t)f));
        const char *at = strstr(p, key);
        assert_non_null(at);
        p = at + strlen(key);
    }
    wxbuf_free(&b);
}

static void test_writer_prints_the_boulder_line_as_pandas_did(void **state)
{
    (void)state;
    size_t size;
    char *text = test_read_data("uscrn-subhourly-boulder-2026.txt", &size);
    uscrn_reading_t r;
    char err[256];
    assert_int_equal(uscrn_parse_line(text, USCRN_LINE_LEN, &r, err, sizeof err), 0);
    wxbuf_t b = WXBUF_INIT;
    json_record_write(&r, "CRNS0101-05-2026-CO_Boulder_14_W.txt", &b);
    assert_string_equal(
        b.data,
        "{\"WBANNO\": 94075, \"UTC_DATE\": 20260101, \"UTC_TIME\": 655, \"LST_DATE\": 20251231, "
        "\"LST_TIME\": 2355, \"CRX_VN\": 2.623, \"LONGITUDE\": -105.54, \"LATITUDE\": 40.04, "
        "\"AIR_TEMPERATURE\": 3.0, \"PRECIPITATION\": 0.0, \"SOLAR_RADIATION\": 0, "
        "\"SR_FLAG\": 0, \"SURFACE_TEMPERATURE\": -2.1, \"ST_TYPE\": \"C\", \"ST_FLAG\": 0, "
        "\"RELATIVE_HUMIDITY\": 30, \"RH_FLAG\": 0, \"SOIL_MOISTURE_5\": -99.0, "
        "\"SOIL_TEMPERATURE_5\": -9999.0, \"WETNESS\": 1824, \"WET_FLAG\": 0, "
        "\"WIND_1_5\": 4.25, \"WIND_FLAG\": 0, "
        "\"source_file\": \"CRNS0101-05-2026-CO_Boulder_14_W.txt\"}");
    wxbuf_free(&b);
    free(text);
}

static void test_negative_zero_reading_stays_negative_zero(void **state)
{
    (void)state;
    /* Python's json.dumps writes a float read as "-0.0" as -0.0: so does replay. */
    size_t size;
    char *text = test_read_data("uscrn-subhourly-boulder-2026.txt", &size);
    char line[USCRN_LINE_LEN + 1];
    memcpy(line, text, USCRN_LINE_LEN);
    line[USCRN_LINE_LEN] = '\0';
    memcpy(line + 57, "   -0.0", 7); /* AIR_TEMPERATURE, cols 58-64 */
    uscrn_reading_t r;
    char err[256];
    assert_int_equal(uscrn_parse_line(line, USCRN_LINE_LEN, &r, err, sizeof err), 0);
    wxbuf_t b = WXBUF_INIT;
    json_record_write(&r, NULL, &b);
    assert_non_null(strstr(b.data, "\"AIR_TEMPERATURE\": -0.0, \"PRECIPITATION\": 0.0,"));
    /* ... and read back from JSON and written again, it is still -0.0. */
    uscrn_reading_t back;
    parse_ok(b.data, &back);
    wxbuf_t b2 = WXBUF_INIT;
    json_record_write(&back, NULL, &b2);
    assert_string_equal(b2.data, b.data);
    wxbuf_free(&b2);
    wxbuf_free(&b);
    free(text);
}

static void test_every_sample_line_round_trips_through_json(void **state)
{
    (void)state;
    size_t size;
    char *text = test_read_data("uscrn-subhourly-boulder-2026.txt", &size);
    wxbuf_t b = WXBUF_INIT;
    int lines = 0;
    for (char *p = text; p < text + size; p += USCRN_LINE_LEN + 1, lines++) {
        uscrn_reading_t a, back;
        char err[256] = "", src[JSON_RECORD_SOURCE_MAX];
        assert_int_equal(uscrn_parse_line(p, USCRN_LINE_LEN, &a, err, sizeof err), 0);
        wxbuf_reset(&b);
        json_record_write(&a, "boulder.txt", &b);
        if (parse_n(b.data, b.len, &back, src, sizeof src, err, sizeof err) != 0)
            fail_msg("%s\n%s", err, b.data);
        assert_string_equal(src, "boulder.txt");
        char la[USCRN_LINE_LEN + 1], lb[USCRN_LINE_LEN + 1];
        assert_int_equal(uscrn_format_line(&back, lb, sizeof lb), USCRN_LINE_LEN);
        assert_int_equal(uscrn_format_line(&a, la, sizeof la), USCRN_LINE_LEN);
        assert_string_equal(lb, la);
        assert_memory_equal(lb, p, USCRN_LINE_LEN);
        assert_int_equal(back.missing, a.missing);
        assert_int_equal(back.utc, a.utc);
        assert_int_equal(back.lst_offset_min, a.lst_offset_min);
        assert_true(back.air_temperature == a.air_temperature);
        assert_true(back.crx_vn == a.crx_vn);
        assert_true(back.soil_moisture_5 == a.soil_moisture_5);
    }
    assert_int_equal(lines, 16);
    wxbuf_free(&b);
    free(text);
}

static void test_missing_coordinates_round_trip_as_null(void **state)
{
    (void)state;
    uscrn_reading_t r, back;
    parse_ok(MINIMAL, &r);
    wxbuf_t b = WXBUF_INIT;
    json_record_write(&r, NULL, &b);
    assert_non_null(strstr(b.data, "\"LONGITUDE\": null, \"LATITUDE\": null"));
    char err[256];
    assert_int_equal(parse_n(b.data, b.len, &back, NULL, 0, err, sizeof err), 0);
    assert_true(isnan(back.longitude));
    assert_int_equal(back.missing, r.missing);
    wxbuf_free(&b);
}

/* Random byte flips, insertions and truncations of a real record: never a crash (ASan/UBSan
 * watch this), and every failure has a reason. */
static void test_mutated_records_never_crash_and_always_explain(void **state)
{
    (void)state;
    const size_t n = strlen(AUSTIN);
    static const char alphabet[] = "{}[]\":,\\u0123456789.eE+-tfnl \t\n\x80\xc3\xff\x00";
    char buf[1024];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    int ok = 0;
    for (int round = 0; round < 200000; round++) {
        memcpy(buf, AUSTIN, n);
        size_t len = n;
        const int edits = 1 + (int)(round % 4);
        for (int e = 0; e < edits; e++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            const size_t at = (size_t)(x >> 20) % len;
            const char c = alphabet[(x >> 8) % (sizeof alphabet - 1)];
            switch (x % 4) {
            case 0: buf[at] = c; break;
            case 1: len = at; break;
            case 2:
                if (len < sizeof buf - 1) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = c;
                    len++;
                }
                break;
            default:
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
                break;
            }
            if (len == 0)
                break;
        }
        uscrn_reading_t r;
        char src[8], err[256] = "";
        int rc = parse_n(buf, len, &r, src, sizeof src, err, sizeof err);
        if (rc == 0)
            ok++;
        else
            assert_true(err[0] != '\0');
    }
    assert_true(ok > 0); /* some mutations (e.g. whitespace) stay valid */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pandas_form_record_reads_every_field),
        cmocka_unit_test(test_string_form_record_reads_the_same_values),
        cmocka_unit_test(test_wbanno_as_number_padded_string_or_plain_string),
        cmocka_unit_test(test_integral_float_for_an_integer_field_is_accepted),
        cmocka_unit_test(test_non_integral_value_for_an_integer_field_is_an_error),
        cmocka_unit_test(test_only_required_keys_leave_the_rest_missing),
        cmocka_unit_test(test_null_for_an_optional_field_means_missing),
        cmocka_unit_test(test_null_air_temperature_is_a_missing_reading),
        cmocka_unit_test(test_null_time_stamp_is_an_error),
        cmocka_unit_test(test_missing_required_key_is_named),
        cmocka_unit_test(test_wrong_value_kinds_are_named_by_key),
        cmocka_unit_test(test_duplicate_key_is_an_error),
        cmocka_unit_test(test_trailing_garbage_is_an_error_but_whitespace_is_not),
        cmocka_unit_test(test_truncated_records_fail_at_every_length),
        cmocka_unit_test(test_not_an_object_is_an_error),
        cmocka_unit_test(test_json_number_grammar_is_enforced),
        cmocka_unit_test(test_decimals_convert_exactly_like_the_line_reader),
        cmocka_unit_test(test_unknown_keys_are_ignored_but_must_be_valid_json),
        cmocka_unit_test(test_nesting_deeper_than_32_is_an_error),
        cmocka_unit_test(test_string_escapes_are_decoded),
        cmocka_unit_test(test_invalid_escapes_are_errors),
        cmocka_unit_test(test_invalid_utf8_in_a_string_is_rejected),
        cmocka_unit_test(test_huge_strings_are_scanned_and_source_file_is_truncated),
        cmocka_unit_test(test_absent_source_file_gives_an_empty_string),
        cmocka_unit_test(test_impossible_stamps_fail_in_finish),
        cmocka_unit_test(test_writer_uses_the_seed_form),
        cmocka_unit_test(test_writer_keys_are_the_uscrn_field_names_in_file_order),
        cmocka_unit_test(test_writer_prints_the_boulder_line_as_pandas_did),
        cmocka_unit_test(test_negative_zero_reading_stays_negative_zero),
        cmocka_unit_test(test_every_sample_line_round_trips_through_json),
        cmocka_unit_test(test_missing_coordinates_round_trip_as_null),
        cmocka_unit_test(test_mutated_records_never_crash_and_always_explain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
