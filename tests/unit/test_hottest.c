/* Tests for hottest.c: the hottest station per UTC hour, ties, partial hours, and closing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hottest.h"

typedef struct seen {
    hottest_result_t r[8];
    int32_t reported[8][8];
    int n;
} seen_t;

static void collect(void *ctx, const hottest_result_t *r)
{
    seen_t *s = ctx;
    assert_true(s->n < 8);
    s->r[s->n] = *r;
    memcpy(s->reported[s->n], r->reported, r->n_reported * sizeof(int32_t));
    s->r[s->n].reported = s->reported[s->n];
    s->n++;
}

static hottest_entry_t entry(int32_t wban, bool complete, double mean, double max)
{
    hottest_entry_t e;
    memset(&e, 0, sizeof e);
    e.wban = wban;
    e.lst_offset_min = -360;
    e.complete = complete;
    e.mean = mean;
    e.max = max;
    return e;
}

static void test_highest_mean_and_highest_reading_can_be_different_stations(void **state)
{
    (void)state;
    hottest_t *h = hottest_new();
    seen_t s = {0};
    hottest_entry_t a = entry(23907, true, 30.0, 31.0), b = entry(3072, true, 29.5, 33.2),
                    c = entry(4136, true, 18.0, 19.0);
    assert_int_equal(hottest_add(h, 0, &a), 0);
    assert_int_equal(hottest_add(h, 0, &b), 0);
    assert_int_equal(hottest_add(h, 0, &c), 0);
    assert_int_equal(hottest_close(h, WX_TIME_MAX, collect, &s), 1);
    assert_int_equal(s.n, 1);
    assert_true(s.r[0].has_winner);
    assert_int_equal(s.r[0].by_mean.wban, 23907);
    assert_int_equal(s.r[0].by_max.wban, 3072);
    assert_int_equal(s.r[0].n_reported, 3);
    assert_int_equal(s.r[0].n_complete, 3);
    /* Listed in ascending WBAN whatever the arrival order. */
    assert_int_equal(s.reported[0][0], 3072);
    assert_int_equal(s.reported[0][1], 4136);
    assert_int_equal(s.reported[0][2], 23907);
    hottest_destroy(h);
}

static void test_ties_go_to_the_lowest_wban_whatever_the_arrival_order(void **state)
{
    (void)state;
    for (int order = 0; order < 2; order++) {
        hottest_t *h = hottest_new();
        seen_t s = {0};
        hottest_entry_t a = entry(23907, true, 25.0, 27.0), b = entry(3072, true, 25.0, 27.0);
        hottest_add(h, 0, order ? &a : &b);
        hottest_add(h, 0, order ? &b : &a);
        hottest_close(h, WX_TIME_MAX, collect, &s);
        assert_int_equal(s.r[0].by_mean.wban, 3072);
        assert_int_equal(s.r[0].by_max.wban, 3072);
        hottest_destroy(h);
    }
}

static void test_partial_hour_is_listed_but_does_not_compete(void **state)
{
    (void)state;
    hottest_t *h = hottest_new();
    seen_t s = {0};
    hottest_entry_t hot_partial = entry(23907, false, 40.0, 41.0), cool = entry(4136, true, 10.0, 11.0);
    hottest_add(h, 0, &hot_partial);
    hottest_add(h, 0, &cool);
    hottest_close(h, WX_TIME_MAX, collect, &s);
    assert_int_equal(s.r[0].by_mean.wban, 4136);
    assert_int_equal(s.r[0].by_max.wban, 4136);
    assert_int_equal(s.r[0].n_reported, 2);
    assert_int_equal(s.r[0].n_complete, 1);
    hottest_destroy(h);
}

static void test_hour_without_a_complete_station_is_emitted_without_winner(void **state)
{
    (void)state;
    hottest_t *h = hottest_new();
    seen_t s = {0};
    hottest_entry_t p = entry(23907, false, 20.0, 21.0);
    hottest_add(h, 0, &p);
    hottest_close(h, WX_TIME_MAX, collect, &s);
    assert_int_equal(s.n, 1);
    assert_false(s.r[0].has_winner);
    assert_int_equal(s.r[0].n_reported, 1);
    hottest_destroy(h);
}

static void test_close_emits_only_hours_that_ended_in_hour_order(void **state)
{
    (void)state;
    hottest_t *h = hottest_new();
    seen_t s = {0};
    hottest_entry_t a = entry(1, true, 1.0, 1.0);
    hottest_add(h, 2 * WX_HOUR, &a);
    hottest_add(h, 0, &a);
    hottest_add(h, WX_HOUR, &a);
    assert_true(hottest_oldest_open(h) == 0);
    assert_int_equal(hottest_close(h, 2 * WX_HOUR - 1, collect, &s), 1);
    assert_int_equal(hottest_close(h, 2 * WX_HOUR, collect, &s), 1);
    assert_int_equal(s.n, 2);
    assert_true(s.r[0].hour_start == 0);
    assert_true(s.r[1].hour_start == WX_HOUR);
    assert_true(s.r[1].hour_end == 2 * WX_HOUR);
    assert_true(hottest_oldest_open(h) == 2 * WX_HOUR);
    assert_int_equal(hottest_close(h, WX_TIME_MAX, collect, &s), 1);
    assert_true(hottest_oldest_open(h) == WX_TIME_MAX);
    hottest_destroy(h);
}

static void test_same_station_added_twice_replaces_the_first(void **state)
{
    (void)state;
    hottest_t *h = hottest_new();
    seen_t s = {0};
    hottest_entry_t a = entry(1, true, 1.0, 1.0), a2 = entry(1, true, 5.0, 6.0);
    hottest_add(h, 0, &a);
    hottest_add(h, 0, &a2);
    hottest_close(h, WX_TIME_MAX, collect, &s);
    assert_int_equal(s.r[0].n_reported, 1);
    assert_true(s.r[0].by_mean.mean == 5.0);
    hottest_destroy(h);
}

static void test_entry_from_hourly_is_complete_only_with_a_full_mean(void **state)
{
    (void)state;
    hourly_result_t r;
    memset(&r, 0, sizeof r);
    r.wban = 7;
    r.has_mean = true;
    r.partial = false;
    r.mean = 3.0;
    r.max = 4.0;
    assert_true(hottest_entry_from_hourly(&r).complete);
    r.partial = true;
    assert_false(hottest_entry_from_hourly(&r).complete);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_highest_mean_and_highest_reading_can_be_different_stations),
        cmocka_unit_test(test_ties_go_to_the_lowest_wban_whatever_the_arrival_order),
        cmocka_unit_test(test_partial_hour_is_listed_but_does_not_compete),
        cmocka_unit_test(test_hour_without_a_complete_station_is_emitted_without_winner),
        cmocka_unit_test(test_close_emits_only_hours_that_ended_in_hour_order),
        cmocka_unit_test(test_same_station_added_twice_replaces_the_first),
        cmocka_unit_test(test_entry_from_hourly_is_complete_only_with_a_full_mean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
