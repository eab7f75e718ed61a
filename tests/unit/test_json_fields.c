/* Tests for json_fields.c: named members picked from an object, the whole text checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "json_fields.h"

enum { F_STATION, F_NAME, F_START, F_N };

static int get(const char *text, json_field_t *f, char *name, size_t name_cap, char *err,
               size_t errsz)
{
    static char start[32];
    f[F_STATION] = (json_field_t){.name = "station"};
    f[F_NAME] = (json_field_t){.name = "station_name", .buf = name, .cap = name_cap};
    f[F_START] = (json_field_t){.name = "window_start", .buf = start, .cap = sizeof start};
    return json_fields_get(text, strlen(text), f, F_N, err, errsz);
}

static void test_picks_strings_numbers_and_skips_the_rest(void **state)
{
    (void)state;
    json_field_t f[F_N];
    char name[64], err[128];
    const char *rec = " {\"station\":3072,\"mean_temp\":-1.5e1,\"nested\":{\"a\":[1,{\"b\":null}]},"
                      "\"station_name\":\"TX Bronte \\u00e9 \\\"11\\\"\",\"window_start\":"
                      "\"2024-01-01T00:00:00Z\",\"partial\":false}\n";
    assert_int_equal(get(rec, f, name, sizeof name, err, sizeof err), 0);
    assert_true(f[F_STATION].found);
    assert_int_equal(f[F_STATION].type, JSON_NUMBER);
    assert_true(f[F_STATION].integer);
    int32_t v;
    bool integral;
    assert_true(json_num_to_int(&f[F_STATION].num, &v, &integral));
    assert_int_equal(v, 3072);
    assert_true(f[F_NAME].found);
    assert_string_equal(name, "TX Bronte \xc3\xa9 \"11\"");
    assert_false(f[F_NAME].truncated);
    assert_true(f[F_START].found);
    assert_int_equal(f[F_START].type, JSON_STRING);
}

static void test_missing_repeated_long_and_non_integer_members(void **state)
{
    (void)state;
    json_field_t f[F_N];
    char name[8], err[128];
    assert_int_equal(get("{\"station\":\"03072\",\"station\":3072.0,\"station_name\":\"abcdefghij\","
                         "\"station_name\":\"x\\u0000y\"}",
                         f, name, sizeof name, err, sizeof err),
                     0);
    assert_false(f[F_START].found);
    assert_int_equal(f[F_STATION].type, JSON_NUMBER); /* the last one counts */
    assert_false(f[F_STATION].integer);
    assert_true(f[F_NAME].has_nul);
    assert_int_equal(get("{\"station_name\":\"abcdefghij\",\"station\":3e2}", f, name, sizeof name,
                         err, sizeof err),
                     0);
    assert_true(f[F_NAME].truncated);
    assert_string_equal(name, "abcdefg");
    assert_false(f[F_STATION].integer);
}

static void test_refuses_what_is_not_one_object(void **state)
{
    (void)state;
    json_field_t f[F_N];
    char name[64], err[128];
    const char *bad[] = {"",         "x",           "[1]",          "\"s\"",
                         "{",        "{\"a\"}",     "{\"a\":}",     "{\"a\":1,}",
                         "{} {}",    "{\"a\":01}",  "{\"a\":\"\\x\"}", "{\"a\":tru}",
                         "{\"station\":\"\xff\"}", "{\"a\":1 \"b\":2}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(get(bad[i], f, name, sizeof name, err, sizeof err), -1);
        assert_true(err[0] != '\0');
    }
    char deep[80] = "";
    for (int i = 0; i < 34; i++)
        strcat(deep, i == 0 ? "{\"a\":" : "[");
    assert_int_equal(get(deep, f, name, sizeof name, err, sizeof err), -1);
    assert_int_equal(get("{}", f, name, sizeof name, err, sizeof err), 0);
    assert_false(f[F_STATION].found);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_picks_strings_numbers_and_skips_the_rest),
        cmocka_unit_test(test_missing_repeated_long_and_non_integer_members),
        cmocka_unit_test(test_refuses_what_is_not_one_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
