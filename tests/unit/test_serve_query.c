/* Tests for serve_query.c: request times, counts and station keys, accepted and refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "serve_query.h"

static void test_times_in_the_accepted_forms(void **state)
{
    (void)state;
    wx_time_t t;
    assert_true(serve_parse_time("2024-01-01T00:00:00Z", &t));
    assert_int_equal(t, 1704067200);
    assert_true(serve_parse_time("2024-01-01T01:30Z", &t));
    assert_int_equal(t, 1704067200 + 5400);
    assert_true(serve_parse_time("2024-01-01", &t));
    assert_int_equal(t, 1704067200);
    assert_true(serve_parse_time("2024-02-29T23:59:59Z", &t));
    assert_true(serve_parse_time("1704067200", &t));
    assert_int_equal(t, 1704067200);
    assert_true(serve_parse_time("-60", &t));
    assert_int_equal(t, -60);
}

static void test_times_refused(void **state)
{
    (void)state;
    wx_time_t t;
    const char *bad[] = {"", "-", "abc", "2024-13-01", "2023-02-29", "2024-01-01T24:00:00Z",
                         "2024-01-01T00:00:60Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00+01:00",
                         "2024-01-01 00:00:00Z", "12x", "1e9", "9999999999999", "2024-1-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(serve_parse_time(bad[i], &t));
    assert_false(serve_parse_time(NULL, &t));
}

static void test_counts_within_bounds_only(void **state)
{
    (void)state;
    size_t n;
    assert_true(serve_parse_count("10", 1, 100, &n));
    assert_int_equal(n, 10);
    assert_false(serve_parse_count("0", 1, 100, &n));
    assert_false(serve_parse_count("101", 1, 100, &n));
    assert_false(serve_parse_count("-1", 1, 100, &n));
    assert_false(serve_parse_count("1.5", 1, 100, &n));
    assert_false(serve_parse_count("", 1, 100, &n));
    assert_false(serve_parse_count("99999999999999999999", 1, 100, &n));
}

static void test_station_keys_pad_wban_numbers_and_keep_other_text(void **state)
{
    (void)state;
    char k[64];
    assert_true(serve_station_key("3072", k, sizeof k));
    assert_string_equal(k, "03072");
    assert_true(serve_station_key("03072", k, sizeof k));
    assert_string_equal(k, "03072");
    assert_true(serve_station_key("23907", k, sizeof k));
    assert_string_equal(k, "23907");
    assert_true(serve_station_key("<img src=x onerror=alert(1)>", k, sizeof k));
    assert_string_equal(k, "<img src=x onerror=alert(1)>");
    assert_false(serve_station_key("", k, sizeof k));
    assert_false(serve_station_key("a\nb", k, sizeof k));
    char small[8];
    assert_false(serve_station_key("toolongkey", small, sizeof small));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times_in_the_accepted_forms),
        cmocka_unit_test(test_times_refused),
        cmocka_unit_test(test_counts_within_bounds_only),
        cmocka_unit_test(test_station_keys_pad_wban_numbers_and_keep_other_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
