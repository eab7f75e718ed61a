/* Tests for outlier.c: the missing/range/spike/level_shift/step/stuck cascade on hand-made 5-minute series.
 * Expectations are worked out by hand in the comments; the default config is used unless a test
 * says otherwise (limit 4 °C for a spike on a quiet series: max(6 * 0.3 floor, 4)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "outlier.h"
#include "testutil.h"
#include "uscrn.h"
#include "wxbuf.h"
#include "wxser.h"

#define T0 ((wx_time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define FIVE_MIN ((wx_time_t)300)
#define SENTINEL (-9999.0)
#define SERIES_MAX 4096

/* A station's readings: times strictly increasing, ids = indexes. */
typedef struct series {
    int n;
    wx_time_t t[SERIES_MAX];
    double x[SERIES_MAX];
    bool missing[SERIES_MAX];
} series_t;

static series_t *series_new(void)
{
    series_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    return s;
}

/* Appends a reading `dt` seconds after the previous one (the first one is at T0). */
static int add_at(series_t *s, wx_time_t dt, double x, bool missing)
{
    assert_true(s->n < SERIES_MAX);
    int i = s->n++;
    s->t[i] = i == 0 ? T0 : s->t[i - 1] + dt;
    s->x[i] = x;
    s->missing[i] = missing;
    return i;
}

/* Appends a reading five minutes after the previous one. */
static int add(series_t *s, double x)
{
    return add_at(s, FIVE_MIN, x, false);
}

static void add_all(series_t *s, const double *x, int n)
{
    for (int i = 0; i < n; i++)
        add(s, x[i]);
}

/* Values with USCRN's 0.1 °C resolution, from tenths (exact, no drift when accumulating). */
static double tenths(int t)
{
    return t / 10.0;
}

/* A fixed pattern of ±0.1 °C sensor-resolution wiggles, in tenths. */
static const int WIGGLE[12] = {0, 1, 0, 0, -1, 0, 1, 1, 0, 0, -1, 0};

enum { ADVANCE_NEVER, ADVANCE_ALWAYS, ADVANCE_SOMETIMES };

static void take(const series_t *s, outlier_verdict_t *v, bool *seen, const outlier_verdict_t *o,
                 int k)
{
    for (int j = 0; j < k; j++) {
        assert_true(o[j].id < (uint64_t)s->n);
        int i = (int)o[j].id;
        if (seen[i])
            fail_msg("reading %d got two verdicts", i);
        seen[i] = true;
        assert_int_equal(o[j].time, s->t[i]);
        v[i] = o[j];
    }
}

/* Runs the series through a fresh state, flushes, and returns each reading's verdict by index
 * (caller frees). Fails if a reading gets no verdict or two, or a call returns too many. */
static outlier_verdict_t *judge(const outlier_config_t *c, const series_t *s, int advance)
{
    outlier_state_t *st = outlier_new(c);
    assert_non_null(st);
    outlier_verdict_t *v = calloc((size_t)s->n + 1, sizeof *v);
    bool *seen = calloc((size_t)s->n + 1, sizeof *seen);
    assert_non_null(v);
    assert_non_null(seen);
    uint64_t rng = 12345;
    outlier_verdict_t o[2];
    for (int i = 0; i < s->n; i++) {
        int k = outlier_push(st, (uint64_t)i, s->t[i], s->x[i], s->missing[i], o);
        assert_in_range(k, 0, 2);
        take(s, v, seen, o, k);
        wx_time_t next = i + 1 < s->n ? s->t[i + 1] : s->t[i] + 86400;
        if (advance == ADVANCE_ALWAYS) {
            k = outlier_advance(st, s->t[i], o);
            take(s, v, seen, o, k);
            k = outlier_advance(st, next - 1, o);
            take(s, v, seen, o, k);
        } else if (advance == ADVANCE_SOMETIMES) {
            rng = rng * 6364136223846793005u + 1442695040888963407u;
            if ((rng >> 60) < 6) {
                wx_time_t now = s->t[i] + (wx_time_t)((rng >> 20) % (uint64_t)(next - s->t[i]));
                k = outlier_advance(st, now, o);
                assert_in_range(k, 0, 1);
                take(s, v, seen, o, k);
            }
        }
    }
    int k = outlier_advance(st, WX_TIME_MAX, o);
    assert_in_range(k, 0, 1);
    take(s, v, seen, o, k);
    assert_int_equal(outlier_pending_time(st), WX_TIME_MAX);
    for (int i = 0; i < s->n; i++)
        if (!seen[i])
            fail_msg("reading %d got no verdict", i);
    free(seen);
    outlier_destroy(st);
    return v;
}

typedef struct flag {
    int i;
    outlier_reason_t r;
} flag_t;

/* Every reading listed gets its reason; every other one none (or missing, if it is). */
static void expect_flags(const series_t *s, const outlier_verdict_t *v, const flag_t *f, int nf)
{
    for (int i = 0; i < s->n; i++) {
        outlier_reason_t want = s->missing[i] ? OUTLIER_MISSING : OUTLIER_NONE;
        for (int j = 0; j < nf; j++)
            if (f[j].i == i)
                want = f[j].r;
        if (v[i].reason != want)
            fail_msg("reading %d (%.1f °C): got %s (expected %.2f, threshold %.2f), want %s", i,
                     s->x[i], outlier_reason_name(v[i].reason), v[i].expected, v[i].threshold,
                     outlier_reason_name(want));
    }
}

static void expect_no_flags(const outlier_config_t *c, const series_t *s)
{
    outlier_verdict_t *v = judge(c, s, ADVANCE_NEVER);
    expect_flags(s, v, NULL, 0);
    free(v);
}

static outlier_config_t defaults(void)
{
    outlier_config_t c;
    outlier_config_default(&c);
    return c;
}

/* A flat-ish night: 8 readings cooling 0.1 °C every other reading. The forecast for the next
 * reading is 4.6 + median(-0.1 x4, 0 x3) = 4.5, MAD ~0 so sigma = floor, limit = 4. */
static const double NIGHT[8] = {5.0, 4.9, 4.9, 4.8, 4.8, 4.7, 4.7, 4.6};

/* ---- missing and range ---- */

static void test_a_sentinel_is_missing_at_once_with_no_evidence(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    outlier_state_t *s = outlier_new(&c);
    outlier_verdict_t o[2];
    assert_int_equal(outlier_push(s, 7, T0, SENTINEL, true, o), 1);
    assert_int_equal(o[0].id, 7);
    assert_int_equal(o[0].time, T0);
    assert_int_equal(o[0].reason, OUTLIER_MISSING);
    assert_true(o[0].value == SENTINEL);
    assert_true(isnan(o[0].expected));
    assert_true(isnan(o[0].threshold));
    assert_int_equal(outlier_pending_time(s), WX_TIME_MAX);
    outlier_destroy(s);
}

static void test_a_nan_value_is_missing_even_when_not_marked_so(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    outlier_state_t *s = outlier_new(&c);
    outlier_verdict_t o[2];
    assert_int_equal(outlier_push(s, 1, T0, NAN, false, o), 1);
    assert_int_equal(o[0].reason, OUTLIER_MISSING);
    outlier_destroy(s);
}

static void test_readings_beyond_the_limits_are_range_with_the_limit_crossed(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    outlier_state_t *s = outlier_new(&c);
    outlier_verdict_t o[2];
    assert_int_equal(outlier_push(s, 1, T0, 61.0, false, o), 1);
    assert_int_equal(o[0].reason, OUTLIER_RANGE);
    assert_true(o[0].threshold == 60.0);
    assert_true(isnan(o[0].expected));
    assert_int_equal(outlier_push(s, 2, T0 + 300, -60.1, false, o), 1);
    assert_int_equal(o[0].reason, OUTLIER_RANGE);
    assert_true(o[0].threshold == -60.0);
    assert_int_equal(outlier_push(s, 3, T0 + 600, INFINITY, false, o), 1);
    assert_int_equal(o[0].reason, OUTLIER_RANGE);
    assert_true(o[0].threshold == 60.0);
    assert_int_equal(outlier_pending_time(s), WX_TIME_MAX);
    outlier_destroy(s);
}

static void test_the_limits_themselves_are_in_range(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    add(s, -60.0);
    add_at(s, 7200, 60.0, false); /* far apart: no step */
    expect_no_flags(&c, s);
    free(s);
}

static void test_a_range_reading_neither_ends_the_wait_nor_enters_the_history(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    outlier_state_t *st = outlier_new(&c);
    outlier_verdict_t o[2];
    assert_int_equal(outlier_push(st, 0, T0, 10.0, false, o), 0);
    assert_int_equal(outlier_push(st, 1, T0 + 300, 61.0, false, o), 1);
    assert_int_equal(o[0].id, 1);
    assert_int_equal(outlier_pending_time(st), T0);
    outlier_destroy(st);

    /* Had 61.0 entered the history, 10.1 would be a step down from it. */
    series_t *s = series_new();
    add_all(s, NIGHT, 8);
    add(s, 61.0);
    add(s, 4.6);
    add(s, 4.5);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[] = {{8, OUTLIER_RANGE}};
    expect_flags(s, v, f, 1);
    free(v);
    free(s);
}

static void test_a_missing_reading_after_the_lookahead_decides_the_waiting_one(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    outlier_state_t *s = outlier_new(&c);
    outlier_verdict_t o[2];
    assert_int_equal(outlier_push(s, 0, T0, 10.0, false, o), 0);
    assert_int_equal(outlier_push(s, 1, T0 + 300, SENTINEL, true, o), 1);
    assert_int_equal(outlier_pending_time(s), T0);
    /* At T0 + 600 no valid reading can still come within the lookahead. */
    assert_int_equal(outlier_push(s, 2, T0 + 600, SENTINEL, true, o), 2);
    assert_true((o[0].id == 0 && o[1].id == 2) || (o[0].id == 2 && o[1].id == 0));
    assert_int_equal(outlier_pending_time(s), WX_TIME_MAX);
    outlier_destroy(s);
}

/* ---- spike ---- */

static void test_a_12_degree_spike_at_night_is_a_spike_and_the_next_reading_is_not(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    add_all(s, NIGHT, 8);
    add(s, 16.6); /* 8: 12.1 above the forecast 4.5 */
    add(s, 4.6);  /* 9: back: within 6.05 of 4.5 */
    add(s, 4.5);
    add(s, 4.5);
    add(s, 4.4);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[] = {{8, OUTLIER_SPIKE}};
    expect_flags(s, v, f, 1);
    assert_float_equal(v[8].expected, 4.5, 1e-9);
    assert_float_equal(v[8].threshold, 4.0, 1e-12);
    assert_true(v[8].value == 16.6);
    assert_true(isnan(v[9].expected) && isnan(v[9].threshold));
    free(v);
    free(s);
}

static void test_a_spike_verdict_comes_with_the_next_valid_reading(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    outlier_state_t *s = outlier_new(&c);
    outlier_verdict_t o[2];
    for (int i = 0; i < 8; i++)
        assert_int_equal(outlier_push(s, (uint64_t)i, T0 + i * FIVE_MIN, NIGHT[i], false, o),
                         i == 0 ? 0 : 1);
    assert_int_equal(outlier_push(s, 8, T0 + 8 * FIVE_MIN, 16.6, false, o), 1);
    assert_int_equal(o[0].id, 7);
    assert_int_equal(outlier_pending_time(s), T0 + 8 * FIVE_MIN);
    assert_int_equal(outlier_push(s, 9, T0 + 9 * FIVE_MIN, 4.6, false, o), 1);
    assert_int_equal(o[0].id, 8);
    assert_int_equal(o[0].reason, OUTLIER_SPIKE);
    outlier_destroy(s);
}

static void test_a_downward_spike_on_a_warming_morning_is_judged_against_the_trend(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    /* +0.5 every reading: forecast 5.5 + 0.5 = 6.0. */
    for (int i = 0; i < 8; i++)
        add(s, 2.0 + 0.5 * i);
    add(s, -4.0); /* 8: 10 below 6.0 */
    add(s, 6.5);  /* 9: 0.5 from 6.0 */
    add(s, 7.0);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[] = {{8, OUTLIER_SPIKE}};
    expect_flags(s, v, f, 1);
    assert_float_equal(v[8].expected, 6.0, 1e-12);
    assert_float_equal(v[8].threshold, 4.0, 1e-12);
    free(v);
    free(s);
}

static void test_the_spike_test_waits_for_spike_min_history_accepted_readings(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    /* Three readings of history: no forecast, so the +11.9 jump and the return are steps. */
    series_t *s = series_new();
    add(s, 5.0);
    add(s, 5.0);
    add(s, 5.1);
    add(s, 17.0);
    add(s, 5.1);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f3[] = {{3, OUTLIER_STEP}, {4, OUTLIER_STEP}};
    expect_flags(s, v, f3, 2);
    free(v);
    free(s);

    /* Four: forecast 5.1 + median(0, 0.1, 0) = 5.1. */
    s = series_new();
    add(s, 5.0);
    add(s, 5.0);
    add(s, 5.1);
    add(s, 5.1);
    add(s, 17.1);
    add(s, 5.1);
    v = judge(&c, s, ADVANCE_NEVER);
    flag_t f4[] = {{4, OUTLIER_SPIKE}};
    expect_flags(s, v, f4, 1);
    assert_float_equal(v[4].expected, 5.1, 1e-9);
    free(v);
    free(s);
}

static void test_a_two_reading_12_degree_excursion_is_a_level_shift_of_both(void **state)
{
    (void)state;
    /* NIGHT's differences: -0.1 x4, 0 x3, median -0.1; forecast for 8: 4.6 - 0.1 = 4.5.
     * 16.6 deviates 12.1 >= 5.5 in one interval; the two intervals before add
     * (4.6 - 4.7 + 0.1) + (4.7 - 4.7 + 0.1) = 0.1 and the one after (16.4 - 16.6 + 0.1) = -0.1:
     * 0.0 <= max(1.5, 12.1 / 4). A level shift of offset 12.1, jump 12.0. 16.4 less 12.1 is 4.3,
     * nearer the true forecast 4.4 than 16.4 is: still shifted. 4.6 is nearer 4.2 (4.3 - 0.1)
     * than 4.6 - 12.1: back, not flagged. */
    outlier_config_t c = defaults();
    series_t *s = series_new();
    add_all(s, NIGHT, 8);
    add(s, 16.6); /* 8 */
    add(s, 16.4); /* 9 */
    add(s, 4.6);  /* 10: back */
    add(s, 4.5);
    add(s, 4.5);
    add(s, 4.4);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[] = {{8, OUTLIER_LEVEL_SHIFT}, {9, OUTLIER_LEVEL_SHIFT}};
    expect_flags(s, v, f, 2);
    assert_float_equal(v[8].offset, 12.1, 1e-9);
    assert_float_equal(v[8].jump, 12.0, 1e-9);
    assert_float_equal(v[8].expected, 4.5, 1e-9);
    assert_float_equal(v[8].threshold, 5.5, 1e-12);
    assert_float_equal(v[9].offset, 12.1, 1e-9);
    assert_float_equal(v[9].expected, 4.3, 1e-9);
    assert_true(isnan(v[10].offset) && isnan(v[10].jump));
    free(v);
    free(s);
}

static void test_a_two_reading_excursion_smaller_than_step_max_is_a_level_shift(void **state)
{
    (void)state;
    /* Once a blind spot: 10.6 deviates 6.1 from 4.5 in one interval, 10.4 holds. */
    outlier_config_t c = defaults();
    series_t *s = series_new();
    add_all(s, NIGHT, 8);
    add(s, 10.6);
    add(s, 10.4);
    add(s, 4.6);
    add(s, 4.5);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[] = {{8, OUTLIER_LEVEL_SHIFT}, {9, OUTLIER_LEVEL_SHIFT}};
    expect_flags(s, v, f, 2);
    free(v);
    free(s);
}

static void test_a_missing_or_range_reading_between_spike_and_return_is_skipped(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    add_all(s, NIGHT, 8);
    add(s, 16.6);                          /* 8 */
    add_at(s, FIVE_MIN, SENTINEL, true);   /* 9 */
    add(s, 4.6);                           /* 10: 600 s after the spike: still in time */
    add(s, 4.5);
    add(s, 16.4);                          /* 12 */
    add(s, 99.0);                          /* 13 */
    add(s, 4.5);                           /* 14 */
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[] = {{8, OUTLIER_SPIKE}, {12, OUTLIER_SPIKE}, {13, OUTLIER_RANGE}};
    expect_flags(s, v, f, 3);
    free(v);
    free(s);
}

static void test_a_return_exactly_lookahead_later_confirms_a_spike_later_does_not(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    add_all(s, NIGHT, 8);
    add(s, 16.6);
    add_at(s, 600, 4.6, false);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_ALWAYS);
    assert_int_equal(v[8].reason, OUTLIER_SPIKE);
    free(v);
    free(s);

    /* 601 s: the spike is decided without a successor. 10.6 is 6 above 4.6: not a step either
     * (a known blind spot: a spike right before a gap is not confirmed). */
    s = series_new();
    add_all(s, NIGHT, 8);
    add(s, 10.6);
    add_at(s, 601, 4.6, false);
    add(s, 4.5);
    expect_no_flags(&c, s);
    free(s);
}

static void test_a_sharp_drop_that_rebounds_more_than_halfway_is_a_spike(void **state)
{
    (void)state;
    /* A known false positive when it is weather: 0.0 is 4.5 below the forecast 4.5, and 2.3
     * is back within 2.25 of it. */
    outlier_config_t c = defaults();
    series_t *s = series_new();
    add_all(s, NIGHT, 8);
    add(s, 0.0);
    add(s, 2.3);
    add(s, 2.4);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[] = {{8, OUTLIER_SPIKE}};
    expect_flags(s, v, f, 1);
    free(v);
    free(s);
}

/* ---- step ---- */

static void test_a_lasting_10_degree_sensor_step_is_a_level_shift_until_its_return(void **state)
{
    (void)state;
    /* WIGGLE's differences have median 0; 20.0 deviates 10.0 from 10.0; the intervals around it
     * add (10.0 - 9.9) + (9.9 - 10.0) = 0 before and 0.1 after. Every reading at 20 is flagged;
     * the first one back at 10 ends the shift unflagged. */
    outlier_config_t c = defaults();
    series_t *s = series_new();
    for (int i = 0; i < 12; i++)
        add(s, tenths(100 + WIGGLE[i % 12]));
    for (int i = 0; i < 24; i++)
        add(s, tenths(200 + WIGGLE[i % 12])); /* 12..35 */
    for (int i = 0; i < 12; i++)
        add(s, tenths(100 + WIGGLE[i % 12])); /* 36.. */
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[24];
    for (int i = 0; i < 24; i++)
        f[i] = (flag_t){12 + i, OUTLIER_LEVEL_SHIFT};
    expect_flags(s, v, f, 24);
    for (int i = 12; i < 36; i++) {
        assert_float_equal(v[i].offset, 10.0, 1e-9);
        assert_float_equal(v[i].jump, 10.0, 1e-9);
        assert_float_equal(v[i].expected, s->x[i] - 10.0, 1e-9);
    }
    free(v);
    free(s);
}

static void test_during_a_shift_the_spike_test_goes_on_on_the_true_series(void **state)
{
    (void)state;
    /* 20.0 starts a shift of 10.0 (20.1 after it: calm). 32.0 less the offset is 22.0, 11.9
     * from the true forecast 10.1 (> 4) and 20.1 - 10 = 10.1 comes back: a spike. The rest of
     * the shift is flagged as such. */
    outlier_config_t c = defaults();
    series_t *s = series_new();
    for (int i = 0; i < 12; i++)
        add(s, tenths(100 + WIGGLE[i]));
    add(s, 20.0); /* 12 */
    add(s, 20.1);
    add(s, 32.0); /* 14 */
    add(s, 20.1); /* 15 */
    add(s, 20.0);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[] = {{12, OUTLIER_LEVEL_SHIFT}, {13, OUTLIER_LEVEL_SHIFT}, {14, OUTLIER_SPIKE},
                  {15, OUTLIER_LEVEL_SHIFT}, {16, OUTLIER_LEVEL_SHIFT}};
    expect_flags(s, v, f, 5);
    free(v);
    free(s);
}

static void test_a_jump_of_exactly_step_max_is_not_a_step(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    add(s, 1.0);
    add(s, 9.0);
    add(s, 9.0);
    expect_no_flags(&c, s);
    free(s);
}

/* ---- stuck ---- */

static void test_three_hours_of_one_value_are_stuck_from_then_until_it_changes(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    add(s, 7.0);
    add(s, 7.1);
    add(s, 7.2);
    for (int i = 0; i < 49; i++)
        add(s, 7.3); /* 3..51; the run starts at 3, so 39 is 3 h into it */
    add(s, 7.4);     /* 52 */
    add(s, 7.3);
    add(s, 7.4);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[13];
    for (int i = 0; i < 13; i++)
        f[i] = (flag_t){39 + i, OUTLIER_STUCK};
    expect_flags(s, v, f, 13);
    assert_float_equal(v[39].expected, 7.3, 1e-12);
    assert_float_equal(v[39].threshold, 10800.0, 1e-12);
    free(v);
    free(s);
}

static void test_a_gap_longer_than_history_gap_breaks_a_run_and_one_as_long_does_not(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    for (int i = 0; i < 25; i++)
        add(s, 7.3); /* T0 .. T0 + 2 h */
    add_at(s, 3601, 7.3, false);
    for (int i = 0; i < 24; i++)
        add(s, 7.3); /* another 2 h: never 3 h since the run restarted */
    expect_no_flags(&c, s);
    free(s);

    s = series_new();
    for (int i = 0; i < 25; i++)
        add(s, 7.3);
    add_at(s, 3600, 7.3, false); /* 25: T0 + 3 h: stuck */
    add(s, 7.3);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[] = {{25, OUTLIER_STUCK}, {26, OUTLIER_STUCK}};
    expect_flags(s, v, f, 2);
    free(v);
    free(s);
}

static void test_a_calm_night_wiggling_between_two_tenths_is_never_stuck(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    /* 41 hours hovering at 2.0/2.1, with plateaus up to 2 h 55 min long. */
    static const int plateau[] = {35, 3, 20, 1, 35, 12, 7, 2, 5, 4}; /* alternating */
    for (int k = 0; k < 4; k++)
        for (size_t p = 0; p < sizeof plateau / sizeof plateau[0]; p++)
            for (int i = 0; i < plateau[p]; i++)
                add(s, p % 2 ? 2.1 : 2.0);
    assert_true(s->n > 120);
    expect_no_flags(&c, s);
    free(s);
}

/* ---- legitimate weather ---- */

static void test_sunrise_warming_is_not_flagged(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    int t = 20;
    for (int i = 0; i < 12; i++)
        add(s, tenths(t + WIGGLE[i]));
    /* Two hours of +0.3..+1.0 °C per 5 minutes, irregular. */
    static const int inc[24] = {3, 5, 4, 7, 6, 9, 8, 10, 7, 10, 9, 6,
                                10, 8, 5, 9, 10, 7, 4, 8, 6, 5, 3, 4};
    for (int i = 0; i < 24; i++)
        add(s, tenths(t += inc[i]));
    for (int i = 0; i < 12; i++)
        add(s, tenths(t += 2));
    expect_no_flags(&c, s);
    free(s);
}

static void test_a_cold_front_of_minus_8_degrees_in_30_minutes_is_not_flagged(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    for (int i = 0; i < 12; i++)
        add(s, tenths(150 + WIGGLE[i]));
    /* -4.5 in one reading is a spike candidate (4.5 > 4) but the next reading keeps falling. */
    static const int drop[6] = {-10, -45, -15, -5, -3, -2};
    int t = 150;
    for (int i = 0; i < 6; i++)
        add(s, tenths(t += drop[i]));
    for (int i = 0; i < 24; i++)
        add(s, tenths(t + WIGGLE[i % 12]));
    expect_no_flags(&c, s);
    free(s);
}

static void test_a_storm_outflow_of_minus_6_degrees_in_15_minutes_is_not_flagged(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    int t = 310;
    for (int i = 0; i < 24; i++)
        add(s, tenths((t += i % 2) + WIGGLE[i % 12]));
    static const int drop[3] = {-15, -41, -4};
    for (int i = 0; i < 3; i++)
        add(s, tenths(t += drop[i]));
    for (int i = 0; i < 12; i++)
        add(s, tenths(t += 2));
    for (int i = 0; i < 12; i++)
        add(s, tenths(t + WIGGLE[i]));
    expect_no_flags(&c, s);
    free(s);
}

static void test_a_calm_clear_night_of_slow_cooling_is_not_flagged(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    /* Ten hours from 12.0 to 4.5 °C: 1 °C/h, then 0.5 °C/h towards dawn; 0.1 °C wiggles. */
    for (int i = 0; i < 120; i++) {
        int cooling = i < 60 ? i * 10 / 12 : 50 + (i - 60) * 5 / 12; /* tenths */
        add(s, tenths(120 - cooling + WIGGLE[i % 12]));
    }
    expect_no_flags(&c, s);
    free(s);
}

static void test_night_time_mixing_bumps_of_2_degrees_for_10_minutes_are_not_flagged(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    int t = 60;
    for (int i = 0; i < 96; i++) {
        if (i % 6 == 0)
            t--; /* 0.1 °C per half hour */
        int bump = (i % 24 == 13 || i % 24 == 14) ? 20 : (i % 36 == 30 ? 25 : 0);
        add(s, tenths(t + bump + WIGGLE[i % 12]));
    }
    expect_no_flags(&c, s);
    free(s);
}

/* ---- gaps ---- */

static void test_after_a_two_hour_gap_a_different_level_is_neither_step_nor_spike(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = series_new();
    for (int i = 0; i < 12; i++)
        add(s, tenths(100 + WIGGLE[i]));
    add_at(s, 7200, 25.0, false);
    for (int i = 1; i < 12; i++)
        add(s, tenths(250 + WIGGLE[i]));
    expect_no_flags(&c, s);
    free(s);
}

static void test_after_a_half_hour_gap_a_new_level_is_not_a_step(void **state)
{
    (void)state;
    /* The history survives (1800 <= 3600), 19.0 is a candidate, but it stays: no spike; and
     * the step test does not compare readings 30 minutes apart. */
    outlier_config_t c = defaults();
    series_t *s = series_new();
    for (int i = 0; i < 12; i++)
        add(s, tenths(100 + WIGGLE[i]));
    add_at(s, 1800, 19.0, false);
    for (int i = 1; i < 12; i++)
        add(s, tenths(190 + WIGGLE[i]));
    expect_no_flags(&c, s);
    free(s);
}

static void test_a_reading_after_a_gap_beyond_lookahead_decides_the_waiting_one_alone(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    outlier_state_t *s = outlier_new(&c);
    outlier_verdict_t o[2];
    for (int i = 0; i < 8; i++)
        outlier_push(s, (uint64_t)i, T0 + i * FIVE_MIN, NIGHT[i], false, o);
    wx_time_t ts = T0 + 8 * FIVE_MIN;
    assert_int_equal(outlier_push(s, 8, ts, 16.6, false, o), 1);
    /* 15 minutes later: 4.6 is not the spike's successor; 16.6 is 12 above 4.6 5 min before. */
    assert_int_equal(outlier_push(s, 9, ts + 900, 4.6, false, o), 1);
    assert_int_equal(o[0].id, 8);
    assert_int_equal(o[0].reason, OUTLIER_STEP);
    assert_int_equal(outlier_pending_time(s), ts + 900);
    outlier_destroy(s);
}

/* ---- pending and advance ---- */

static void test_advance_decides_a_pending_reading_only_once_its_lookahead_has_passed(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    outlier_state_t *s = outlier_new(&c);
    outlier_verdict_t o[2];
    assert_int_equal(outlier_pending_time(s), WX_TIME_MAX);
    assert_int_equal(outlier_advance(s, T0, o), 0);
    assert_int_equal(outlier_push(s, 5, T0, 10.0, false, o), 0);
    assert_int_equal(outlier_pending_time(s), T0);
    assert_int_equal(outlier_advance(s, T0 + 599, o), 0);
    assert_int_equal(outlier_pending_time(s), T0);
    assert_int_equal(outlier_advance(s, T0 + 600, o), 1);
    assert_int_equal(o[0].id, 5);
    assert_int_equal(o[0].time, T0);
    assert_int_equal(o[0].reason, OUTLIER_NONE);
    assert_true(isnan(o[0].expected) && isnan(o[0].threshold));
    assert_int_equal(outlier_pending_time(s), WX_TIME_MAX);
    assert_int_equal(outlier_advance(s, WX_TIME_MAX, o), 0);
    assert_int_equal(outlier_push(s, 6, T0 + 900, 10.1, false, o), 0);
    assert_int_equal(outlier_advance(s, WX_TIME_MAX, o), 1);
    assert_int_equal(o[0].id, 6);
    outlier_destroy(s);
}

static void test_a_zero_lookahead_gives_every_verdict_at_once_and_finds_no_spikes(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    c.lookahead_sec = 0;
    outlier_state_t *st = outlier_new(&c);
    outlier_verdict_t o[2];
    assert_int_equal(outlier_push(st, 0, T0, 10.0, false, o), 0);
    assert_int_equal(outlier_advance(st, T0, o), 1);
    outlier_destroy(st);

    series_t *s = series_new();
    add_all(s, NIGHT, 8);
    add(s, 10.6);
    add(s, 4.6);
    expect_no_flags(&c, s);
    free(s);
}

/* ---- level shifts ---- */

/* A calm night: 10.0 °C with WIGGLE (its first differences 1,-1,0,-1,1,1,0,-1,0,-1,1,0 tenths:
 * median 0, MAD 0.1 -> sigma 0.148, floored to 0.3), `before` readings, then `len` readings
 * shifted by `offset` tenths, then `after` readings back on the true series. */
static series_t *shifted_night(int before, int len, int offset, int after)
{
    series_t *s = series_new();
    for (int i = 0; i < before + len + after; i++) {
        int shift = i >= before && i < before + len ? offset : 0;
        add(s, tenths(100 + WIGGLE[i % 12] + shift));
    }
    return s;
}

static void expect_shift(const series_t *s, const outlier_verdict_t *v, int from, int to)
{
    for (int i = 0; i < s->n; i++) {
        outlier_reason_t want = s->missing[i]       ? OUTLIER_MISSING
                                : i >= from && i < to ? OUTLIER_LEVEL_SHIFT
                                                      : OUTLIER_NONE;
        if (v[i].reason != want)
            fail_msg("reading %d (%.1f °C): got %s, want %s", i, s->x[i],
                     outlier_reason_name(v[i].reason), outlier_reason_name(want));
    }
}

static void test_a_6_5_degree_shift_held_an_hour_is_flagged_entirely(void **state)
{
    (void)state;
    /* Reading 12 is 16.5 (10.0 + 6.5); the forecast is 10.0 + 0 = 10.0: deviation 6.5 >= 5.5,
     * and > 6 * 0.3. The two intervals before add (10.0 - 9.9) + (9.9 - 10.0) = 0, the one after
     * 16.6 - 16.5 = 0.1: |0.1| <= max(1.5, 6.5 / 4). Offset 6.5, jump 6.5. The 12 shifted
     * readings (an hour) are flagged; reading 24 (10.0) is nearer the true forecast than 16.5:
     * the shift ends there, unflagged. */
    outlier_config_t c = defaults();
    series_t *s = shifted_night(12, 12, 65, 24);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    expect_shift(s, v, 12, 24);
    for (int i = 12; i < 24; i++) {
        assert_float_equal(v[i].offset, 6.5, 1e-9);
        assert_float_equal(v[i].jump, 6.5, 1e-9);
        assert_float_equal(v[i].expected, s->x[i] - 6.5, 1e-9);
        assert_float_equal(v[i].threshold, 5.5, 1e-12);
    }
    free(v);
    /* Downwards, and on a warming morning (+0.3 °C per reading, median difference 0.3): the
     * forecast follows the trend, so the deviation is the offset, -6.5, not -6.2. */
    free(s);
    s = series_new();
    for (int i = 0; i < 48; i++)
        add(s, tenths(50 + 3 * i + WIGGLE[i % 12] - (i >= 12 && i < 24 ? 65 : 0)));
    v = judge(&c, s, ADVANCE_NEVER);
    expect_shift(s, v, 12, 24);
    assert_float_equal(v[12].offset, -6.5, 1e-9);
    assert_float_equal(v[12].jump, -6.2, 1e-9);
    free(v);
    free(s);
}

static void test_a_shift_as_the_morning_warming_starts_is_judged_against_the_local_trend(
    void **state)
{
    (void)state;
    /* The calm night (median difference 0 over the hour, limit 5.5), then the sun: +0.6, +0.7,
     * and +0.6 per reading from then on. The sensor drops 6.5 from reading 14 for an hour:
     * 11.3 -> 5.4, a jump of -5.9. Against the hour's trend (0) the neighbours add
     * 0.6 + 0.7 + 0.6 = 1.9 > max(1.5, 5.9 / 4): not calm. Against their own median r = 0.6
     * the jump deviates -6.5 and they lie within 0.1 of r (<= 1.0): a shift of -6.5. */
    outlier_config_t c = defaults();
    series_t *s = series_new();
    int t = 100;
    for (int i = 0; i < 12; i++)
        add(s, tenths(100 + WIGGLE[i]));
    add(s, tenths(t += 6));
    add(s, tenths(t += 7)); /* 13 */
    for (int i = 14; i < 40; i++) {
        t += 6;
        add(s, tenths(t - (i < 26 ? 65 : 0)));
    }
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    expect_shift(s, v, 14, 26);
    assert_float_equal(v[14].offset, -6.5, 1e-9);
    assert_float_equal(v[14].jump, -5.9, 1e-9);
    free(v);
    free(s);
}

static void test_a_jump_across_a_missing_reading_is_no_shift_nor_is_its_return(void **state)
{
    (void)state;
    /* Reading 12 is missing; 13 is 7.0 higher, ten minutes after 11: no shift can start across
     * the gap, and 7 < 8 is no step. The jump is remembered, so its mirror at 25 (-7.0) is its
     * return, not a new shift. A known blind spot: the hour at +7 is not flagged. */
    outlier_config_t c = defaults();
    series_t *s = series_new();
    for (int i = 0; i < 40; i++) {
        bool missing = i == 12;
        int shift = i >= 13 && i < 25 ? 70 : 0;
        add_at(s, FIVE_MIN, missing ? SENTINEL : tenths(100 + WIGGLE[i % 12] + shift), missing);
    }
    expect_no_flags(&c, s);
    free(s);
}

static void test_a_jump_spread_over_two_intervals_is_no_level_shift(void **state)
{
    (void)state;
    /* +3.5 then +3.0 and it stays: no interval carries 5.5; nothing is flagged. */
    outlier_config_t c = defaults();
    series_t *s = series_new();
    int t = 100;
    for (int i = 0; i < 12; i++)
        add(s, tenths(t + WIGGLE[i]));
    add(s, tenths(t += 35));
    add(s, tenths(t += 30));
    for (int i = 0; i < 24; i++)
        add(s, tenths(t + WIGGLE[i % 12]));
    expect_no_flags(&c, s);
    free(s);
}

static void test_a_front_of_minus_8_degrees_in_three_steps_is_not_flagged(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    /* -2.5, -3.5, -2.0: no step reaches 5.5. */
    static const int steps[2][3] = {{-25, -35, -20},
                                    /* -1.5, -5.5, -1.0: one step of 5.5 (deviation -5.5 from
                                     * the forecast 13.5 + 0), but the interval before added -1.5
                                     * and the one after -1.0: |-2.5| > max(1.5, 5.5 / 4). Nor a
                                     * spike: 7.0 does not come back to within 2.75 of 13.5. */
                                    {-15, -55, -10}};
    for (int k = 0; k < 2; k++) {
        series_t *s = series_new();
        int t = 150;
        for (int i = 0; i < 12; i++)
            add(s, tenths(t + WIGGLE[i]));
        for (int i = 0; i < 3; i++)
            add(s, tenths(t += steps[k][i]));
        for (int i = 0; i < 36; i++)
            add(s, tenths(t + WIGGLE[i % 12]));
        expect_no_flags(&c, s);
        free(s);
    }
}

static void test_a_foehn_of_plus_5_degrees_in_10_minutes_is_not_flagged(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    /* +2.0 then +3.0; and a sharper one, +4.5 then +0.5 (4.5 < 5.5); then warm for 3 hours. */
    static const int steps[2][2] = {{20, 30}, {45, 5}};
    for (int k = 0; k < 2; k++) {
        series_t *s = series_new();
        int t = 50;
        for (int i = 0; i < 12; i++)
            add(s, tenths(t + WIGGLE[i]));
        for (int i = 0; i < 2; i++)
            add(s, tenths(t += steps[k][i]));
        for (int i = 0; i < 36; i++)
            add(s, tenths(t + WIGGLE[i % 12]));
        expect_no_flags(&c, s);
        free(s);
    }
}

static void test_a_9_degree_jump_inside_a_falling_front_is_a_step_not_a_shift(void **state)
{
    (void)state;
    /* -2.0, -9.0, -1.5: the neighbours add -3.5 > max(1.5, 9 / 4): no shift; 9 > 8: a step. */
    outlier_config_t c = defaults();
    series_t *s = series_new();
    int t = 150;
    for (int i = 0; i < 12; i++)
        add(s, tenths(t + WIGGLE[i]));
    add(s, tenths(t -= 20));
    add(s, tenths(t -= 90)); /* 13 */
    add(s, tenths(t -= 15));
    for (int i = 0; i < 12; i++)
        add(s, tenths(t + WIGGLE[i]));
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[] = {{13, OUTLIER_STEP}};
    expect_flags(s, v, f, 1);
    free(v);
    free(s);
}

static void test_a_shift_across_midnight_at_the_year_end(void **state)
{
    (void)state;
    /* The same night as the 6.5 °C case, moved so that the jump is the reading of
     * 2026-12-31T23:35Z and the shift runs past 2027-01-01T00:00Z: the verdicts do not move. */
    outlier_config_t c = defaults();
    series_t *s = shifted_night(12, 12, 65, 24);
    const wx_time_t jump = (wx_time_t)1798760100; /* 2026-12-31T23:35:00Z */
    const wx_time_t d = jump - s->t[12];
    for (int i = 0; i < s->n; i++)
        s->t[i] += d;
    assert_true(s->t[17] == (wx_time_t)1798761600); /* 2027-01-01T00:00:00Z, shifted */
    outlier_verdict_t *v = judge(&c, s, ADVANCE_SOMETIMES);
    expect_shift(s, v, 12, 24);
    assert_float_equal(v[23].offset, 6.5, 1e-9);
    free(v);
    free(s);
}

static void test_a_shift_with_missing_readings_inside_is_flagged_around_them(void **state)
{
    (void)state;
    /* Shifted by +7.0 from reading 12; readings 16 and 17 are sentinels, 20 is absent (ten
     * minutes from 19 to 21), and the last shifted reading (26) is followed by a sentinel, so
     * the return (28) comes ten minutes after it. Every valid shifted reading is flagged, the
     * return is not. */
    outlier_config_t c = defaults();
    series_t *s = series_new();
    wx_time_t dt = FIVE_MIN;
    for (int i = 0; i < 40; i++) {
        if (i == 20) {
            dt = 2 * FIVE_MIN;
            continue;
        }
        int shift = i >= 12 && i <= 26 ? 70 : 0;
        bool missing = i == 16 || i == 17 || i == 27;
        add_at(s, dt, missing ? SENTINEL : tenths(100 + WIGGLE[i % 12] + shift), missing);
        dt = FIVE_MIN;
    }
    /* Index in the series: readings after 20 sit one lower. */
    outlier_verdict_t *v = judge(&c, s, ADVANCE_ALWAYS);
    expect_shift(s, v, 12, 26); /* 12..25 here are readings 12..26 */
    assert_int_equal(v[16].reason, OUTLIER_MISSING);
    assert_int_equal(v[26].reason, OUTLIER_MISSING);
    assert_int_equal(v[27].reason, OUTLIER_NONE);
    free(v);
    free(s);
}

static void test_weather_during_a_shift_neither_ends_it_nor_hides_its_return(void **state)
{
    (void)state;
    /* +7.0 from reading 12 to 35 on the calm night. (a) An outflow under it: the true series
     * drops -1.7 at 20 and -3.4 at 21 and stays there. 21 reads 3.6 above the true forecast
     * (tolerance max(2.0, 7 / 4)) and the last three differences have median ~0: still
     * shifted. (b) A front under the end of it: -1.1, -1.8, -2.3, -2.2 at 30..33, then -2.1 at
     * 34..36: the return at 36 (-3.7) lands 1.1 from the forecast by the hour's median
     * difference (-1.0 by then: -1.6 - 1.0) and 0.1 from the one by the local trend (-2.2):
     * back. The front's steps during the shift are not returns (7 away). */
    outlier_config_t c = defaults();
    static const int drops[2][40] = {
        {[20] = -17, [21] = -34},
        {[30] = -11, [31] = -18, [32] = -23, [33] = -22, [34] = -21, [35] = -21, [36] = -21}};
    for (int k = 0; k < 2; k++) {
        series_t *s = series_new();
        int t = 100;
        for (int i = 0; i < 48; i++) {
            t += i < 40 ? drops[k][i] : 0;
            add(s, tenths(t + WIGGLE[i % 12] + (i >= 12 && i < 36 ? 70 : 0)));
        }
        outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
        expect_shift(s, v, 12, 36);
        free(v);
        free(s);
    }
}

static void test_a_shift_that_never_returns_is_taken_as_the_level_after_6_hours(void **state)
{
    (void)state;
    /* +7.0 from reading 12 for 8 hours: readings 12..83 (6 h) are flagged; 84, 6 h after the
     * jump, is accepted and the history starts over from it. The late return (-7.0 at 108)
     * mirrors the shift given up: it is no new shift, and 7 < 8 is no step. */
    outlier_config_t c = defaults();
    series_t *s = shifted_night(12, 96, 70, 24);
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    expect_shift(s, v, 12, 84);
    free(v);
    free(s);
}

static void test_a_stuck_sensor_coming_back_is_neither_step_nor_shift(void **state)
{
    (void)state;
    /* 10.0 from reading 11 (WIGGLE[11] = 0) to 59: stuck from 11 + 36 = 47 on. Then 19.0 and
     * wiggles: the end of the stuck run, not a jump of the true series. */
    outlier_config_t c = defaults();
    series_t *s = series_new();
    for (int i = 0; i < 12; i++)
        add(s, tenths(100 + WIGGLE[i]));
    for (int i = 12; i < 60; i++)
        add(s, 10.0);
    for (int i = 0; i < 12; i++)
        add(s, tenths(190 + WIGGLE[i]));
    outlier_verdict_t *v = judge(&c, s, ADVANCE_NEVER);
    flag_t f[13];
    for (int i = 0; i < 13; i++)
        f[i] = (flag_t){47 + i, OUTLIER_STUCK};
    expect_flags(s, v, f, 13);
    free(v);
    free(s);
}

static void same_verdict(const outlier_verdict_t *a, const outlier_verdict_t *b)
{
    assert_true(a->id == b->id && a->time == b->time && a->reason == b->reason);
    assert_memory_equal(&a->expected, &b->expected, sizeof a->expected);
    assert_memory_equal(&a->threshold, &b->threshold, sizeof a->threshold);
    assert_memory_equal(&a->offset, &b->offset, sizeof a->offset);
    assert_memory_equal(&a->jump, &b->jump, sizeof a->jump);
}

static void test_a_snapshot_in_the_middle_of_a_shift_restores_the_same_verdicts(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = shifted_night(12, 24, -80, 12);
    outlier_verdict_t *want = judge(&c, s, ADVANCE_NEVER);
    expect_shift(s, want, 12, 36);
    /* Save after every reading from before the jump to after the return; restore into a fresh
     * state and go on. */
    for (int k = 10; k <= 38; k++) {
        outlier_state_t *a = outlier_new(&c);
        outlier_verdict_t *got = calloc((size_t)s->n, sizeof *got);
        assert_non_null(got);
        outlier_verdict_t o[2];
        int n;
        for (int i = 0; i < k; i++) {
            n = outlier_push(a, (uint64_t)i, s->t[i], s->x[i], false, o);
            for (int j = 0; j < n; j++)
                got[o[j].id] = o[j];
        }
        wxbuf_t buf = WXBUF_INIT;
        outlier_save(a, &buf);
        outlier_destroy(a);
        outlier_state_t *b = outlier_new(&c);
        wxser_reader_t in;
        wxser_reader_init(&in, buf.data, buf.len);
        assert_int_equal(outlier_load(b, &in), 0);
        assert_int_equal(in.left, 0);
        for (int i = k; i < s->n; i++) {
            n = outlier_push(b, (uint64_t)i, s->t[i], s->x[i], false, o);
            for (int j = 0; j < n; j++)
                got[o[j].id] = o[j];
        }
        n = outlier_advance(b, WX_TIME_MAX, o);
        for (int j = 0; j < n; j++)
            got[o[j].id] = o[j];
        for (int i = 0; i < s->n; i++)
            same_verdict(&got[i], &want[i]);
        wxbuf_free(&buf);
        outlier_destroy(b);
        free(got);
    }
    free(want);
    free(s);
}

/* The real sample lines (tests/data, a copy of ../shared/data) are all clean: nothing is
 * flagged but the one sentinel (missing). */
static void test_the_real_sample_lines_are_not_flagged(void **state)
{
    (void)state;
    size_t len;
    char *data = test_read_data("uscrn-subhourly-boulder-2026.txt", &len);
    outlier_config_t c = defaults();
    outlier_state_t *st = outlier_new(&c);
    outlier_verdict_t o[2];
    int lines = 0, verdicts = 0;
    for (char *p = data, *nl; p < data + len; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(data + len - p));
        if (!nl)
            nl = data + len;
        uscrn_reading_t r;
        char err[256];
        assert_int_equal(uscrn_parse_line(p, (size_t)(nl - p), &r, err, sizeof err), 0);
        int n = outlier_push(st, (uint64_t)lines++, r.utc, r.air_temperature,
                             uscrn_is_missing(&r, USCRN_AIR_TEMPERATURE), o);
        for (int j = 0; j < n; j++, verdicts++)
            if (o[j].reason != OUTLIER_NONE &&
                !(o[j].reason == OUTLIER_MISSING && o[j].value == SENTINEL))
                fail_msg("sample line %d flagged %s", (int)o[j].id + 1,
                         outlier_reason_name(o[j].reason));
    }
    int n = outlier_advance(st, WX_TIME_MAX, o);
    for (int j = 0; j < n; j++, verdicts++)
        assert_int_equal(o[j].reason, OUTLIER_NONE);
    assert_int_equal(lines, 16);
    assert_int_equal(verdicts, lines);
    outlier_destroy(st);
    free(data);
}

/* A few days of weather with every kind of fault and gap, from a fixed seed. */
static series_t *messy_days(void)
{
    series_t *s = series_new();
    uint64_t rng = 42;
#define RNG() (rng = rng * 6364136223846793005u + 1442695040888963407u, (rng >> 33))
    static const wx_time_t gaps[] = {600, 601, 900, 3600, 3601, 5400, 7200};
    int level_shift = 0, shift_left = 0, next_stuck = 500;
    while (s->n < SERIES_MAX - 64) {
        int i = s->n;
        wx_time_t dt = FIVE_MIN;
        if (RNG() % 100 == 0)
            dt = gaps[RNG() % (sizeof gaps / sizeof gaps[0])];
        double hour = (double)((i * 300) % 86400) / 3600.0;
        int base = (int)lround(100.0 - 80.0 * cos((hour - 3.0) / 24.0 * 2 * 3.14159265358979));
        int tenth = base + (int)(RNG() % 3) - 1 + level_shift;
        if (shift_left > 0 && --shift_left == 0)
            level_shift = 0;
        uint64_t r = RNG() % 1000;
        if (i >= next_stuck) {
            next_stuck += 1000;
            /* four hours of a stuck sensor */
            for (int k = 0; k < 48; k++)
                add_at(s, k == 0 ? dt : FIVE_MIN, tenths(tenth), false);
            continue;
        }
        if (r < 30) {
            add_at(s, dt, SENTINEL, true);
        } else if (r < 35) {
            add_at(s, dt, 70.0 + (double)(RNG() % 100), false);
        } else if (r < 50) {
            int size = 50 + (int)(RNG() % 120);
            add_at(s, dt, tenths(tenth + (RNG() % 2 ? size : -size)), false);
        } else if (r < 55) {
            add_at(s, dt, tenths(tenth + 120), false);
            add(s, tenths(tenth + 118));
        } else if (r < 58 && shift_left == 0) {
            level_shift = RNG() % 2 ? 100 : -100;
            shift_left = 24;
            add_at(s, dt, tenths(tenth + level_shift), false);
        } else {
            add_at(s, dt, tenths(tenth), false);
        }
    }
#undef RNG
    return s;
}

static bool same_number(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static void test_verdicts_do_not_depend_on_when_advance_is_called(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    series_t *s = messy_days();
    outlier_verdict_t *never = judge(&c, s, ADVANCE_NEVER);
    outlier_verdict_t *always = judge(&c, s, ADVANCE_ALWAYS);
    outlier_verdict_t *sometimes = judge(&c, s, ADVANCE_SOMETIMES);
    int count[OUTLIER_REASON_COUNT] = {0};
    for (int i = 0; i < s->n; i++) {
        const outlier_verdict_t *a = &never[i], *b = &always[i], *d = &sometimes[i];
        if (a->reason != b->reason || a->reason != d->reason)
            fail_msg("reading %d: %s without advance, %s / %s with", i,
                     outlier_reason_name(a->reason), outlier_reason_name(b->reason),
                     outlier_reason_name(d->reason));
        assert_true(same_number(a->expected, b->expected) &&
                    same_number(a->expected, d->expected));
        assert_true(same_number(a->threshold, b->threshold) &&
                    same_number(a->threshold, d->threshold));
        count[a->reason]++;
    }
    /* The sequence exercises every test. */
    for (int r = OUTLIER_NONE; r < OUTLIER_REASON_COUNT; r++)
        if (count[r] == 0)
            fail_msg("no %s verdict in the sequence", outlier_reason_name((outlier_reason_t)r));
    free(never);
    free(always);
    free(sometimes);
    free(s);
}

/* ---- config ---- */

static void expect_config_error(const outlier_config_t *c, const char *setting)
{
    char err[160] = "";
    assert_int_equal(outlier_config_check(c, err, sizeof err), -1);
    size_t n = strlen(setting);
    if (strncmp(err, setting, n) != 0 || err[n] != ' ')
        fail_msg("message \"%s\" does not name %s", err, setting);
    assert_null(outlier_new(c));
}

static void test_the_default_config_is_valid(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    char err[64] = "untouched";
    assert_int_equal(outlier_config_check(&c, err, sizeof err), 0);
    assert_true(c.range_lo == -60.0 && c.range_hi == 60.0);
    assert_int_equal(c.spike_window, 12);
    assert_int_equal(c.spike_min_history, 4);
    assert_true(c.spike_k == 6.0 && c.spike_sigma_floor == 0.3 && c.spike_min_delta == 4.0);
    assert_int_equal(c.lookahead_sec, 600);
    assert_true(c.step_max == 8.0);
    assert_int_equal(c.step_max_gap_sec, 600);
    assert_int_equal(c.stuck_sec, 10800);
    assert_int_equal(c.history_gap_sec, 3600);
}

static void test_each_bad_setting_is_named_in_the_error(void **state)
{
    (void)state;
    outlier_config_t c;
#define BAD(field, value, name)                                                                    \
    do {                                                                                           \
        c = defaults();                                                                            \
        c.field = value;                                                                           \
        expect_config_error(&c, name);                                                             \
    } while (0)
    BAD(range_lo, NAN, "range_lo");
    BAD(range_hi, INFINITY, "range_hi");
    BAD(range_lo, 60.0, "range_lo");
    BAD(spike_window, 0, "spike_window");
    BAD(spike_window, OUTLIER_WINDOW_MAX + 1, "spike_window");
    BAD(spike_min_history, 2, "spike_min_history");
    BAD(spike_min_history, 13, "spike_min_history");
    BAD(spike_k, 0.0, "spike_k");
    BAD(spike_k, NAN, "spike_k");
    BAD(spike_sigma_floor, 0.0, "spike_sigma_floor");
    BAD(spike_min_delta, -1.0, "spike_min_delta");
    BAD(lookahead_sec, -1, "lookahead_sec");
    BAD(lookahead_sec, 3601, "lookahead_sec");
    BAD(step_max, 0.0, "step_max");
    BAD(step_max_gap_sec, -1, "step_max_gap_sec");
    BAD(stuck_sec, 0, "stuck_sec");
    BAD(history_gap_sec, 0, "history_gap_sec");
#undef BAD
    c = defaults();
    c.range_lo = 10.0;
    c.range_hi = 10.0;
    char err[160];
    outlier_config_check(&c, err, sizeof err);
    assert_non_null(strstr(err, "range_lo must be < range_hi"));
    /* No buffer, or a tiny one: still an error, no overflow. */
    assert_int_equal(outlier_config_check(&c, NULL, 0), -1);
    char tiny[4];
    assert_int_equal(outlier_config_check(&c, tiny, sizeof tiny), -1);
    assert_string_equal(tiny, "ran");
}

static void test_the_widest_window_is_accepted_and_works(void **state)
{
    (void)state;
    outlier_config_t c = defaults();
    c.spike_window = OUTLIER_WINDOW_MAX;
    c.spike_min_history = OUTLIER_WINDOW_MAX;
    series_t *s = messy_days();
    outlier_verdict_t *v = judge(&c, s, ADVANCE_ALWAYS);
    free(v);
    free(s);
}

static void test_reason_names_are_the_published_ones(void **state)
{
    (void)state;
    assert_string_equal(outlier_reason_name(OUTLIER_NONE), "none");
    assert_string_equal(outlier_reason_name(OUTLIER_MISSING), "missing");
    assert_string_equal(outlier_reason_name(OUTLIER_RANGE), "range");
    assert_string_equal(outlier_reason_name(OUTLIER_SPIKE), "spike");
    assert_string_equal(outlier_reason_name(OUTLIER_STEP), "step");
    assert_string_equal(outlier_reason_name(OUTLIER_STUCK), "stuck");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_sentinel_is_missing_at_once_with_no_evidence),
        cmocka_unit_test(test_a_nan_value_is_missing_even_when_not_marked_so),
        cmocka_unit_test(test_readings_beyond_the_limits_are_range_with_the_limit_crossed),
        cmocka_unit_test(test_the_limits_themselves_are_in_range),
        cmocka_unit_test(test_a_range_reading_neither_ends_the_wait_nor_enters_the_history),
        cmocka_unit_test(test_a_missing_reading_after_the_lookahead_decides_the_waiting_one),
        cmocka_unit_test(test_a_12_degree_spike_at_night_is_a_spike_and_the_next_reading_is_not),
        cmocka_unit_test(test_a_spike_verdict_comes_with_the_next_valid_reading),
        cmocka_unit_test(test_a_downward_spike_on_a_warming_morning_is_judged_against_the_trend),
        cmocka_unit_test(test_the_spike_test_waits_for_spike_min_history_accepted_readings),
        cmocka_unit_test(test_a_two_reading_12_degree_excursion_is_a_level_shift_of_both),
        cmocka_unit_test(test_a_two_reading_excursion_smaller_than_step_max_is_a_level_shift),
        cmocka_unit_test(test_a_missing_or_range_reading_between_spike_and_return_is_skipped),
        cmocka_unit_test(test_a_return_exactly_lookahead_later_confirms_a_spike_later_does_not),
        cmocka_unit_test(test_a_sharp_drop_that_rebounds_more_than_halfway_is_a_spike),
        cmocka_unit_test(test_a_lasting_10_degree_sensor_step_is_a_level_shift_until_its_return),
        cmocka_unit_test(test_during_a_shift_the_spike_test_goes_on_on_the_true_series),
        cmocka_unit_test(test_a_jump_of_exactly_step_max_is_not_a_step),
        cmocka_unit_test(test_a_6_5_degree_shift_held_an_hour_is_flagged_entirely),
        cmocka_unit_test(test_a_shift_as_the_morning_warming_starts_is_judged_against_the_local_trend),
        cmocka_unit_test(test_a_jump_across_a_missing_reading_is_no_shift_nor_is_its_return),
        cmocka_unit_test(test_a_jump_spread_over_two_intervals_is_no_level_shift),
        cmocka_unit_test(test_a_front_of_minus_8_degrees_in_three_steps_is_not_flagged),
        cmocka_unit_test(test_a_foehn_of_plus_5_degrees_in_10_minutes_is_not_flagged),
        cmocka_unit_test(test_a_9_degree_jump_inside_a_falling_front_is_a_step_not_a_shift),
        cmocka_unit_test(test_a_shift_across_midnight_at_the_year_end),
        cmocka_unit_test(test_a_shift_with_missing_readings_inside_is_flagged_around_them),
        cmocka_unit_test(test_weather_during_a_shift_neither_ends_it_nor_hides_its_return),
        cmocka_unit_test(test_a_shift_that_never_returns_is_taken_as_the_level_after_6_hours),
        cmocka_unit_test(test_a_stuck_sensor_coming_back_is_neither_step_nor_shift),
        cmocka_unit_test(test_a_snapshot_in_the_middle_of_a_shift_restores_the_same_verdicts),
        cmocka_unit_test(test_the_real_sample_lines_are_not_flagged),
        cmocka_unit_test(test_three_hours_of_one_value_are_stuck_from_then_until_it_changes),
        cmocka_unit_test(test_a_gap_longer_than_history_gap_breaks_a_run_and_one_as_long_does_not),
        cmocka_unit_test(test_a_calm_night_wiggling_between_two_tenths_is_never_stuck),
        cmocka_unit_test(test_sunrise_warming_is_not_flagged),
        cmocka_unit_test(test_a_cold_front_of_minus_8_degrees_in_30_minutes_is_not_flagged),
        cmocka_unit_test(test_a_storm_outflow_of_minus_6_degrees_in_15_minutes_is_not_flagged),
        cmocka_unit_test(test_a_calm_clear_night_of_slow_cooling_is_not_flagged),
        cmocka_unit_test(test_night_time_mixing_bumps_of_2_degrees_for_10_minutes_are_not_flagged),
        cmocka_unit_test(test_after_a_two_hour_gap_a_different_level_is_neither_step_nor_spike),
        cmocka_unit_test(test_after_a_half_hour_gap_a_new_level_is_not_a_step),
        cmocka_unit_test(test_a_reading_after_a_gap_beyond_lookahead_decides_the_waiting_one_alone),
        cmocka_unit_test(test_advance_decides_a_pending_reading_only_once_its_lookahead_has_passed),
        cmocka_unit_test(test_a_zero_lookahead_gives_every_verdict_at_once_and_finds_no_spikes),
        cmocka_unit_test(test_verdicts_do_not_depend_on_when_advance_is_called),
        cmocka_unit_test(test_the_default_config_is_valid),
        cmocka_unit_test(test_each_bad_setting_is_named_in_the_error),
        cmocka_unit_test(test_the_widest_window_is_accepted_and_works),
        cmocka_unit_test(test_reason_names_are_the_published_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
