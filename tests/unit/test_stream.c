/* Tests for stream.c and hour_stage.c: the streaming operators give exactly what batch gives —
 * for out-of-order input within the grace period, any number of partitions, both record forms,
 * and a snapshot/restore (what a crashed process does) at any point. Late input is reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "batch.h"
#include "hour_stage.h"
#include "record_json.h"
#include "stream.h"
#include "testutil.h"

#define DAYS 6
#define MAXR (3 * DAYS * 288)
#define MAXP 6

typedef struct record {
    char *data;
    size_t len;
    wx_time_t key; /* arrival order within a partition */
    int part;
} record_t;

typedef struct pipeline {
    wx_config_t cfg;
    int n_parts;
    stream_part_t *parts[MAXP];
    hour_stage_t *hours;
    test_lines_t out;
    wx_sink_t lines;
    wx_sink_t sink; /* hourly goes to the lines and, as a summary, to the hour stage */
    long late_summaries;
} pipeline_t;

static uint64_t rng;
static uint32_t rnd(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33);
}

static void on_hourly(void *ctx, const hourly_result_t *r)
{
    pipeline_t *p = ctx;
    p->lines.hourly(p->lines.ctx, r);
    /* Through the internal topic's encoding, as the processor does. */
    wxbuf_t b = WXBUF_INIT;
    hottest_entry_t e = hottest_entry_from_hourly(r), got;
    wx_time_t hour;
    hour_stage_encode_summary(r->key.start, &e, &b);
    int rc = hour_stage_apply(p->hours, b.data, b.len, &hour, &got);
    assert_true(rc >= 0);
    if (rc == 1)
        p->late_summaries++;
    wxbuf_free(&b);
}

static void on_outlier(void *ctx, const outlier_event_t *o)
{
    pipeline_t *p = ctx;
    p->lines.outlier(p->lines.ctx, o);
}

static void on_dead(void *ctx, const dead_letter_t *d)
{
    pipeline_t *p = ctx;
    p->lines.dead(p->lines.ctx, d);
}

static void on_hottest(void *ctx, const hottest_result_t *r)
{
    pipeline_t *p = ctx;
    p->lines.hottest(p->lines.ctx, r);
}

static void pipeline_init(pipeline_t *p, int n_parts, int32_t grace)
{
    memset(p, 0, sizeof *p);
    wx_config_default(&p->cfg);
    p->cfg.grace_sec = grace;
    p->n_parts = n_parts;
    for (int i = 0; i < n_parts; i++)
        assert_non_null(p->parts[i] = stream_part_new(&p->cfg));
    assert_non_null(p->hours = hour_stage_new());
    p->lines = test_lines_sink(&p->out);
    wx_sink_t s = {p, on_hourly, on_outlier, NULL, on_dead};
    p->sink = s;
}

static void report_progress(pipeline_t *p, int part)
{
    wxbuf_t b = WXBUF_INIT;
    hour_stage_encode_progress(part, p->n_parts, stream_part_progress(p->parts[part]), &b);
    assert_int_equal(hour_stage_apply(p->hours, b.data, b.len, NULL, NULL), 0);
    wxbuf_free(&b);
    hour_stage_emit(p->hours, on_hottest, p);
}

/* What a restarted process does: everything from its snapshots. */
static void crash_and_restore(pipeline_t *p)
{
    for (int i = 0; i < p->n_parts; i++) {
        wxbuf_t b = WXBUF_INIT;
        stream_part_save(p->parts[i], &b);
        stream_part_destroy(p->parts[i]);
        assert_non_null(p->parts[i] = stream_part_load(b.data, b.len, &p->cfg));
        wxbuf_free(&b);
    }
    wxbuf_t b = WXBUF_INIT;
    hour_stage_save(p->hours, &b);
    hour_stage_destroy(p->hours);
    assert_non_null(p->hours = hour_stage_load(b.data, b.len));
    wxbuf_free(&b);
}

static void pipeline_finish(pipeline_t *p)
{
    for (int i = 0; i < p->n_parts; i++) {
        stream_part_flush(p->parts[i], &p->sink);
        report_progress(p, i);
    }
    assert_false(hour_stage_has_open(p->hours));
    for (int i = 0; i < p->n_parts; i++)
        stream_part_destroy(p->parts[i]);
    hour_stage_destroy(p->hours);
    test_lines_sort(&p->out);
}


static int cmp_record(const void *pa, const void *pb)
{
    const record_t *a = pa, *b = pb;
    return (a->key > b->key) - (a->key < b->key);
}

/* Encodes every reading, assigns partitions by WBAN, and orders each partition by event time
 * plus a random delay below `jitter`; partitions are interleaved at random. */
static record_t *make_records(const uscrn_reading_t *rs, size_t n, int n_parts, int32_t jitter,
                              bool json)
{
    record_t *recs = calloc(n, sizeof *recs);
    assert_non_null(recs);
    for (size_t i = 0; i < n; i++) {
        wxbuf_t b = WXBUF_INIT;
        if (json) {
            record_json_write(&rs[i], "test.txt", &b);
        } else {
            char line[USCRN_LINE_LEN + 1];
            assert_int_equal(uscrn_format_line(&rs[i], line, sizeof line), USCRN_LINE_LEN);
            wxbuf_append(&b, line, USCRN_LINE_LEN);
        }
        recs[i].data = b.data;
        recs[i].len = b.len;
        recs[i].part = (int)(rs[i].wbanno % n_parts);
        recs[i].key = rs[i].utc + (jitter ? (wx_time_t)(rnd() % (uint32_t)jitter) : 0);
    }
    qsort(recs, n, sizeof *recs, cmp_record);
    return recs;
}

static void run_stream(pipeline_t *p, record_t *recs, size_t n, int crash_every)
{
    /* Interleave partitions at random while keeping each partition's own order. */
    size_t *next = calloc((size_t)p->n_parts, sizeof *next);
    size_t **idx = calloc((size_t)p->n_parts, sizeof *idx);
    size_t *cnt = calloc((size_t)p->n_parts, sizeof *cnt);
    for (int q = 0; q < p->n_parts; q++)
        idx[q] = calloc(n, sizeof **idx);
    for (size_t i = 0; i < n; i++)
        idx[recs[i].part][cnt[recs[i].part]++] = i;
    size_t done = 0;
    while (done < n) {
        int q = (int)(rnd() % (uint32_t)p->n_parts);
        if (next[q] == cnt[q])
            continue;
        record_t *r = &recs[idx[q][next[q]++]];
        char source[32];
        snprintf(source, sizeof source, "test/%d@%zu", q, next[q]);
        assert_int_equal(stream_part_offer(p->parts[q], r->data, r->len, source, next[q], &p->sink), 0);
        report_progress(p, q);
        done++;
        if (crash_every && rnd() % (uint32_t)crash_every == 0)
            crash_and_restore(p);
    }
    for (int q = 0; q < p->n_parts; q++)
        free(idx[q]);
    free(idx);
    free(next);
    free(cnt);
}

static void free_records(record_t *recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(recs[i].data);
    free(recs);
}

/* Adds level shifts to test_make_readings' series: from reading 100 of each station, every 150
 * readings, an offset of +-6.5..11.5 C held for 12..36 readings (missing and impossible values
 * keep theirs). */
static void add_level_shifts(uscrn_reading_t *rs, size_t n)
{
    size_t per = n / 3;
    for (size_t st = 0; st < 3; st++) {
        for (size_t a = st * per + 100, k = 0; a + 40 < (st + 1) * per; a += 150, k++) {
            double off = (k % 2 ? -1.0 : 1.0) * (6.5 + (double)(k % 6));
            size_t len = 12 + (k * 7) % 25;
            for (size_t i = a; i < a + len; i++)
                if (rs[i].air_temperature > -100 && rs[i].air_temperature < 60)
                    rs[i].air_temperature = round((rs[i].air_temperature + off) * 10.0) / 10.0;
        }
    }
}

static size_t count_containing(const test_lines_t *l, const char *what)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        k += strstr(l->v[i], what) != NULL;
    return k;
}

static void check_equal_to_batch_shifted(int n_parts, int32_t jitter, bool json, int crash_every,
                                         bool shifts)
{
    static uscrn_reading_t rs[MAXR];
    size_t n = test_make_readings(rs, MAXR, DAYS, 7);
    if (shifts)
        add_level_shifts(rs, n);
    test_lines_t ref = test_batch_lines(rs, n);
    if (shifts)
        assert_true(count_containing(&ref, "\"level_shift\"") > 100);
    rng = (uint64_t)(n_parts * 1000 + jitter + json + crash_every);
    record_t *recs = make_records(rs, n, n_parts, jitter, json);
    pipeline_t p;
    pipeline_init(&p, n_parts, 900);
    run_stream(&p, recs, n, crash_every);
    pipeline_finish(&p);
    assert_int_equal(p.out.late, 0);
    assert_int_equal(p.late_summaries, 0);
    assert_true(test_lines_count(&ref, "MaxTemp ") >= DAYS * 24);
    test_lines_assert_same(&ref, &p.out);
    test_lines_free(&p.out);
    test_lines_free(&ref);
    free_records(recs, n);
}

static void check_equal_to_batch(int n_parts, int32_t jitter, bool json, int crash_every)
{
    check_equal_to_batch_shifted(n_parts, jitter, json, crash_every, false);
}

static void test_one_partition_in_order_equals_batch(void **state)
{
    (void)state;
    check_equal_to_batch(1, 0, true, 0);
}

static void test_three_partitions_of_raw_lines_equal_batch(void **state)
{
    (void)state;
    check_equal_to_batch(3, 0, false, 0);
}

static void test_readings_shuffled_within_the_grace_period_equal_batch(void **state)
{
    (void)state;
    check_equal_to_batch(1, 890, true, 0);
    check_equal_to_batch(3, 890, false, 0);
}

static void test_six_partitions_with_empty_ones_equal_batch(void **state)
{
    (void)state;
    check_equal_to_batch(6, 600, true, 0);
}

static void test_restore_from_snapshot_at_random_points_equals_batch(void **state)
{
    (void)state;
    check_equal_to_batch(3, 890, true, 200);
    check_equal_to_batch(1, 0, false, 37);
}

/* Level shifts keep state across many readings (the offset, the open jump): restores in the
 * middle of them must not change a verdict. */
static void test_level_shifts_with_restores_at_random_points_equal_batch(void **state)
{
    (void)state;
    check_equal_to_batch_shifted(3, 890, true, 50, true);
    check_equal_to_batch_shifted(1, 0, false, 13, true);
}

static void test_reading_behind_the_grace_period_is_late_with_its_window(void **state)
{
    (void)state;
    pipeline_t p;
    pipeline_init(&p, 1, 900);
    wx_time_t t0;
    assert_true(wx_time_from_date_hhmm(20250701, 1200, &t0));
    wxbuf_t b = WXBUF_INIT;
    for (int i = 1; i <= 30; i++) {
        uscrn_reading_t r = test_reading(23907, -360, t0 + i * 300, 25.0);
        wxbuf_reset(&b);
        record_json_write(&r, NULL, &b);
        assert_int_equal(stream_part_offer(p.parts[0], b.data, b.len, "s", (uint64_t)i, &p.sink), 0);
    }
    /* Event time is t0 + 150 min and the grace 15 min: t0 + 130 min is late, t0 + 140 is not. */
    wx_time_t okay_t = t0 + 140 * 60, late_t = t0 + 130 * 60;
    uscrn_reading_t r1 = test_reading(3072, -360, late_t, 20.0);
    wxbuf_reset(&b);
    record_json_write(&r1, NULL, &b);
    stream_part_offer(p.parts[0], b.data, b.len, "s", 100, &p.sink);
    assert_int_equal(p.out.late, 1);
    uscrn_reading_t r2 = test_reading(3072, -360, okay_t, 20.0);
    wxbuf_reset(&b);
    record_json_write(&r2, NULL, &b);
    stream_part_offer(p.parts[0], b.data, b.len, "s", 101, &p.sink);
    assert_int_equal(p.out.late, 1);
    wxbuf_free(&b);
    pipeline_finish(&p);
    test_lines_free(&p.out);
}

static void test_bad_records_become_dead_letters_and_nothing_else(void **state)
{
    (void)state;
    pipeline_t p;
    pipeline_init(&p, 1, 900);
    const char *bad[] = {"", "garbage", "{\"WBANNO\": 23907}", "{not json",
                         "94075 20260101 0655 20251231 2355  2.623"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(stream_part_offer(p.parts[0], bad[i], strlen(bad[i]), "s", i, &p.sink), 0);
    assert_int_equal(p.out.dead, 5);
    pipeline_finish(&p);
    assert_int_equal(p.out.n, 0);
    test_lines_free(&p.out);
}

typedef struct tally {
    long readings_in_hours;
    long dead;
    long late;
} tally_t;

static void tally_hourly(void *ctx, const hourly_result_t *r)
{
    ((tally_t *)ctx)->readings_in_hours += r->readings;
}

static void tally_dead(void *ctx, const dead_letter_t *d)
{
    tally_t *t = ctx;
    t->dead++;
    t->late += !strcmp(d->reason, "late");
}

/* Found by fuzz_stream: after the reorder buffer overflowed and released its oldest reading
 * early, a reading behind the station's clock was accepted, then refused by the station and
 * dropped without a word. */
static void test_reading_behind_a_forced_release_is_late_not_dropped(void **state)
{
    (void)state;
    wx_config_t cfg;
    wx_config_default(&cfg);
    cfg.grace_sec = 7 * 86400;
    stream_part_t *sp = stream_part_new(&cfg);
    tally_t t = {0};
    wx_sink_t sink = {&t, tally_hourly, NULL, NULL, tally_dead};
    wx_time_t t0;
    assert_true(wx_time_from_date_hhmm(20260101, 100, &t0));
    long offered = 0;
    char line[USCRN_LINE_LEN + 1];
    /* One reading a minute: STREAM_BUFFER_MAX + 1 of them overflow the buffer. */
    for (int i = 0; i <= STREAM_BUFFER_MAX; i++) {
        uscrn_reading_t r = test_reading(94075, -420, t0 + i * 60, 1.0);
        assert_int_equal(uscrn_format_line(&r, line, sizeof line), USCRN_LINE_LEN);
        assert_int_equal(stream_part_offer(sp, line, USCRN_LINE_LEN, "s", (uint64_t)offered++, &sink), 0);
    }
    /* The first time again, and one a minute before it: both behind the station now. */
    wx_time_t again[2] = {t0, t0 - 60};
    for (int i = 0; i < 2; i++) {
        uscrn_reading_t r = test_reading(94075, -420, again[i], 2.0);
        assert_int_equal(uscrn_format_line(&r, line, sizeof line), USCRN_LINE_LEN);
        assert_int_equal(stream_part_offer(sp, line, USCRN_LINE_LEN, "s", (uint64_t)offered++, &sink), 0);
    }
    assert_true(stream_part_forced(sp) >= 1);
    stream_part_flush(sp, &sink);
    assert_int_equal(t.late, 2);
    assert_int_equal(t.readings_in_hours + t.dead, offered);
    stream_part_destroy(sp);
}

static void test_hour_stage_waits_for_every_upstream_partition(void **state)
{
    (void)state;
    hour_stage_t *hs = hour_stage_new();
    hottest_entry_t e = {23907, -360, true, 20.0, 21.0};
    assert_int_equal(hour_stage_add(hs, 0, &e), 0);
    assert_int_equal(hour_stage_progress(hs, 0, 2, 2 * WX_HOUR), 0);
    assert_int_equal(hour_stage_emit(hs, on_hottest, NULL), 0); /* partition 1 has not spoken */
    assert_int_equal(hour_stage_progress(hs, 1, 2, WX_HOUR - 1), 0);
    assert_int_equal(hour_stage_emit(hs, on_hottest, NULL), 0);
    assert_int_equal(hour_stage_progress(hs, 1, 2, WX_TIME_MAX), 0); /* idle */
    assert_true(hour_stage_upstream_min(hs) == 2 * WX_HOUR);
    hour_stage_destroy(hs);
}

static void test_input_is_final_only_when_every_upstream_partition_says_so(void **state)
{
    (void)state;
    hour_stage_t *hs = hour_stage_new();
    assert_false(hour_stage_all_final(hs)); /* nobody has reported yet */
    assert_int_equal(hour_stage_progress(hs, 0, 2, WX_TIME_MAX), 0);
    assert_false(hour_stage_all_final(hs)); /* partition 1 has not */
    assert_int_equal(hour_stage_progress(hs, 1, 2, 5 * WX_HOUR), 0);
    assert_false(hour_stage_all_final(hs));
    assert_int_equal(hour_stage_progress(hs, 1, 2, WX_TIME_MAX), 0);
    assert_true(hour_stage_all_final(hs));
    hour_stage_destroy(hs);
}

static void count_emit(void *ctx, const hottest_result_t *r)
{
    (void)r;
    (*(int *)ctx)++;
}

/* Found in review: an idle period (every partition reporting WX_TIME_MAX) used to mark every
 * future hour as decided, so no MaxTemp record was ever produced again. */
static void test_hours_after_an_idle_period_are_still_decided(void **state)
{
    (void)state;
    hour_stage_t *hs = hour_stage_new();
    int emitted = 0;
    hottest_entry_t e = {23907, -360, true, 20.0, 21.0};
    assert_int_equal(hour_stage_add(hs, 0, &e), 0);
    assert_int_equal(hour_stage_progress(hs, 0, 1, WX_TIME_MAX), 0); /* idle */
    assert_int_equal(hour_stage_emit(hs, count_emit, &emitted), 1);
    assert_true(hour_stage_decided(hs) == WX_HOUR);
    /* Data again, hours later: taken and decided, not late. */
    assert_int_equal(hour_stage_progress(hs, 0, 1, 4 * WX_HOUR), 0);
    assert_int_equal(hour_stage_add(hs, 3 * WX_HOUR, &e), 0);
    assert_int_equal(hour_stage_emit(hs, count_emit, &emitted), 1);
    assert_int_equal(emitted, 2);
    hour_stage_destroy(hs);
}


static void test_summary_for_a_decided_hour_is_late(void **state)
{
    (void)state;
    hour_stage_t *hs = hour_stage_new();
    int emitted = 0;
    hottest_entry_t e = {23907, -360, true, 20.0, 21.0};
    assert_int_equal(hour_stage_add(hs, 0, &e), 0);
    assert_int_equal(hour_stage_progress(hs, 0, 1, WX_HOUR), 0);
    assert_int_equal(hour_stage_emit(hs, count_emit, &emitted), 1);
    assert_int_equal(emitted, 1);
    hottest_entry_t f = {3072, -360, true, 30.0, 31.0};
    assert_int_equal(hour_stage_add(hs, 0, &f), 1);
    assert_int_equal(hour_stage_add(hs, WX_HOUR, &f), 0);
    assert_int_equal(hour_stage_progress(hs, 0, 1, 0), 0); /* progress never goes back */
    assert_true(hour_stage_upstream_min(hs) == WX_HOUR);
    hour_stage_destroy(hs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_partition_in_order_equals_batch),
        cmocka_unit_test(test_three_partitions_of_raw_lines_equal_batch),
        cmocka_unit_test(test_readings_shuffled_within_the_grace_period_equal_batch),
        cmocka_unit_test(test_six_partitions_with_empty_ones_equal_batch),
        cmocka_unit_test(test_restore_from_snapshot_at_random_points_equals_batch),
        cmocka_unit_test(test_level_shifts_with_restores_at_random_points_equal_batch),
        cmocka_unit_test(test_reading_behind_the_grace_period_is_late_with_its_window),
        cmocka_unit_test(test_bad_records_become_dead_letters_and_nothing_else),
        cmocka_unit_test(test_reading_behind_a_forced_release_is_late_not_dropped),
        cmocka_unit_test(test_hour_stage_waits_for_every_upstream_partition),
        cmocka_unit_test(test_summary_for_a_decided_hour_is_late),
        cmocka_unit_test(test_input_is_final_only_when_every_upstream_partition_says_so),
        cmocka_unit_test(test_hours_after_an_idle_period_are_still_decided),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
