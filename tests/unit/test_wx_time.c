/* Tests for wx_time: civil dates, USCRN stamps, instants. Expectations computed by hand
 * (2026-01-01T00:00Z = 20454 days = 1767225600 s after the epoch). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wx_time.h"

#define T_2026 ((wx_time_t)1767225600) /* 2026-01-01T00:00:00Z */

static void test_epoch_is_day_zero(void **state)
{
    (void)state;
    assert_int_equal(wx_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(wx_days_from_civil(1970, 1, 2), 1);
    assert_int_equal(wx_days_from_civil(1969, 12, 31), -1);
}

static void test_known_dates_have_hand_computed_day_numbers(void **state)
{
    (void)state;
    /* 56 years * 365 + 14 leap days (1972..2024) */
    assert_int_equal(wx_days_from_civil(2026, 1, 1), 20454);
    /* 2000-01-01 is day 10957; + 31 (Jan) + 29 (Feb 2000 is leap) */
    assert_int_equal(wx_days_from_civil(2000, 3, 1), 11017);
    /* 1900-01-01 is day -25567; + 31 + 28 (1900 is not leap) */
    assert_int_equal(wx_days_from_civil(1900, 3, 1), -25508);
}

static void test_civil_from_days_inverts_known_days(void **state)
{
    (void)state;
    int64_t y;
    unsigned m, d;
    wx_civil_from_days(20454, &y, &m, &d);
    assert_int_equal(y, 2026);
    assert_int_equal(m, 1);
    assert_int_equal(d, 1);
    wx_civil_from_days(20453, &y, &m, &d);
    assert_int_equal(y, 2025);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);
    wx_civil_from_days(-1, &y, &m, &d);
    assert_int_equal(y, 1969);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);
}

/* Walks day by day with an independent calendar and checks both directions every day. */
static void test_round_trip_every_day_from_1600_to_2400(void **state)
{
    (void)state;
    static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t y = 1600;
    unsigned m = 1, d = 1;
    int64_t days = wx_days_from_civil(1600, 1, 1);
    int checked = 0;
    while (y < 2400) {
        assert_int_equal(wx_days_from_civil(y, m, d), days);
        int64_t y2;
        unsigned m2, d2;
        wx_civil_from_days(days, &y2, &m2, &d2);
        assert_int_equal(y2, y);
        assert_int_equal(m2, m);
        assert_int_equal(d2, d);
        const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        const unsigned last = m == 2 && leap ? 29 : dim[m - 1];
        if (++d > last) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
        days++;
        checked++;
    }
    assert_int_equal(checked, 800 * 365 + 194); /* 194 leap years in [1600, 2400) */
}

static void test_leap_day_2024_is_valid(void **state)
{
    (void)state;
    wx_time_t t;
    assert_true(wx_time_from_date_hhmm(20240229, 1200, &t));
    int32_t date, hhmm;
    wx_time_to_date_hhmm(t, &date, &hhmm);
    assert_int_equal(date, 20240229);
    assert_int_equal(hhmm, 1200);
}

static void test_leap_day_in_non_leap_years_is_rejected(void **state)
{
    (void)state;
    wx_time_t t;
    assert_false(wx_time_from_date_hhmm(20250229, 0, &t));
    assert_false(wx_time_from_date_hhmm(19000229, 0, &t)); /* century, not leap */
    assert_true(wx_time_from_date_hhmm(20000229, 0, &t));  /* divisible by 400: leap */
}

static void test_impossible_dates_are_rejected(void **state)
{
    (void)state;
    wx_time_t t;
    assert_false(wx_time_from_date_hhmm(20261301, 0, &t)); /* month 13 */
    assert_false(wx_time_from_date_hhmm(20260001, 0, &t)); /* month 0 */
    assert_false(wx_time_from_date_hhmm(20260100, 0, &t)); /* day 0 */
    assert_false(wx_time_from_date_hhmm(20260132, 0, &t));
    assert_false(wx_time_from_date_hhmm(20260230, 0, &t)); /* Feb 30 */
    assert_false(wx_time_from_date_hhmm(20260431, 0, &t)); /* April has 30 days */
    assert_false(wx_time_from_date_hhmm(-20260101, 0, &t));
    assert_false(wx_time_from_date_hhmm(100000101, 0, &t)); /* year 10000 */
    assert_true(wx_time_from_date_hhmm(20261231, 0, &t));
}

static void test_impossible_times_are_rejected(void **state)
{
    (void)state;
    wx_time_t t;
    assert_false(wx_time_from_date_hhmm(20260101, 2400, &t)); /* hour 24 */
    assert_false(wx_time_from_date_hhmm(20260101, 1260, &t)); /* minute 60 */
    assert_false(wx_time_from_date_hhmm(20260101, 1261, &t));
    assert_false(wx_time_from_date_hhmm(20260101, -5, &t));
    assert_true(wx_time_from_date_hhmm(20260101, 2359, &t));
    assert_true(wx_time_from_date_hhmm(20260101, 0, &t));
}

static void test_stamp_converts_to_hand_computed_instant(void **state)
{
    (void)state;
    wx_time_t t;
    assert_true(wx_time_from_date_hhmm(20260101, 700, &t));
    assert_int_equal(t, T_2026 + 7 * 3600);
    assert_true(wx_time_from_date_hhmm(19700101, 0, &t));
    assert_int_equal(t, 0);
    assert_true(wx_time_from_date_hhmm(19691231, 2355, &t));
    assert_int_equal(t, -300);
}

static void test_midnight_0000_is_end_of_previous_day(void **state)
{
    (void)state;
    wx_time_t last, midnight;
    assert_true(wx_time_from_date_hhmm(20251231, 2355, &last));
    assert_true(wx_time_from_date_hhmm(20260101, 0, &midnight));
    assert_int_equal(midnight - last, 300); /* the interval that ends 0000 follows 2355 */
    assert_int_equal(midnight, T_2026);
}

static void test_year_end_crosses_into_next_year(void **state)
{
    (void)state;
    int32_t date, hhmm;
    wx_time_to_date_hhmm(T_2026 - 60, &date, &hhmm);
    assert_int_equal(date, 20251231);
    assert_int_equal(hhmm, 2359);
    wx_time_to_date_hhmm(T_2026, &date, &hhmm);
    assert_int_equal(date, 20260101);
    assert_int_equal(hhmm, 0);
}

static void test_seconds_are_dropped_when_converting_to_hhmm(void **state)
{
    (void)state;
    int32_t date, hhmm;
    wx_time_to_date_hhmm(T_2026 + 5 * 60 + 59, &date, &hhmm);
    assert_int_equal(date, 20260101);
    assert_int_equal(hhmm, 5);
    wx_time_to_date_hhmm(-1, &date, &hhmm); /* before 1970 rounds down, not toward zero */
    assert_int_equal(date, 19691231);
    assert_int_equal(hhmm, 2359);
}

static void test_every_five_minutes_of_2024_round_trips(void **state)
{
    (void)state;
    wx_time_t start;
    assert_true(wx_time_from_date_hhmm(20240101, 0, &start));
    for (wx_time_t t = start; t < start + 366 * WX_DAY; t += 5 * WX_MINUTE) {
        int32_t date, hhmm;
        wx_time_t back;
        wx_time_to_date_hhmm(t, &date, &hhmm);
        assert_true(wx_time_from_date_hhmm(date, hhmm, &back));
        assert_int_equal(back, t);
    }
}

static void test_out_of_range_instants_clamp_instead_of_overflowing(void **state)
{
    (void)state;
    int32_t date, hhmm;
    wx_time_to_date_hhmm(WX_TIME_MAX, &date, &hhmm);
    assert_int_equal(date, 99991231);
    assert_int_equal(hhmm, 2359);
    wx_time_to_date_hhmm(WX_TIME_MIN, &date, &hhmm);
    assert_int_equal(date, 101);
    assert_int_equal(hhmm, 0);
}

static void test_floor_div_rounds_toward_minus_infinity(void **state)
{
    (void)state;
    assert_int_equal(wx_floor_div(7, 2), 3);
    assert_int_equal(wx_floor_div(-7, 2), -4);
    assert_int_equal(wx_floor_div(7, -2), -4);
    assert_int_equal(wx_floor_div(-7, -2), 3);
    assert_int_equal(wx_floor_div(-1, 86400), -1);
    assert_int_equal(wx_floor_div(-86400, 86400), -1);
    assert_int_equal(wx_floor_div(-86401, 86400), -2);
    assert_int_equal(wx_floor_div(0, 5), 0);
    assert_int_equal(wx_floor_div(INT64_MIN, 1), INT64_MIN);
    assert_int_equal(wx_floor_div(INT64_MIN, -1), INT64_MAX); /* saturates, no overflow */
}

static void test_iso_time_is_utc_with_z_suffix(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(wx_time_iso(T_2026 + 7 * 3600, buf, sizeof buf), "2026-01-01T07:00:00Z");
    assert_string_equal(wx_time_iso(-1, buf, sizeof buf), "1969-12-31T23:59:59Z");
    assert_string_equal(wx_time_iso(0, buf, 21), "1970-01-01T00:00:00Z");
}

static void test_iso_time_truncates_in_a_small_buffer(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'x', sizeof buf);
    wx_time_iso(T_2026, buf, sizeof buf);
    assert_string_equal(buf, "2026-01");
}

static void test_iso_date_formats_yyyymmdd(void **state)
{
    (void)state;
    char buf[11];
    assert_string_equal(wx_date_iso(20260101, buf, sizeof buf), "2026-01-01");
    assert_string_equal(wx_date_iso(20251231, buf, sizeof buf), "2025-12-31");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_is_day_zero),
        cmocka_unit_test(test_known_dates_have_hand_computed_day_numbers),
        cmocka_unit_test(test_civil_from_days_inverts_known_days),
        cmocka_unit_test(test_round_trip_every_day_from_1600_to_2400),
        cmocka_unit_test(test_leap_day_2024_is_valid),
        cmocka_unit_test(test_leap_day_in_non_leap_years_is_rejected),
        cmocka_unit_test(test_impossible_dates_are_rejected),
        cmocka_unit_test(test_impossible_times_are_rejected),
        cmocka_unit_test(test_stamp_converts_to_hand_computed_instant),
        cmocka_unit_test(test_midnight_0000_is_end_of_previous_day),
        cmocka_unit_test(test_year_end_crosses_into_next_year),
        cmocka_unit_test(test_seconds_are_dropped_when_converting_to_hhmm),
        cmocka_unit_test(test_every_five_minutes_of_2024_round_trips),
        cmocka_unit_test(test_out_of_range_instants_clamp_instead_of_overflowing),
        cmocka_unit_test(test_floor_div_rounds_toward_minus_infinity),
        cmocka_unit_test(test_iso_time_is_utc_with_z_suffix),
        cmocka_unit_test(test_iso_time_truncates_in_a_small_buffer),
        cmocka_unit_test(test_iso_date_formats_yyyymmdd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
