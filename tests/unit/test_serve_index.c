/* Tests for serve_index.c: the bounded index behind `wxstream serve` — replacement of a
 * corrected hour, ranges, filters, retention, the station limit and the dead-letter ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "serve_index.h"

#define H ((wx_time_t)3600)
#define T0 ((wx_time_t)1704067200) /* 2024-01-01T00:00:00Z */

typedef struct got {
    char v[64][64];
    size_t n;
    size_t stop_after; /* 0: never stop */
} got_t;

static int collect(void *ctx, const char *json, size_t len)
{
    got_t *g = ctx;
    assert_true(g->n < 64);
    assert_int_equal(strlen(json), len); /* NUL-terminated copies */
    snprintf(g->v[g->n++], sizeof g->v[0], "%.*s", (int)len, json);
    return g->stop_after && g->n >= g->stop_after;
}

static serve_index_t *new_index(wx_time_t retention, size_t max_stations, size_t max_outliers,
                                size_t max_dead)
{
    serve_limits_t l;
    serve_limits_default(&l);
    if (retention)
        l.retention = retention;
    if (max_stations)
        l.max_stations = max_stations;
    if (max_outliers)
        l.max_outliers = max_outliers;
    if (max_dead)
        l.max_dead = max_dead;
    serve_index_t *idx = serve_index_new(&l);
    assert_non_null(idx);
    return idx;
}

static void put_out(serve_index_t *idx, const char *st, wx_time_t t, const char *json)
{
    char err[128];
    assert_int_equal(serve_index_put_output(idx, st, "Name", t, json, strlen(json), err, sizeof err),
                     0);
}

static void test_hours_come_back_in_time_order_whatever_the_arrival_order(void **state)
{
    (void)state;
    serve_index_t *idx = new_index(0, 0, 0, 0);
    put_out(idx, "03072", T0 + 2 * H, "c");
    put_out(idx, "03072", T0, "a");
    put_out(idx, "03072", T0 + H, "b");
    put_out(idx, "23907", T0, "other");
    got_t g = {0};
    assert_int_equal(serve_index_hourly(idx, "03072", WX_TIME_MIN, WX_TIME_MAX, 100, collect, &g), 3);
    assert_string_equal(g.v[0], "a");
    assert_string_equal(g.v[1], "b");
    assert_string_equal(g.v[2], "c");
    serve_index_destroy(idx);
}

static void test_a_second_record_for_an_hour_replaces_the_first(void **state)
{
    (void)state;
    serve_index_t *idx = new_index(0, 0, 0, 0);
    char err[128];
    put_out(idx, "03072", T0, "old");
    put_out(idx, "03072", T0, "new");
    assert_int_equal(serve_index_put_hottest(idx, T0, "h1", 2, err, sizeof err), 0);
    assert_int_equal(serve_index_put_hottest(idx, T0, "h1-corrected", 12, err, sizeof err), 0);
    got_t g = {0};
    assert_int_equal(serve_index_hourly(idx, "03072", WX_TIME_MIN, WX_TIME_MAX, 100, collect, &g), 1);
    assert_string_equal(g.v[0], "new");
    got_t h = {0};
    assert_int_equal(serve_index_hottest(idx, WX_TIME_MIN, WX_TIME_MAX, 100, collect, &h), 1);
    assert_string_equal(h.v[0], "h1-corrected");
    serve_stats_t s;
    serve_index_stats(idx, &s);
    assert_int_equal(s.hours, 1);
    assert_int_equal(s.hottest_hours, 1);
    serve_index_destroy(idx);
}

static void test_range_includes_from_and_excludes_to_and_limit_cuts(void **state)
{
    (void)state;
    serve_index_t *idx = new_index(0, 0, 0, 0);
    char name[8];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "r%d", i);
        put_out(idx, "03072", T0 + i * H, name);
    }
    got_t g = {0};
    assert_int_equal(serve_index_hourly(idx, "03072", T0 + 2 * H, T0 + 5 * H, 100, collect, &g), 3);
    assert_string_equal(g.v[0], "r2");
    assert_string_equal(g.v[2], "r4");
    got_t l = {0};
    assert_int_equal(serve_index_hourly(idx, "03072", T0, WX_TIME_MAX, 2, collect, &l), 2);
    assert_string_equal(l.v[1], "r1");
    got_t u = {0};
    assert_int_equal(serve_index_hourly(idx, "99999", WX_TIME_MIN, WX_TIME_MAX, 100, collect, &u), 0);
    got_t s = {.stop_after = 1};
    assert_int_equal(serve_index_hourly(idx, "03072", WX_TIME_MIN, WX_TIME_MAX, 100, collect, &s), 1);
    serve_index_destroy(idx);
}

static void test_retention_drops_hours_older_than_the_newest_minus_retention(void **state)
{
    (void)state;
    serve_index_t *idx = new_index(3 * H, 0, 0, 0);
    char err[128];
    put_out(idx, "03072", T0, "h0");
    put_out(idx, "04136", T0, "only-old");
    put_out(idx, "03072", T0 + H, "h1");
    assert_int_equal(serve_index_put_hottest(idx, T0, "x0", 2, err, sizeof err), 0);
    put_out(idx, "03072", T0 + 4 * H, "h4"); /* cutoff T0 + 1h */
    got_t g = {0};
    assert_int_equal(serve_index_hourly(idx, "03072", WX_TIME_MIN, WX_TIME_MAX, 100, collect, &g), 2);
    assert_string_equal(g.v[0], "h1");
    serve_stats_t s;
    serve_index_stats(idx, &s);
    assert_int_equal(s.stations, 1); /* 04136 had nothing left */
    assert_int_equal(s.hottest_hours, 0);
    assert_int_equal(s.evicted, 3);
    assert_int_equal(s.newest, T0 + 4 * H);
    /* A record older than the cutoff is dropped at once, without error. */
    put_out(idx, "03072", T0, "too-old");
    serve_index_stats(idx, &s);
    assert_int_equal(s.hours, 2);
    serve_index_destroy(idx);
}

static void test_station_limit_refuses_one_more_station_but_not_known_ones(void **state)
{
    (void)state;
    serve_index_t *idx = new_index(0, 2, 0, 0);
    char err[128] = "";
    put_out(idx, "a", T0, "1");
    put_out(idx, "b", T0, "2");
    assert_int_equal(serve_index_put_output(idx, "c", NULL, T0, "3", 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "station limit"));
    put_out(idx, "a", T0 + H, "4");
    char longkey[SERVE_STATION_MAX + 1];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    assert_int_equal(serve_index_put_output(idx, longkey, NULL, T0, "5", 1, err, sizeof err), -1);
    assert_int_equal(serve_index_put_output(idx, "a", NULL, T0, "", 0, err, sizeof err), -1);
    serve_stats_t s;
    serve_index_stats(idx, &s);
    assert_int_equal(s.stations, 2);
    assert_int_equal(s.refused, 3);
    serve_station_info_t info;
    assert_true(serve_index_station(idx, 0, &info));
    assert_string_equal(info.station, "a");
    assert_string_equal(info.name, "Name");
    assert_int_equal(info.hours, 2);
    assert_int_equal(info.first, T0);
    assert_int_equal(info.last, T0 + H);
    assert_false(serve_index_station(idx, 2, &info));
    serve_index_destroy(idx);
}

static void test_outliers_newest_first_across_stations_with_filters(void **state)
{
    (void)state;
    serve_index_t *idx = new_index(0, 0, 3, 0);
    char err[128];
    struct { const char *st; wx_time_t t; const char *reason, *json; } o[] = {
        {"a", T0 + 300, "spike", "a1"}, {"b", T0 + 600, "range", "b2"},
        {"a", T0 + 900, "missing", "a3"}, {"b", T0 + 1200, "spike", "b4"},
        {"a", T0 + 1500, "spike", "a5"}, {"a", T0 + 1800, "step", "a6"},
    };
    for (size_t i = 0; i < sizeof o / sizeof o[0]; i++)
        assert_int_equal(serve_index_put_outlier(idx, o[i].st, o[i].t, o[i].reason, o[i].json,
                                                 strlen(o[i].json), err, sizeof err), 0);
    /* max 3 per station: a1 is gone */
    got_t g = {0};
    assert_int_equal(serve_index_outliers(idx, NULL, NULL, WX_TIME_MIN, WX_TIME_MAX, 100, collect, &g), 5);
    const char *want[] = {"a6", "a5", "b4", "a3", "b2"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(g.v[i], want[i]);
    got_t sp = {0};
    assert_int_equal(serve_index_outliers(idx, NULL, "spike", WX_TIME_MIN, WX_TIME_MAX, 100, collect, &sp), 2);
    assert_string_equal(sp.v[0], "a5");
    assert_string_equal(sp.v[1], "b4");
    got_t sb = {0};
    assert_int_equal(serve_index_outliers(idx, "b", NULL, WX_TIME_MIN, T0 + 1200, 100, collect, &sb), 1);
    assert_string_equal(sb.v[0], "b2");
    got_t lim = {0};
    assert_int_equal(serve_index_outliers(idx, NULL, NULL, T0 + 1000, WX_TIME_MAX, 2, collect, &lim), 2);
    assert_string_equal(lim.v[1], "a5");
    got_t none = {0};
    assert_int_equal(serve_index_outliers(idx, "zz", NULL, WX_TIME_MIN, WX_TIME_MAX, 100, collect, &none), 0);
    serve_index_destroy(idx);
}

static void test_dead_letters_counted_by_reason_and_recent_ones_kept_in_a_ring(void **state)
{
    (void)state;
    serve_index_t *idx = new_index(0, 0, 0, 3);
    char err[128], rec[8];
    const char *reasons[] = {"late", "parse", "late", "late", NULL};
    for (int i = 0; i < 5; i++) {
        snprintf(rec, sizeof rec, "d%d", i);
        assert_int_equal(serve_index_put_dead(idx, reasons[i], rec, strlen(rec), err, sizeof err), 0);
    }
    const char *r;
    uint64_t c;
    assert_true(serve_index_dead_reason(idx, 0, &r, &c));
    assert_string_equal(r, "late");
    assert_int_equal(c, 3);
    assert_true(serve_index_dead_reason(idx, 1, &r, &c));
    assert_string_equal(r, "parse");
    assert_true(serve_index_dead_reason(idx, 2, &r, &c));
    assert_string_equal(r, "unknown");
    assert_false(serve_index_dead_reason(idx, 3, &r, &c));
    got_t g = {0};
    assert_int_equal(serve_index_dead(idx, NULL, 100, collect, &g), 3);
    assert_string_equal(g.v[0], "d4");
    assert_string_equal(g.v[2], "d2");
    got_t l = {0};
    assert_int_equal(serve_index_dead(idx, "late", 100, collect, &l), 2);
    assert_string_equal(l.v[0], "d3");
    serve_stats_t s;
    serve_index_stats(idx, &s);
    assert_int_equal(s.dead_total, 5);
    assert_int_equal(s.dead_kept, 3);
    serve_index_destroy(idx);
}

static void test_more_reasons_than_counted_go_to_other(void **state)
{
    (void)state;
    serve_index_t *idx = new_index(0, 0, 0, 0);
    char err[128], reason[16];
    for (int i = 0; i < SERVE_MAX_REASONS + 2; i++) {
        snprintf(reason, sizeof reason, "r%d", i);
        assert_int_equal(serve_index_put_dead(idx, reason, "x", 1, err, sizeof err), 0);
    }
    const char *r;
    uint64_t c;
    assert_true(serve_index_dead_reason(idx, SERVE_MAX_REASONS, &r, &c));
    assert_string_equal(r, "other");
    assert_int_equal(c, 2);
    assert_false(serve_index_dead_reason(idx, SERVE_MAX_REASONS + 1, &r, &c));
    serve_index_destroy(idx);
}

static void test_memory_is_flat_when_time_moves_on_under_retention(void **state)
{
    (void)state;
    serve_index_t *idx = new_index(24 * H, 0, 0, 0);
    char err[128];
    const char *rec = "{\"station\":\"03072\",\"mean_temp\":1.5}";
    size_t after_two_days = 0;
    for (int h = 0; h < 24 * 30; h++) {
        for (int st = 0; st < 5; st++) {
            char key[8];
            snprintf(key, sizeof key, "s%d", st);
            put_out(idx, key, T0 + h * H, rec);
            assert_int_equal(serve_index_put_outlier(idx, key, T0 + h * H + 300, "spike", rec,
                                                     strlen(rec), err, sizeof err), 0);
        }
        assert_int_equal(serve_index_put_hottest(idx, T0 + h * H, rec, strlen(rec), err, sizeof err), 0);
        if (h == 48) {
            serve_stats_t s;
            serve_index_stats(idx, &s);
            after_two_days = s.bytes;
        }
    }
    serve_stats_t s;
    serve_index_stats(idx, &s);
    assert_int_equal(s.hours, 5 * 25);
    assert_int_equal(s.hottest_hours, 25);
    assert_true(s.bytes <= after_two_days);
    serve_index_destroy(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hours_come_back_in_time_order_whatever_the_arrival_order),
        cmocka_unit_test(test_a_second_record_for_an_hour_replaces_the_first),
        cmocka_unit_test(test_range_includes_from_and_excludes_to_and_limit_cuts),
        cmocka_unit_test(test_retention_drops_hours_older_than_the_newest_minus_retention),
        cmocka_unit_test(test_station_limit_refuses_one_more_station_but_not_known_ones),
        cmocka_unit_test(test_outliers_newest_first_across_stations_with_filters),
        cmocka_unit_test(test_dead_letters_counted_by_reason_and_recent_ones_kept_in_a_ring),
        cmocka_unit_test(test_more_reasons_than_counted_go_to_other),
        cmocka_unit_test(test_memory_is_flat_when_time_moves_on_under_retention),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
