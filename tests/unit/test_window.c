/* Tests for window.c: hour assignment in LST both ways, at day and year boundaries, and the
 * order-independent accumulator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "window.h"

#define AUSTIN (-360)
#define BOULDER (-420)

static wx_time_t utc(int32_t date, int32_t hhmm)
{
    wx_time_t t;
    assert_true(wx_time_from_date_hhmm(date, hhmm, &t));
    return t;
}

static void test_reading_ending_on_the_hour_closes_the_previous_hour(void **state)
{
    (void)state;
    window_key_t k;
    /* Austin UTC 07:00 = LST 01:00: the last reading of LST hour 00. */
    assert_int_equal(window_assign(HOUR_ASSIGN_INTERVAL_END, utc(20260101, 700), AUSTIN, &k), 0);
    assert_int_equal(k.lst_date, 20260101);
    assert_int_equal(k.lst_hour, 0);
    assert_true(k.start == utc(20260101, 600));
    assert_true(k.end == utc(20260101, 700));
}

static void test_first_reading_of_an_hour_ends_five_minutes_into_it(void **state)
{
    (void)state;
    window_key_t k;
    assert_int_equal(window_assign(HOUR_ASSIGN_INTERVAL_END, utc(20260101, 605), AUSTIN, &k), 0);
    assert_int_equal(k.lst_hour, 0);
    assert_true(k.start == utc(20260101, 600));
}

static void test_lst_midnight_reading_belongs_to_hour_23_of_the_previous_year(void **state)
{
    (void)state;
    window_key_t k;
    /* The sample's row 20260101 0700 UTC / 20260101 0000 LST at Boulder. */
    assert_int_equal(window_assign(HOUR_ASSIGN_INTERVAL_END, utc(20260101, 700), BOULDER, &k), 0);
    assert_int_equal(k.lst_date, 20251231);
    assert_int_equal(k.lst_hour, 23);
    assert_true(k.start == utc(20260101, 600));
    assert_true(k.end == utc(20260101, 700));
}

static void test_timestamp_assignment_groups_by_the_lst_hour_digits(void **state)
{
    (void)state;
    window_key_t k;
    assert_int_equal(window_assign(HOUR_ASSIGN_TIMESTAMP, utc(20260101, 700), BOULDER, &k), 0);
    assert_int_equal(k.lst_date, 20260101);
    assert_int_equal(k.lst_hour, 0);
    assert_true(k.start == utc(20260101, 700));
    /* LST 23:55 on 31 Dec is still hour 23 of 2025 either way. */
    assert_int_equal(window_assign(HOUR_ASSIGN_TIMESTAMP, utc(20260101, 655), BOULDER, &k), 0);
    assert_int_equal(k.lst_date, 20251231);
    assert_int_equal(k.lst_hour, 23);
    assert_int_equal(window_assign(HOUR_ASSIGN_INTERVAL_END, utc(20260101, 655), BOULDER, &k), 0);
    assert_int_equal(k.lst_date, 20251231);
    assert_int_equal(k.lst_hour, 23);
}

static void test_spokane_hours_are_eight_hours_behind_utc(void **state)
{
    (void)state;
    window_key_t k;
    assert_int_equal(window_assign(HOUR_ASSIGN_INTERVAL_END, utc(20250301, 805), -480, &k), 0);
    assert_int_equal(k.lst_date, 20250301);
    assert_int_equal(k.lst_hour, 0);
    /* Leap day boundary: UTC 2024-03-01 08:00 is LST 2024-03-01 00:00, hour 23 of 29 Feb. */
    assert_int_equal(window_assign(HOUR_ASSIGN_INTERVAL_END, utc(20240301, 800), -480, &k), 0);
    assert_int_equal(k.lst_date, 20240229);
    assert_int_equal(k.lst_hour, 23);
}

static void test_offset_that_is_not_whole_hours_is_rejected(void **state)
{
    (void)state;
    window_key_t k;
    assert_int_equal(window_assign(HOUR_ASSIGN_INTERVAL_END, utc(20260101, 700), -330, &k), -1);
}

static void test_hour_assign_names_parse(void **state)
{
    (void)state;
    hour_assign_t h;
    assert_int_equal(window_parse_assign("timestamp", &h), 0);
    assert_int_equal(h, HOUR_ASSIGN_TIMESTAMP);
    assert_int_equal(window_parse_assign("interval-end", &h), 0);
    assert_int_equal(h, HOUR_ASSIGN_INTERVAL_END);
    assert_int_equal(window_parse_assign("hourly", &h), -1);
    assert_string_equal(window_assign_name(HOUR_ASSIGN_TIMESTAMP), "timestamp");
}

static void test_mean_counts_only_valid_readings(void **state)
{
    (void)state;
    window_key_t k;
    window_acc_t a;
    hourly_result_t r;
    assert_int_equal(window_assign(HOUR_ASSIGN_INTERVAL_END, utc(20260101, 700), AUSTIN, &k), 0);
    window_acc_init(&a, &k);
    double v[] = {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0};
    for (int i = 0; i < 10; i++)
        window_acc_add(&a, v[i], true);
    window_acc_add(&a, -9999.0, false);
    window_acc_add(&a, 55.0, false); /* flagged */
    window_acc_result(&a, 23907, AUSTIN, 10, &r);
    assert_int_equal(r.count, 10);
    assert_int_equal(r.readings, 12);
    assert_int_equal(r.expected, 12);
    assert_false(r.partial);
    assert_true(r.has_mean);
    assert_true(fabs(r.mean - 5.5) < 1e-12);
    assert_true(r.min == 1.0 && r.max == 10.0);
}

static void test_hour_with_fewer_than_min_valid_readings_is_partial(void **state)
{
    (void)state;
    window_key_t k = {0, WX_HOUR, 19700101, 0};
    window_acc_t a;
    hourly_result_t r;
    window_acc_init(&a, &k);
    for (int i = 0; i < 9; i++)
        window_acc_add(&a, 20.0, true);
    window_acc_result(&a, 1, 0, 10, &r);
    assert_true(r.partial);
    assert_true(r.has_mean);
    window_acc_add(&a, 20.0, true);
    window_acc_result(&a, 1, 0, 10, &r);
    assert_false(r.partial);
}

static void test_hour_of_only_missing_readings_has_no_mean(void **state)
{
    (void)state;
    window_key_t k = {0, WX_HOUR, 19700101, 0};
    window_acc_t a;
    hourly_result_t r;
    window_acc_init(&a, &k);
    for (int i = 0; i < 12; i++)
        window_acc_add(&a, -9999.0, false);
    window_acc_result(&a, 1, 0, 10, &r);
    assert_false(r.has_mean);
    assert_true(r.partial);
    assert_int_equal(r.readings, 12);
    assert_true(isnan(r.mean));
}

static void test_mean_does_not_depend_on_the_order_of_readings(void **state)
{
    (void)state;
    window_key_t k = {0, WX_HOUR, 19700101, 0};
    double v[12] = {0.1, 0.2, 0.3, -7.7, 12.3, 0.7, 33.3, -0.1, 5.5, 0.2, 9.9, 1.1};
    window_acc_t a, b;
    hourly_result_t ra, rb;
    window_acc_init(&a, &k);
    window_acc_init(&b, &k);
    for (int i = 0; i < 12; i++) {
        window_acc_add(&a, v[i], true);
        window_acc_add(&b, v[11 - i], true);
    }
    window_acc_result(&a, 1, 0, 10, &ra);
    window_acc_result(&b, 1, 0, 10, &rb);
    assert_memory_equal(&ra.mean, &rb.mean, sizeof ra.mean);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reading_ending_on_the_hour_closes_the_previous_hour),
        cmocka_unit_test(test_first_reading_of_an_hour_ends_five_minutes_into_it),
        cmocka_unit_test(test_lst_midnight_reading_belongs_to_hour_23_of_the_previous_year),
        cmocka_unit_test(test_timestamp_assignment_groups_by_the_lst_hour_digits),
        cmocka_unit_test(test_spokane_hours_are_eight_hours_behind_utc),
        cmocka_unit_test(test_offset_that_is_not_whole_hours_is_rejected),
        cmocka_unit_test(test_hour_assign_names_parse),
        cmocka_unit_test(test_mean_counts_only_valid_readings),
        cmocka_unit_test(test_hour_with_fewer_than_min_valid_readings_is_partial),
        cmocka_unit_test(test_hour_of_only_missing_readings_has_no_mean),
        cmocka_unit_test(test_mean_does_not_depend_on_the_order_of_readings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
