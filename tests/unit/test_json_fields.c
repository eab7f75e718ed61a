/* Tests for json_fields.c: named members picked from an object, the whole text checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

static void test_it_picks_strings_and_numbers_and_checks_the_rest(void **state)
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

static void test_the_last_of_a_repeated_member_counts_and_long_strings_are_cut(void **state)
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

static void test_it_refuses_what_is_not_one_object(void **state)
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
    /* nesting: 32 levels are read, 33 refused (a closed, well-formed text either way) */
    char deep[160];
    for (int levels = 32; levels <= 33; levels++) {
        size_t n = 0;
        n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"a\":");
        for (int i = 1; i < levels; i++)
            deep[n++] = '[';
        for (int i = 1; i < levels; i++)
            deep[n++] = ']';
        deep[n++] = '}';
        deep[n] = '\0';
        err[0] = '\0';
        assert_int_equal(get(deep, f, name, sizeof name, err, sizeof err), levels == 32 ? 0 : -1);
        if (levels == 33)
            assert_non_null(strstr(err, "nesting"));
    }
    assert_int_equal(get("{}", f, name, sizeof name, err, sizeof err), 0);
    assert_false(f[F_STATION].found);
}

static void test_a_string_of_cap_minus_one_bytes_fits_and_names_are_unescaped(void **state)
{
    (void)state;
    json_field_t f[F_N];
    char name[8], err[128];
    assert_int_equal(get("{\"st\\u0061tion_name\":\"abcdefg\"}", f, name, sizeof name, err,
                         sizeof err),
                     0);
    assert_true(f[F_NAME].found);
    assert_false(f[F_NAME].truncated);
    assert_string_equal(name, "abcdefg");
    /* member names: up to 64 bytes are matched; a longer one matches no field, not even
     * one named by its first 64 bytes */
    char n64[65], n65[66], text[200];
    memset(n64, 'k', 64);
    n64[64] = '\0';
    memcpy(n65, n64, 64);
    n65[64] = 'z';
    n65[65] = '\0';
    json_field_t lf[2] = {{.name = n64}, {.name = n65}};
    snprintf(text, sizeof text, "{\"%s\":1}", n64);
    assert_int_equal(json_fields_get(text, strlen(text), lf, 2, err, sizeof err), 0);
    assert_true(lf[0].found);
    assert_false(lf[1].found);
    snprintf(text, sizeof text, "{\"%s\":1}", n65);
    assert_int_equal(json_fields_get(text, strlen(text), lf, 2, err, sizeof err), 0);
    assert_false(lf[0].found);
    assert_false(lf[1].found);
    json_field_t nobuf = {.name = "a"};
    assert_int_equal(json_fields_get("{\"a\":\"x\"}", 9, &nobuf, 1, err, sizeof err), 0);
    assert_true(nobuf.found && nobuf.truncated);
    assert_int_equal(json_fields_get("{\"a\":\"\"}", 8, &nobuf, 1, err, sizeof err), 0);
    assert_true(nobuf.found && !nobuf.truncated);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_it_picks_strings_and_numbers_and_checks_the_rest),
        cmocka_unit_test(test_the_last_of_a_repeated_member_counts_and_long_strings_are_cut),
        cmocka_unit_test(test_it_refuses_what_is_not_one_object),
        cmocka_unit_test(test_a_string_of_cap_minus_one_bytes_fits_and_names_are_unescaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
