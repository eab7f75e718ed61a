/* Tests for synth.c: determinism, the shape of a station-year (counts, spacing, stamps), that
 * every reading survives the line format, the climate (monthly means, the diurnal cycle), gaps,
 * and the injected faults with their labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "station.h"
#include "synth.h"
#include "uscrn.h"

#define PI 3.14159265358979323846
#define AUSTIN 23907
#define BRONTE 3072
#define SPOKANE 4136
#define BOULDER 94075

/* A whole generated range, for the tests to look at. */
typedef struct run {
    uscrn_reading_t *r;
    synth_label_t *lab;
    size_t n;
    synth_event_t *ev;
    size_t n_ev;
} run_t;

static run_t generate(int32_t wban, wx_time_t first, int64_t count, uint64_t seed, bool anomalies)
{
    const station_info_t *st = station_lookup(wban);
    assert_non_null(st);
    const synth_params_t p = {st, first, count, seed, anomalies};
    char err[200] = "";
    synth_t *g = synth_new(&p, err, sizeof err);
    if (!g)
        fail_msg("synth_new: %s", err);
    run_t run = {calloc((size_t)count, sizeof(uscrn_reading_t)),
                 calloc((size_t)count, sizeof(synth_label_t)), 0, NULL, 0};
    assert_non_null(run.r);
    assert_non_null(run.lab);
    while (synth_next(g, &run.r[run.n], &run.lab[run.n])) {
        assert_true(run.n < (size_t)count);
        run.n++;
    }
    assert_int_equal(synth_next(g, &run.r[0], NULL), 0); /* stays finished */
    run.n_ev = synth_event_count(g);
    run.ev = calloc(run.n_ev + 1, sizeof *run.ev);
    assert_non_null(run.ev);
    for (size_t i = 0; i < run.n_ev; i++)
        run.ev[i] = *synth_event_at(g, i);
    synth_destroy(g);
    return run;
}

static run_t generate_year(int32_t wban, int year, uint64_t seed, bool anomalies)
{
    wx_time_t first;
    int64_t count;
    assert_int_equal(synth_year_range(year, 0, &first, &count), 0);
    return generate(wban, first, count, seed, anomalies);
}

static void run_free(run_t *run)
{
    free(run->r);
    free(run->lab);
    free(run->ev);
}

static wx_time_t at(int32_t date, int32_t hhmm)
{
    wx_time_t t;
    assert_true(wx_time_from_date_hhmm(date, hhmm, &t));
    return t;
}

static void format(const uscrn_reading_t *r, char *buf)
{
    assert_int_equal(uscrn_format_line(r, buf, USCRN_LINE_LEN + 1), USCRN_LINE_LEN);
}

/* ---- determinism ------------------------------------------------------------------------ */

static void test_same_params_and_seed_give_byte_identical_lines(void **state)
{
    (void)state;
    wx_time_t first;
    int64_t count;
    assert_int_equal(synth_year_range(2025, 20, &first, &count), 0);
    run_t a = generate(AUSTIN, first, count, 42, true);
    run_t b = generate(AUSTIN, first, count, 42, true);
    assert_int_equal(a.n, b.n);
    char la[USCRN_LINE_LEN + 1], lb[USCRN_LINE_LEN + 1];
    for (size_t i = 0; i < a.n; i++) {
        format(&a.r[i], la);
        format(&b.r[i], lb);
        assert_string_equal(la, lb);
    }
    assert_int_equal(a.n_ev, b.n_ev);
    assert_memory_equal(a.ev, b.ev, a.n_ev * sizeof *a.ev);
    run_free(&a);
    run_free(&b);
}

static void test_another_seed_gives_other_weather(void **state)
{
    (void)state;
    wx_time_t first;
    int64_t count;
    assert_int_equal(synth_year_range(2025, 5, &first, &count), 0);
    run_t a = generate(AUSTIN, first, count, 1, false);
    run_t b = generate(AUSTIN, first, count, 2, false);
    size_t same = 0;
    for (size_t i = 0; i < a.n; i++)
        same += a.r[i].air_temperature == b.r[i].air_temperature;
    assert_true(same < a.n / 4);
    run_free(&a);
    run_free(&b);
}

/* Two stations from one seed: their day-to-day anomalies are independent draws, so the
 * correlation of daily means (seasonal cycle removed) is near zero. */
static void test_stations_draw_independent_streams_from_one_seed(void **state)
{
    (void)state;
    run_t a = generate_year(AUSTIN, 2025, 7, false);
    run_t b = generate_year(BRONTE, 2025, 7, false);
    double da[365] = {0}, db[365] = {0};
    int na[365] = {0}, nb[365] = {0};
    for (size_t i = 0; i < a.n; i++) {
        const size_t d = i / 288;
        if (!uscrn_is_missing(&a.r[i], USCRN_AIR_TEMPERATURE)) {
            da[d] += a.r[i].air_temperature;
            na[d]++;
        }
        if (!uscrn_is_missing(&b.r[i], USCRN_AIR_TEMPERATURE)) {
            db[d] += b.r[i].air_temperature;
            nb[d]++;
        }
    }
    /* Anomalies from a 31-day running mean, then their correlation. */
    double sxy = 0, sxx = 0, syy = 0;
    for (int d = 15; d < 350; d++) {
        double ma = 0, mb = 0;
        for (int k = d - 15; k <= d + 15; k++) {
            ma += na[k] ? da[k] / na[k] : 0;
            mb += nb[k] ? db[k] / nb[k] : 0;
        }
        if (!na[d] || !nb[d])
            continue;
        const double x = da[d] / na[d] - ma / 31, y = db[d] / nb[d] - mb / 31;
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
    }
    const double corr = sxy / sqrt(sxx * syy);
    assert_true(fabs(corr) < 0.4); /* one stream for both would give ~0.9 */
    run_free(&a);
    run_free(&b);
}

/* The weather at an instant does not depend on where the range starts: a range starting ten
 * days into the year repeats the whole year's readings from then on. */
static void test_weather_does_not_depend_on_where_the_range_starts(void **state)
{
    (void)state;
    wx_time_t first;
    int64_t count;
    assert_int_equal(synth_year_range(2025, 40, &first, &count), 0);
    run_t whole = generate(SPOKANE, first, count, 3, false);
    run_t later = generate(SPOKANE, first + 10 * WX_DAY, count - 10 * 288, 3, false);
    size_t compared = 0, equal = 0;
    for (size_t i = 0; i < later.n; i++) {
        const size_t j = i + 10 * 288;
        assert_true(later.r[i].utc == whole.r[j].utc);
        if (later.lab[i].row != SYNTH_ROW_NORMAL || whole.lab[j].row != SYNTH_ROW_NORMAL)
            continue;
        compared++;
        equal += later.r[i].air_temperature == whole.r[j].air_temperature;
    }
    assert_true(compared > 8000);
    assert_true(equal >= compared - compared / 1000);
    run_free(&whole);
    run_free(&later);
}

/* ---- the shape of a year ---------------------------------------------------------------- */

static void test_a_station_year_has_105120_readings_and_a_leap_year_105408(void **state)
{
    (void)state;
    wx_time_t first;
    int64_t count;
    assert_int_equal(synth_year_range(2025, 0, &first, &count), 0);
    assert_int_equal(count, 105120);
    assert_true(first == at(20250101, 5));
    assert_int_equal(synth_year_range(2024, 0, &first, &count), 0);
    assert_int_equal(count, 105408);
    assert_int_equal(synth_year_range(2024, 366, &first, &count), 0);
    assert_int_equal(synth_year_range(2025, 366, &first, &count), -1);
    assert_int_equal(synth_year_range(1899, 0, &first, &count), -1);

    run_t run = generate_year(BRONTE, 2024, 1, false);
    assert_int_equal(run.n, 105408);
    assert_int_equal(run.r[0].utc_date, 20240101);
    assert_int_equal(run.r[0].utc_time, 5);
    assert_int_equal(run.r[run.n - 1].utc_date, 20250101);
    assert_int_equal(run.r[run.n - 1].utc_time, 0);
    run_free(&run);
}

static void test_readings_are_five_minutes_apart_without_duplicates(void **state)
{
    (void)state;
    run_t run = generate_year(SPOKANE, 2025, 1, true);
    assert_int_equal(run.n, 105120);
    for (size_t i = 1; i < run.n; i++)
        assert_true(run.r[i].utc - run.r[i - 1].utc == 300);
    run_free(&run);
}

static void test_lst_is_utc_plus_the_station_offset(void **state)
{
    (void)state;
    const int32_t wbans[] = {AUSTIN, SPOKANE, BOULDER};
    for (size_t s = 0; s < 3; s++) {
        wx_time_t first;
        int64_t count;
        assert_int_equal(synth_year_range(2025, 3, &first, &count), 0);
        run_t run = generate(wbans[s], first, count, 1, false);
        const station_info_t *st = station_lookup(wbans[s]);
        for (size_t i = 0; i < run.n; i++) {
            assert_int_equal(run.r[i].lst_offset_min, st->lst_offset_min);
            wx_time_t lst;
            assert_true(wx_time_from_date_hhmm(run.r[i].lst_date, run.r[i].lst_time, &lst));
            assert_true(lst == run.r[i].utc + st->lst_offset_min * 60);
        }
        /* The first reading of the year is still the previous year in LST. */
        assert_int_equal(run.r[0].lst_date, 20241231);
        run_free(&run);
    }
}

static void test_every_line_parses_back_to_the_same_values(void **state)
{
    (void)state;
    run_t run = generate_year(BOULDER, 2025, 5, true);
    char line[USCRN_LINE_LEN + 1], again[USCRN_LINE_LEN + 1], err[200];
    for (size_t i = 0; i < run.n; i++) {
        const uscrn_reading_t *a = &run.r[i];
        format(a, line);
        uscrn_reading_t b;
        if (uscrn_parse_line(line, strlen(line), &b, err, sizeof err) != 0)
            fail_msg("line %zu does not parse: %s\n%s", i, err, line);
        assert_int_equal(b.wbanno, a->wbanno);
        assert_int_equal(b.utc_date, a->utc_date);
        assert_int_equal(b.utc_time, a->utc_time);
        assert_int_equal(b.lst_date, a->lst_date);
        assert_int_equal(b.lst_time, a->lst_time);
        assert_true(b.utc == a->utc);
        assert_int_equal(b.missing, a->missing);
        assert_true(b.air_temperature == a->air_temperature);
        assert_true(b.precipitation == a->precipitation);
        assert_true(b.surface_temperature == a->surface_temperature);
        assert_true(b.soil_moisture_5 == a->soil_moisture_5);
        assert_true(b.soil_temperature_5 == a->soil_temperature_5);
        assert_true(b.wind_1_5 == a->wind_1_5);
        assert_true(b.crx_vn == a->crx_vn);
        assert_int_equal(b.solar_radiation, a->solar_radiation);
        assert_int_equal(b.relative_humidity, a->relative_humidity);
        assert_int_equal(b.wetness, a->wetness);
        assert_int_equal(b.st_type, a->st_type);
        format(&b, again);
        assert_string_equal(line, again);
        assert_null(strstr(line, "-0.0 ")); /* NOAA never writes a negative zero */
    }
    run_free(&run);
}

static void test_coordinates_version_and_flags_are_the_stations(void **state)
{
    (void)state;
    run_t run = generate_year(AUSTIN, 2025, 1, false);
    const station_info_t *st = station_lookup(AUSTIN);
    size_t normal = 0;
    for (size_t i = 0; i < run.n; i++) {
        const uscrn_reading_t *r = &run.r[i];
        assert_int_equal(r->wbanno, AUSTIN);
        assert_true(fabs(r->latitude - st->latitude) < 0.006);
        assert_true(fabs(r->longitude - st->longitude) < 0.006);
        if (run.lab[i].row != SYNTH_ROW_NORMAL)
            continue;
        normal++;
        assert_true(r->crx_vn == 2.623);
        assert_int_equal(r->st_type, 'C');
        assert_int_equal(r->sr_flag | r->st_flag | r->rh_flag | r->wet_flag | r->wind_flag, 0);
        assert_int_equal(r->missing, 0); /* Austin reports soil: nothing missing */
    }
    assert_true(normal > 100000);
    run_free(&run);
}

/* ---- climate ---------------------------------------------------------------------------- */

/* Monthly means (LST months) against the table's sinusoid: within 6.5 °C every month and
 * 2.5 °C on average, within 1.5 °C over the year, and July at least 10 °C warmer than January. */
static void check_monthly_means(int32_t wban, uint64_t seed)
{
    run_t run = generate_year(wban, 2025, seed, false);
    const synth_climate_t *c = synth_climate_lookup(wban);
    assert_non_null(c);
    double sum[13] = {0}, all = 0;
    long n[13] = {0}, nall = 0;
    for (size_t i = 0; i < run.n; i++) {
        if (uscrn_is_missing(&run.r[i], USCRN_AIR_TEMPERATURE))
            continue;
        const int m = (int)(run.r[i].lst_date / 100 % 100);
        if (run.r[i].lst_date / 10000 != 2025)
            continue;
        sum[m] += run.r[i].air_temperature;
        n[m]++;
        all += run.r[i].air_temperature;
        nall++;
    }
    static const double mid_doy[13] = {0, 15.5, 45, 74.5, 105, 135.5, 166, 196.5, 227.5, 258,
                                       288.5, 319, 349.5};
    double dev_sum = 0;
    for (int m = 1; m <= 12; m++) {
        assert_true(n[m] > 7000);
        const double mean = sum[m] / (double)n[m];
        const double want = c->t_mean + c->t_amp * cos(2 * PI * (mid_doy[m] - 199.5) / 365.25);
        dev_sum += fabs(mean - want);
        /* A month's synoptic weather moves its mean by ~2 °C (sigma); 40 station-years drawn
         * while tuning stayed within 5.3 °C. */
        if (fabs(mean - want) > 6.5)
            fail_msg("station %d month %d: mean %.2f, climate %.2f", (int)wban, m, mean, want);
    }
    assert_true(dev_sum / 12 < 2.5);
    assert_true(fabs(all / (double)nall - c->t_mean) < 1.5);
    assert_true(sum[7] / (double)n[7] - sum[1] / (double)n[1] > 10.0);
    run_free(&run);
}

static void test_monthly_means_follow_each_stations_climate(void **state)
{
    (void)state;
    for (size_t i = 0; i < synth_climate_count(); i++)
        check_monthly_means(synth_climate_at(i)->wban, 1);
    check_monthly_means(AUSTIN, 99);
}

static void test_austin_is_warmer_than_spokane_and_boulder_is_coldest(void **state)
{
    (void)state;
    const int32_t order[] = {AUSTIN, SPOKANE, BOULDER};
    double mean[3];
    for (int s = 0; s < 3; s++) {
        run_t run = generate_year(order[s], 2025, 11, false);
        double sum = 0;
        long n = 0;
        for (size_t i = 0; i < run.n; i++)
            if (!uscrn_is_missing(&run.r[i], USCRN_AIR_TEMPERATURE)) {
                sum += run.r[i].air_temperature;
                n++;
            }
        mean[s] = sum / (double)n;
        run_free(&run);
    }
    assert_true(mean[0] > mean[1] + 5);
    assert_true(mean[1] > mean[2] + 3);
}

/* Daily maximum mid-afternoon, minimum around sunrise (LST), on most days; Spokane's diurnal
 * range is much larger in summer than in winter. */
static void test_the_diurnal_cycle_peaks_in_the_afternoon_and_bottoms_near_sunrise(void **state)
{
    (void)state;
    const int32_t wbans[] = {AUSTIN, SPOKANE};
    for (int s = 0; s < 2; s++) {
        run_t run = generate_year(wbans[s], 2025, 1, false);
        int days = 0, max_pm = 0, min_dawn = 0;
        double dtr_jan = 0, dtr_jul = 0;
        int n_jan = 0, n_jul = 0;
        /* LST days: readings with LST 00:05..24:00 of one date; start at the first 00:05. */
        size_t i0 = 0;
        while (run.r[i0].lst_time != 5)
            i0++;
        for (size_t d = i0; d + 288 <= run.n; d += 288) {
            double hi = -1e9, lo = 1e9;
            int hi_h = -1, lo_h = -1, valid = 0;
            for (size_t i = d; i < d + 288; i++) {
                if (uscrn_is_missing(&run.r[i], USCRN_AIR_TEMPERATURE))
                    continue;
                valid++;
                const double t = run.r[i].air_temperature;
                if (t > hi) {
                    hi = t;
                    hi_h = run.r[i].lst_time / 100;
                }
                if (t < lo) {
                    lo = t;
                    lo_h = run.r[i].lst_time / 100;
                }
            }
            if (valid < 250)
                continue;
            days++;
            max_pm += hi_h >= 12 && hi_h <= 17;
            min_dawn += lo_h >= 2 && lo_h <= 8;
            const int month = (int)(run.r[d].lst_date / 100 % 100);
            if (month == 1) {
                dtr_jan += hi - lo;
                n_jan++;
            } else if (month == 7) {
                dtr_jul += hi - lo;
                n_jul++;
            }
        }
        assert_true(days > 330);
        assert_true(max_pm >= days * 85 / 100);
        assert_true(min_dawn >= days * 75 / 100);
        if (wbans[s] == SPOKANE)
            assert_true(dtr_jul / n_jul > dtr_jan / n_jan + 5.0);
        run_free(&run);
    }
}

/* The other fields stay physical: no sun at night, humidity 0-100 %, wind 0-10 m/s, no
 * negative rain, and the air between -60 and +60 °C (the range test's limits). */
static void test_other_fields_stay_physical(void **state)
{
    (void)state;
    for (size_t s = 0; s < synth_climate_count(); s++) {
        const int32_t wban = synth_climate_at(s)->wban;
        run_t run = generate_year(wban, 2025, 1, false);
        double rain = 0, sun_max = 0;
        for (size_t i = 0; i < run.n; i++) {
            const uscrn_reading_t *r = &run.r[i];
            if (run.lab[i].row != SYNTH_ROW_NORMAL)
                continue;
            assert_true(r->air_temperature > -60 && r->air_temperature < 60);
            assert_true(r->relative_humidity >= 0 && r->relative_humidity <= 100);
            assert_true(r->wind_1_5 >= 0 && r->wind_1_5 <= 10);
            assert_true(r->precipitation >= 0);
            assert_true(r->solar_radiation >= 0 && r->solar_radiation < 1400);
            const int h = r->lst_time / 100;
            if (h >= 22 || h <= 2)
                assert_int_equal(r->solar_radiation, 0);
            rain += r->precipitation;
            if (r->solar_radiation > sun_max)
                sun_max = r->solar_radiation;
        }
        assert_true(rain > 150 && rain < 1500); /* mm in a year */
        assert_true(sun_max > 800);
        run_free(&run);
    }
}

/* ---- gaps ------------------------------------------------------------------------------- */

static void test_gaps_are_all_missing_rows_and_flagged_rows_lose_the_air_temperature(void **state)
{
    (void)state;
    size_t missing = 0, flagged = 0, total = 0, single = 0;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        run_t run = generate_year(AUSTIN, 2025, seed, false);
        for (size_t i = 0; i < run.n; i++) {
            const uscrn_reading_t *r = &run.r[i];
            total++;
            switch (run.lab[i].row) {
            case SYNTH_ROW_MISSING: {
                missing++;
                uscrn_reading_t m = *r;
                uscrn_set_all_missing(&m);
                char a[USCRN_LINE_LEN + 1], b[USCRN_LINE_LEN + 1];
                format(r, a);
                format(&m, b);
                assert_string_equal(a, b);
                assert_true(uscrn_is_missing(r, USCRN_AIR_TEMPERATURE));
                const bool alone = i > 0 && i + 1 < run.n &&
                                   run.lab[i - 1].row == SYNTH_ROW_NORMAL &&
                                   run.lab[i + 1].row == SYNTH_ROW_NORMAL;
                single += alone;
                break;
            }
            case SYNTH_ROW_FLAGGED:
                flagged++;
                assert_true(uscrn_is_missing(r, USCRN_AIR_TEMPERATURE));
                assert_true(r->crx_vn == 2.623);
                assert_int_equal(r->sr_flag, 3);
                assert_int_equal(r->st_flag, 3);
                break;
            case SYNTH_ROW_NORMAL:
                assert_false(uscrn_is_missing(r, USCRN_AIR_TEMPERATURE));
                break;
            }
        }
        run_free(&run);
    }
    /* ~0.3 % single drop-outs, plus a few outages of hours; some flagged rows. */
    assert_true(single > total * 2 / 1000 && single < total * 4 / 1000);
    assert_true(missing > single + 100); /* outages */
    assert_true(missing < total * 3 / 100);
    assert_true(flagged > 0 && flagged < total / 1000);
}

/* ---- anomalies -------------------------------------------------------------------------- */

static void test_no_anomalies_without_the_flag(void **state)
{
    (void)state;
    run_t run = generate_year(AUSTIN, 2025, 1, false);
    assert_int_equal(run.n_ev, 0);
    for (size_t i = 0; i < run.n; i++) {
        assert_int_equal(run.lab[i].kind, SYNTH_NONE);
        if (run.lab[i].row == SYNTH_ROW_NORMAL)
            assert_true(run.r[i].air_temperature == run.lab[i].true_air_temperature);
    }
    run_free(&run);
}

/* With anomalies on, exactly the labelled readings change, and each as its kind says. */
static void test_anomalies_change_exactly_the_labelled_readings(void **state)
{
    (void)state;
    const int32_t wbans[] = {AUSTIN, BRONTE, SPOKANE, BOULDER};
    for (size_t s = 0; s < 4; s++) {
        run_t clean = generate_year(wbans[s], 2025, 9, false);
        run_t dirty = generate_year(wbans[s], 2025, 9, true);
        assert_int_equal(clean.n, dirty.n);
        size_t per_kind[SYNTH_KIND_COUNT] = {0};
        for (size_t e = 0; e < dirty.n_ev; e++) {
            per_kind[dirty.ev[e].kind]++;
            assert_int_equal(dirty.ev[e].id, e + 1);
            assert_int_equal(dirty.ev[e].wban, wbans[s]);
        }
        /* Rates per station-year: 24 spikes, 6 steps, 4 stuck, 12 range, 12 level shifts, and
         * 6 of each labelled weather. */
        assert_in_range(per_kind[SYNTH_SPIKE], 22, 26);
        assert_in_range(per_kind[SYNTH_STEP], 5, 7);
        assert_in_range(per_kind[SYNTH_STUCK], 3, 5);
        assert_in_range(per_kind[SYNTH_RANGE], 10, 14);
        assert_in_range(per_kind[SYNTH_SHIFT], 10, 14);
        for (int k = SYNTH_FRONT; k <= SYNTH_FOEHN; k++)
            assert_in_range(per_kind[k], 5, 7);

        size_t e = 0;
        double step_delta = NAN, prev_x = NAN, prev_truth = NAN;
        for (size_t i = 0; i < dirty.n; i++) {
            const uscrn_reading_t *c = &clean.r[i], *d = &dirty.r[i];
            const synth_label_t *l = &dirty.lab[i];
            while (e < dirty.n_ev && dirty.ev[e].last_utc < d->utc)
                e++;
            const bool inside = e < dirty.n_ev && dirty.ev[e].first_utc <= d->utc;
            char a[USCRN_LINE_LEN + 1], b[USCRN_LINE_LEN + 1];
            format(c, a);
            format(d, b);
            if (!inside) {
                assert_int_equal(l->kind, SYNTH_NONE);
                assert_string_equal(a, b);
                prev_x = d->air_temperature;
                prev_truth = c->air_temperature;
                continue;
            }
            const synth_event_t *ev = &dirty.ev[e];
            assert_int_equal(l->row, SYNTH_ROW_NORMAL);
            assert_int_equal(l->kind, ev->kind);
            assert_int_equal(l->event_id, ev->id);
            assert_true(l->true_air_temperature == c->air_temperature);
            /* Only the air temperature differs. */
            assert_memory_equal(a, b, 57);
            assert_memory_equal(a + 64, b + 64, USCRN_LINE_LEN - 64);
            const double x = d->air_temperature, truth = c->air_temperature;
            switch (ev->kind) {
            case SYNTH_SPIKE:
                assert_true(ev->first_utc == ev->last_utc);
                assert_true(fabs(x - truth) >= 5.95 && fabs(x - truth) <= 20.05);
                break;
            case SYNTH_STEP:
                if (d->utc == ev->first_utc)
                    step_delta = x - truth;
                assert_true(fabs(step_delta) >= 8.95 && fabs(step_delta) <= 15.05);
                assert_true(fabs((x - truth) - step_delta) < 0.11);
                break;
            case SYNTH_STUCK:
                assert_true(x == dirty.r[i - 1].air_temperature);
                if (d->utc == ev->first_utc)
                    assert_true(x == clean.r[i - 1].air_temperature);
                break;
            case SYNTH_RANGE:
                assert_true(fabs(x) >= 65.0 && fabs(x) < 100.0);
                break;
            case SYNTH_SHIFT:
                /* One offset of 6..12 °C from the first reading to the last. */
                assert_true(fabs(ev->magnitude) >= 6.0 && fabs(ev->magnitude) <= 12.0);
                assert_true(fabs((x - truth) - ev->magnitude) < 0.051);
                break;
            case SYNTH_FRONT:
            case SYNTH_OUTFLOW:
            case SYNTH_SUNRISE:
            case SYNTH_FOEHN: {
                /* A change towards the magnitude, never beyond it, and smooth: a smoothstep over
                 * dur adds at most 1.5 * |m| * 300 / dur in one interval: 4.5 °C for -9 °C in
                 * 15 minutes, 4.1 for +5.5 °C in 10 (plus rounding). */
                const double m = ev->magnitude, dx = (x - truth);
                assert_true(synth_kind_is_weather(ev->kind));
                assert_true(dx * m >= -0.01 && fabs(dx) <= fabs(m) + 0.051);
                if (d->utc > ev->first_utc)
                    assert_true(fabs((x - truth) - (prev_x - prev_truth)) <= 4.55);
                break;
            }
            default:
                fail_msg("bad kind");
            }
            prev_x = x;
            prev_truth = truth;
        }
        /* Durations. */
        for (size_t k = 0; k < dirty.n_ev; k++) {
            const wx_time_t len = dirty.ev[k].last_utc - dirty.ev[k].first_utc + 300;
            switch (dirty.ev[k].kind) {
            case SYNTH_STEP:
                assert_in_range(len, 3600, 6 * 3600);
                break;
            case SYNTH_STUCK:
                assert_in_range(len, 4 * 3600, 12 * 3600);
                break;
            case SYNTH_RANGE:
                assert_in_range(len, 300, 900);
                break;
            case SYNTH_SHIFT:
                assert_in_range(len, 3600, 3 * 3600);
                break;
            case SYNTH_FRONT: /* 15-30 min, 1-3 h, 3-6 h, and the phase */
                assert_in_range(len, 4 * 3600 + 900, 9 * 3600 + 1800 + 600);
                break;
            case SYNTH_OUTFLOW:
                assert_in_range(len, 3600 + 900, 2 * 3600 + 3000 + 600);
                break;
            case SYNTH_SUNRISE:
                assert_in_range(len, 7 * 3600 + 1800, 8 * 3600 + 600);
                break;
            case SYNTH_FOEHN:
                assert_in_range(len, 2 * 3600 + 600, 6 * 3600 + 600 + 600);
                break;
            default:
                assert_true(len == 300);
            }
        }
        run_free(&clean);
        run_free(&dirty);
    }
}

/* Faults keep three hours from each other, from every missing or flagged row, and from the
 * ends of the range, so each is judged on its own. */
static void test_anomalies_are_three_hours_from_each_other_and_from_gaps(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        run_t run = generate_year(SPOKANE, 2025, seed, true);
        assert_true(run.n_ev > 40);
        for (size_t k = 1; k < run.n_ev; k++)
            assert_true(run.ev[k].first_utc - run.ev[k - 1].last_utc >= SYNTH_EVENT_MARGIN_SEC);
        assert_true(run.ev[0].first_utc - run.r[0].utc >= SYNTH_EVENT_MARGIN_SEC);
        assert_true(run.r[run.n - 1].utc - run.ev[run.n_ev - 1].last_utc >=
                    SYNTH_EVENT_MARGIN_SEC);
        size_t e = 0;
        for (size_t i = 0; i < run.n; i++) {
            if (run.lab[i].row == SYNTH_ROW_NORMAL)
                continue;
            const wx_time_t t = run.r[i].utc;
            while (e < run.n_ev && run.ev[e].last_utc + SYNTH_EVENT_MARGIN_SEC <= t)
                e++;
            if (e < run.n_ev)
                assert_true(run.ev[e].first_utc - t >= SYNTH_EVENT_MARGIN_SEC);
        }
        run_free(&run);
    }
}

static void test_a_short_range_gets_proportionally_few_anomalies(void **state)
{
    (void)state;
    wx_time_t first;
    int64_t count;
    assert_int_equal(synth_year_range(2025, 1, &first, &count), 0);
    run_t run = generate(AUSTIN, first, count, 1, true);
    assert_int_equal(run.n, 288);
    assert_true(run.n_ev <= 3);
    run_free(&run);
}

/* ---- errors ----------------------------------------------------------------------------- */

static void test_bad_parameters_are_refused_with_a_reason(void **state)
{
    (void)state;
    char err[200];
    const station_info_t unknown = {12345, "XX Nowhere 1 N", "XX_Nowhere_1_N", 40, -100, -360};
    synth_params_t p = {&unknown, at(20250101, 5), 288, 1, false};
    assert_null(synth_new(&p, err, sizeof err));
    assert_non_null(strstr(err, "12345"));

    p.station = station_lookup(AUSTIN);
    p.count = 0;
    assert_null(synth_new(&p, err, sizeof err));
    assert_non_null(strstr(err, "count"));

    p.count = 288;
    p.first += 60;
    assert_null(synth_new(&p, err, sizeof err));
    assert_non_null(strstr(err, "5-minute"));

    assert_null(synth_climate_lookup(12345));
    assert_int_equal(synth_kind_from_name("stuck"), SYNTH_STUCK);
    assert_int_equal(synth_kind_from_name("bogus"), SYNTH_NONE);
    assert_string_equal(synth_kind_name(SYNTH_RANGE), "range");
    assert_int_equal(synth_kind_from_name("shift"), SYNTH_SHIFT);
    assert_int_equal(synth_kind_from_name("foehn"), SYNTH_FOEHN);
    assert_string_equal(synth_kind_name(SYNTH_OUTFLOW), "outflow");
    assert_true(synth_kind_is_weather(SYNTH_SUNRISE) && synth_kind_is_weather(SYNTH_FRONT));
    assert_false(synth_kind_is_weather(SYNTH_SHIFT) || synth_kind_is_weather(SYNTH_SPIKE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_params_and_seed_give_byte_identical_lines),
        cmocka_unit_test(test_another_seed_gives_other_weather),
        cmocka_unit_test(test_stations_draw_independent_streams_from_one_seed),
        cmocka_unit_test(test_weather_does_not_depend_on_where_the_range_starts),
        cmocka_unit_test(test_a_station_year_has_105120_readings_and_a_leap_year_105408),
        cmocka_unit_test(test_readings_are_five_minutes_apart_without_duplicates),
        cmocka_unit_test(test_lst_is_utc_plus_the_station_offset),
        cmocka_unit_test(test_every_line_parses_back_to_the_same_values),
        cmocka_unit_test(test_coordinates_version_and_flags_are_the_stations),
        cmocka_unit_test(test_monthly_means_follow_each_stations_climate),
        cmocka_unit_test(test_austin_is_warmer_than_spokane_and_boulder_is_coldest),
        cmocka_unit_test(test_the_diurnal_cycle_peaks_in_the_afternoon_and_bottoms_near_sunrise),
        cmocka_unit_test(test_other_fields_stay_physical),
        cmocka_unit_test(test_gaps_are_all_missing_rows_and_flagged_rows_lose_the_air_temperature),
        cmocka_unit_test(test_no_anomalies_without_the_flag),
        cmocka_unit_test(test_anomalies_change_exactly_the_labelled_readings),
        cmocka_unit_test(test_anomalies_are_three_hours_from_each_other_and_from_gaps),
        cmocka_unit_test(test_a_short_range_gets_proportionally_few_anomalies),
        cmocka_unit_test(test_bad_parameters_are_refused_with_a_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
