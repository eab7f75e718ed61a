/* Tests for batch.c: hand-computed results, duplicates, and the property that the output does
 * not depend on the order of the input (within a station or across stations). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "batch.h"
#include "testutil.h"


static void test_two_stations_one_hour_hand_computed(void **state)
{
    (void)state;
    wx_time_t t0;
    assert_true(wx_time_from_date_hhmm(20250701, 1900, &t0)); /* LST 13:00 in Texas */
    uscrn_reading_t rs[24];
    for (int i = 0; i < 12; i++) {
        rs[i] = test_reading(23907, -360, t0 + (i + 1) * 300, 30.0 + (i % 2));  /* mean 30.5, max 31 */
        rs[12 + i] = test_reading(3072, -360, t0 + (i + 1) * 300, 29.0 + (i == 5 ? 3.0 : 0.0));
    }
    /* Bronte: mean (11*29 + 32)/12 = 29.25, max 32.0 — 3 °C above is not a spike. */
    test_lines_t out = test_batch_lines(rs, 24, false);
    assert_int_equal(test_lines_count(&out, "Output "), 2);
    assert_int_equal(test_lines_count(&out, "MaxTemp "), 1);
    assert_int_equal(test_lines_count(&out, "Outliers "), 0);
    const char *maxtemp = NULL, *austin = NULL;
    for (size_t i = 0; i < out.n; i++) {
        if (!strncmp(out.v[i], "MaxTemp ", 8))
            maxtemp = out.v[i];
        if (strstr(out.v[i], "\"station\":23907,"))
            austin = out.v[i];
    }
    assert_non_null(austin);
    assert_non_null(strstr(austin, "\"lst_date\":\"2025-07-01\",\"lst_hour\":\"13\",\"mean_temp\":30.5,"
                                    "\"count\":12,\"expected\":12,\"min_temp\":30.0,\"max_temp\":31.0"));
    assert_non_null(strstr(austin, "\"window_start\":\"2025-07-01T19:00:00Z\""));
    assert_non_null(strstr(austin, "\"wban\":\"23907\",\"station_name\":\"TX Austin 33 NW\""));
    assert_non_null(maxtemp);
    assert_non_null(strstr(maxtemp, "{\"station\":3072,\"lst_date\":\"2025-07-01\","
                                     "\"lst_hour\":\"13\",\"max_temp\":32.0,"
                                     "\"mean_station\":23907,\"mean_temp\":30.5,"
                                     "\"source_file\":null,"));
    assert_non_null(strstr(maxtemp, "\"stations\":[3072,23907],\"complete\":2,"
                                     "\"wban\":\"03072\",\"mean_wban\":\"23907\","));
    test_lines_free(&out);
}

static void test_second_reading_for_the_same_time_is_a_duplicate(void **state)
{
    (void)state;
    wx_time_t t0;
    assert_true(wx_time_from_date_hhmm(20250701, 1900, &t0));
    uscrn_reading_t rs[3] = {test_reading(23907, -360, t0 + 300, 20.0),
                             test_reading(23907, -360, t0 + 300, 20.0),
                             test_reading(23907, -360, t0 + 600, 20.0)};
    test_lines_t out = test_batch_lines(rs, 3, false);
    assert_int_equal(out.duplicates, 1);
    assert_int_equal(out.dead, 1);
    assert_int_equal(test_lines_count(&out, "Output "), 1);
    for (size_t i = 0; i < out.n; i++)
        if (!strncmp(out.v[i], "Output ", 7))
            assert_non_null(strstr(out.v[i], "\"count\":2,"));
    test_lines_free(&out);
}

static void test_reading_contradicting_the_catalogue_offset_is_refused(void **state)
{
    (void)state;
    wx_config_t cfg;
    wx_config_default(&cfg);
    batch_t *b = batch_new(&cfg);
    uscrn_reading_t r = test_reading(23907, -300, 1750000200, 20.0); /* Austin is -360 */
    char err[256];
    assert_int_equal(batch_add(b, &r, 0, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "23907"));
    batch_destroy(b);
}

static void test_results_name_the_file_of_the_reading_they_report(void **state)
{
    (void)state;
    wx_time_t t0;
    assert_true(wx_time_from_date_hhmm(20250701, 1900, &t0)); /* LST 13:00 in Texas */
    wx_config_t cfg;
    wx_config_default(&cfg);
    batch_t *b = batch_new(&cfg);
    assert_non_null(b);
    char err[256];
    for (int i = 1; i <= 12; i++) {
        /* 77.7 out of range at 13:10; the hour's max 21.0 first at 13:20 (a.txt), again at
         * 13:40 (b.txt): a tie goes to the first in time. */
        double v = i == 2 ? 77.7 : (i == 4 || i == 8) ? 21.0 : 20.0;
        uscrn_reading_t r = test_reading(23907, -360, t0 + i * 300, v);
        assert_int_equal(batch_add(b, &r, batch_source(b, i <= 6 ? "a.txt" : "b.txt"),
                                   (uint64_t)i, err, sizeof err), 0);
    }
    test_lines_t out = {0};
    wx_sink_t sink = test_lines_sink(&out);
    assert_int_equal(batch_run(b, &sink), 12);
    batch_destroy(b);
    const char *outlier = NULL, *maxtemp = NULL;
    for (size_t i = 0; i < out.n; i++) {
        if (!strncmp(out.v[i], "Outliers ", 9))
            outlier = out.v[i];
        if (!strncmp(out.v[i], "MaxTemp ", 8))
            maxtemp = out.v[i];
    }
    assert_non_null(outlier);
    assert_non_null(strstr(outlier, "{\"station\":23907,\"lst_date\":\"2025-07-01\","
                                     "\"lst_time\":\"13:10\",\"temp\":77.7,"
                                     "\"source_file\":\"a.txt\",\"reason\":\"range\","));
    assert_non_null(strstr(outlier, "\"wban\":\"23907\""));
    assert_non_null(maxtemp);
    assert_non_null(strstr(maxtemp, "\"max_temp\":21.0,"));
    assert_non_null(strstr(maxtemp, "\"source_file\":\"a.txt\","));
    test_lines_free(&out);
}

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

static void test_output_does_not_depend_on_input_order(void **state)
{
    (void)state;
    static uscrn_reading_t rs[3 * 5 * 288];
    size_t n = test_make_readings(rs, 3 * 5 * 288, 5, 42);
    test_lines_t ref = test_batch_lines(rs, n, true);
    assert_true(test_lines_count(&ref, "Output ") >= 3 * 5 * 24);
    assert_true(test_lines_count(&ref, "MaxTemp ") >= 5 * 24);
    assert_true(test_lines_count(&ref, "Outliers ") > 20);

    static uscrn_reading_t shuffled[3 * 5 * 288];
    for (int round_ = 0; round_ < 20; round_++) {
        memcpy(shuffled, rs, n * sizeof *rs);
        rng_state = 1000 + (uint64_t)round_;
        if (round_ == 0) {
            /* Reversed: every station backwards, stations in reverse. */
            for (size_t i = 0; i < n; i++)
                shuffled[i] = rs[n - 1 - i];
        } else if (round_ == 1) {
            /* Round-robin interleaving of the stations, as three producers would. */
            size_t per = n / 3;
            for (size_t i = 0; i < per; i++)
                for (size_t s = 0; s < 3; s++)
                    shuffled[i * 3 + s] = rs[s * per + i];
        } else {
            for (size_t i = n - 1; i > 0; i--) {
                size_t j = rnd() % (i + 1);
                uscrn_reading_t tmp = shuffled[i];
                shuffled[i] = shuffled[j];
                shuffled[j] = tmp;
            }
        }
        test_lines_t got = test_batch_lines(shuffled, n, true);
        test_lines_assert_same(&ref, &got);
        test_lines_free(&got);
    }
    test_lines_free(&ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_stations_one_hour_hand_computed),
        cmocka_unit_test(test_second_reading_for_the_same_time_is_a_duplicate),
        cmocka_unit_test(test_reading_contradicting_the_catalogue_offset_is_refused),
        cmocka_unit_test(test_results_name_the_file_of_the_reading_they_report),
        cmocka_unit_test(test_output_does_not_depend_on_input_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
