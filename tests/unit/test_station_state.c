/* Tests for station_state.c: when an hour is emitted, what it contains, and time order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "station_state.h"

typedef struct seen {
    hourly_result_t h[64];
    int nh;
    outlier_event_t o[64];
    int no;
} seen_t;

static void on_hourly(void *ctx, const hourly_result_t *r)
{
    seen_t *s = ctx;
    assert_true(s->nh < 64);
    s->h[s->nh++] = *r;
}

static void on_outlier(void *ctx, const outlier_event_t *o)
{
    seen_t *s = ctx;
    assert_true(s->no < 64);
    s->o[s->no++] = *o;
}

static wx_time_t utc(int32_t date, int32_t hhmm)
{
    wx_time_t t;
    assert_true(wx_time_from_date_hhmm(date, hhmm, &t));
    return t;
}

static station_state_t *austin(void)
{
    wx_config_t cfg;
    wx_config_default(&cfg);
    station_state_t *s = station_state_new(23907, -360, &cfg);
    assert_non_null(s);
    return s;
}

/* Twelve readings 06:05..07:00 UTC = LST hour 00, values 10.0, 10.1, ... 11.1. */
static void push_hour(station_state_t *st, const station_sink_t *sink, wx_time_t start)
{
    for (int i = 1; i <= 12; i++)
        assert_int_equal(station_state_push(st, (uint64_t)i, start + i * 300, 10.0 + 0.1 * (i - 1),
                                            false, sink),
                         0);
}

static void test_hour_is_emitted_once_the_next_reading_arrives(void **state)
{
    (void)state;
    seen_t s = {0};
    station_sink_t sink = {&s, on_hourly, on_outlier};
    station_state_t *st = austin();
    push_hour(st, &sink, utc(20260101, 600));
    /* The 07:00 reading still waits for its outlier verdict, so hour 00 stays open. */
    assert_int_equal(s.nh, 0);
    assert_int_equal(station_state_push(st, 13, utc(20260101, 705), 11.2, false, &sink), 0);
    assert_int_equal(s.nh, 1);
    assert_int_equal(s.h[0].count, 12);
    assert_int_equal(s.h[0].key.lst_date, 20260101);
    assert_int_equal(s.h[0].key.lst_hour, 0);
    assert_true(fabs(s.h[0].mean - 10.55) < 1e-9);
    assert_true(s.h[0].min == 10.0);
    assert_true(fabs(s.h[0].max - 11.1) < 1e-9);
    assert_false(s.h[0].partial);
    assert_int_equal(s.no, 0);
    station_state_destroy(st);
}

static void test_advance_past_the_lookahead_closes_the_last_hour(void **state)
{
    (void)state;
    seen_t s = {0};
    station_sink_t sink = {&s, on_hourly, on_outlier};
    station_state_t *st = austin();
    push_hour(st, &sink, utc(20260101, 600));
    station_state_advance(st, utc(20260101, 705), &sink);
    assert_int_equal(s.nh, 0);
    station_state_advance(st, utc(20260101, 710), &sink);
    assert_int_equal(s.nh, 1);
    station_state_destroy(st);
}

static void test_flush_at_end_of_input_emits_everything(void **state)
{
    (void)state;
    seen_t s = {0};
    station_sink_t sink = {&s, on_hourly, on_outlier};
    station_state_t *st = austin();
    push_hour(st, &sink, utc(20260101, 600));
    push_hour(st, &sink, utc(20260101, 700));
    station_state_advance(st, WX_TIME_MAX, &sink);
    assert_int_equal(s.nh, 2);
    assert_int_equal(s.h[1].key.lst_hour, 1);
    station_state_destroy(st);
}

static void test_readings_out_of_time_order_are_refused(void **state)
{
    (void)state;
    seen_t s = {0};
    station_sink_t sink = {&s, on_hourly, on_outlier};
    station_state_t *st = austin();
    assert_int_equal(station_state_push(st, 1, utc(20260101, 610), 1.0, false, &sink), 0);
    assert_int_equal(station_state_push(st, 2, utc(20260101, 605), 1.0, false, &sink), -1);
    assert_int_equal(station_state_push(st, 3, utc(20260101, 610), 1.0, false, &sink), -1);
    station_state_advance(st, utc(20260101, 700), &sink);
    assert_int_equal(station_state_push(st, 4, utc(20260101, 655), 1.0, false, &sink), -1);
    assert_true(station_state_clock(st) == utc(20260101, 700));
    station_state_destroy(st);
}

static void test_missing_readings_make_an_hour_partial_and_are_reported(void **state)
{
    (void)state;
    seen_t s = {0};
    station_sink_t sink = {&s, on_hourly, on_outlier};
    station_state_t *st = austin();
    wx_time_t start = utc(20260101, 600);
    for (int i = 1; i <= 12; i++) {
        bool missing = i <= 3;
        station_state_push(st, (uint64_t)i, start + i * 300, missing ? -9999.0 : 5.0, missing, &sink);
    }
    station_state_advance(st, WX_TIME_MAX, &sink);
    assert_int_equal(s.nh, 1);
    assert_int_equal(s.h[0].count, 9);
    assert_int_equal(s.h[0].readings, 12);
    assert_true(s.h[0].partial);
    assert_true(s.h[0].mean == 5.0);
    assert_int_equal(s.no, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(s.o[i].v.reason, OUTLIER_MISSING);
    station_state_destroy(st);
}

static void test_flagged_reading_is_left_out_of_the_mean(void **state)
{
    (void)state;
    seen_t s = {0};
    station_sink_t sink = {&s, on_hourly, on_outlier};
    station_state_t *st = austin();
    wx_time_t start = utc(20260101, 600);
    for (int i = 1; i <= 12; i++)
        station_state_push(st, (uint64_t)i, start + i * 300, i == 6 ? 75.0 : 20.0, false, &sink);
    station_state_advance(st, WX_TIME_MAX, &sink);
    assert_int_equal(s.no, 1);
    assert_int_equal(s.o[0].v.reason, OUTLIER_RANGE);
    assert_int_equal(s.o[0].wban, 23907);
    assert_int_equal(s.h[0].count, 11);
    assert_true(s.h[0].mean == 20.0);
    assert_true(s.h[0].max == 20.0);
    station_state_destroy(st);
}

static void test_lst_midnight_reading_closes_hour_23(void **state)
{
    (void)state;
    seen_t s = {0};
    station_sink_t sink = {&s, on_hourly, on_outlier};
    station_state_t *st = austin();
    /* LST 2025-12-31 23:55 and 2026-01-01 00:00 (UTC 05:55, 06:00) are both hour 23 of 31 Dec;
     * 00:05 opens hour 00 of 1 Jan. */
    station_state_push(st, 1, utc(20260101, 555), 1.0, false, &sink);
    station_state_push(st, 2, utc(20260101, 600), 2.0, false, &sink);
    station_state_push(st, 3, utc(20260101, 605), 3.0, false, &sink);
    station_state_advance(st, WX_TIME_MAX, &sink);
    assert_int_equal(s.nh, 2);
    assert_int_equal(s.h[0].key.lst_date, 20251231);
    assert_int_equal(s.h[0].key.lst_hour, 23);
    assert_int_equal(s.h[0].count, 2);
    assert_int_equal(s.h[1].key.lst_date, 20260101);
    assert_int_equal(s.h[1].key.lst_hour, 0);
    assert_true(s.h[0].partial && s.h[1].partial);
    station_state_destroy(st);
}

static void test_config_check_names_the_bad_setting(void **state)
{
    (void)state;
    wx_config_t c;
    char err[128];
    wx_config_default(&c);
    assert_int_equal(wx_config_check(&c, err, sizeof err), 0);
    c.min_valid = 13;
    assert_int_equal(wx_config_check(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "min-valid"));
}

static void test_source_names_are_interned_and_the_oldest_is_replaced(void **state)
{
    (void)state;
    wx_config_t cfg;
    wx_config_default(&cfg);
    station_state_t *s = station_state_new(23907, -360, &cfg);
    assert_non_null(s);
    assert_int_equal(station_state_source(s, NULL), 0);
    assert_int_equal(station_state_source(s, ""), 0);
    assert_null(station_state_source_name(s, 0));
    uint8_t a = station_state_source(s, "a.txt");
    assert_true(a >= 1 && a <= STATION_STATE_MAX_SOURCES);
    assert_int_equal(station_state_source(s, "b.txt") != a, 1);
    assert_int_equal(station_state_source(s, "a.txt"), a); /* a is now the most recent */
    assert_string_equal(station_state_source_name(s, a), "a.txt");
    /* Seven more names fill the table and push out the least recently used: b. */
    char name[16];
    for (int i = 0; i < STATION_STATE_MAX_SOURCES - 1; i++) {
        snprintf(name, sizeof name, "f%d.txt", i);
        assert_int_not_equal(station_state_source(s, name), a);
    }
    assert_string_equal(station_state_source_name(s, a), "a.txt");
    for (uint8_t i = 1; i <= STATION_STATE_MAX_SOURCES; i++)
        assert_string_not_equal(station_state_source_name(s, i), "b.txt");
    /* The table survives a snapshot. */
    wxbuf_t buf = WXBUF_INIT;
    station_state_save(s, &buf);
    wxser_reader_t in;
    wxser_reader_init(&in, buf.data, buf.len);
    station_state_t *t = station_state_load(&in, &cfg);
    assert_non_null(t);
    assert_int_equal(in.left, 0);
    for (uint8_t i = 0; i <= STATION_STATE_MAX_SOURCES; i++) {
        const char *x = station_state_source_name(s, i), *y = station_state_source_name(t, i);
        if (!x)
            assert_null(y);
        else
            assert_string_equal(x, y);
    }
    assert_int_equal(station_state_source(t, "a.txt"), a);
    station_state_destroy(t);
    station_state_destroy(s);
    wxbuf_free(&buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hour_is_emitted_once_the_next_reading_arrives),
        cmocka_unit_test(test_advance_past_the_lookahead_closes_the_last_hour),
        cmocka_unit_test(test_flush_at_end_of_input_emits_everything),
        cmocka_unit_test(test_readings_out_of_time_order_are_refused),
        cmocka_unit_test(test_missing_readings_make_an_hour_partial_and_are_reported),
        cmocka_unit_test(test_flagged_reading_is_left_out_of_the_mean),
        cmocka_unit_test(test_lst_midnight_reading_closes_hour_23),
        cmocka_unit_test(test_config_check_names_the_bad_setting),
        cmocka_unit_test(test_source_names_are_interned_and_the_oldest_is_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
