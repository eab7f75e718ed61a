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
#include "json_record.h"
#include "stream.h"
#include "testutil.h"

#define DAYS 6
#define MAXR (3 * DAYS * 288)
#define MAXP 6
#define CORRECT_FOR (400 * 24 * WX_HOUR)

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
    test_lines_t maxtemp; /* every MaxTemp record, corrections included */
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
    wx_sink_t s = test_lines_sink(&p->maxtemp);
    s.hottest(s.ctx, r);
}

/* The hour's key in a "MaxTemp {...}" line. */
static const char *hour_key(const char *line)
{
    const char *w = strstr(line, "\"window_start\"");
    assert_non_null(w);
    return w;
}

/* The last MaxTemp record of each hour, as a reader keeping the last record per key has it. */
static void keep_last_maxtemp(pipeline_t *p)
{
    for (size_t i = 0; i < p->maxtemp.n; i++) {
        const char *w = hour_key(p->maxtemp.v[i]);
        bool later = false;
        for (size_t j = i + 1; j < p->maxtemp.n && !later; j++)
            later = strncmp(hour_key(p->maxtemp.v[j]), w, 40) == 0;
        if (later)
            continue;
        test_lines_t *o = &p->out;
        if (o->n == o->cap) {
            o->cap = o->cap ? o->cap * 2 : 64;
            o->v = realloc(o->v, o->cap * sizeof *o->v);
            assert_non_null(o->v);
        }
        o->v[o->n++] = strdup(p->maxtemp.v[i]);
    }
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
    hour_stage_set_corrections(p->hours, CORRECT_FOR);
    p->lines = test_lines_sink(&p->out);
    wx_sink_t s = {p, on_hourly, on_outlier, NULL, on_dead};
    p->sink = s;
}

/* As the processor reports: each station's progress, and a floor that holds every hour back
 * until the partition has seen a station. */
static void report_progress(pipeline_t *p, int part)
{
    wxbuf_t b = WXBUF_INIT;
    const stream_part_t *sp = p->parts[part];
    size_t n = stream_part_station_count(sp);
    hour_stage_station_t st[8];
    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++) {
        stream_station_progress_t x = stream_part_station_progress(sp, i);
        st[i].wban = x.wban;
        st[i].upto = x.upto;
    }
    wx_time_t floor = n > 0 || stream_part_flushed(sp) ? WX_TIME_MAX : WX_TIME_MIN;
    hour_stage_encode_report(part, p->n_parts, floor, st, n, &b);
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
    assert_non_null(p->hours = hour_stage_load(b.data, b.len, CORRECT_FOR));
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
    keep_last_maxtemp(p);
    test_lines_free(&p->maxtemp);
    test_lines_sort(&p->out);
}


static int cmp_record(const void *pa, const void *pb)
{
    const record_t *a = pa, *b = pb;
    return (a->key > b->key) - (a->key < b->key);
}

/* Encodes every reading, assigns partitions by WBAN, and orders each partition by event time
 * plus a random delay below `jitter`; partitions are interleaved at random. */
typedef wx_time_t (*order_fn)(const uscrn_reading_t *r);

static record_t *make_records_ordered(const uscrn_reading_t *rs, size_t n, int n_parts,
                                      int32_t jitter, bool json, order_fn order)
{
    record_t *recs = calloc(n, sizeof *recs);
    assert_non_null(recs);
    for (size_t i = 0; i < n; i++) {
        wxbuf_t b = WXBUF_INIT;
        if (json) {
            char name[64];
            json_record_write(&rs[i], test_source_file(&rs[i], name, sizeof name), &b);
        } else {
            char line[USCRN_LINE_LEN + 1];
            assert_int_equal(uscrn_format_line(&rs[i], line, sizeof line), USCRN_LINE_LEN);
            wxbuf_append(&b, line, USCRN_LINE_LEN);
        }
        recs[i].data = b.data;
        recs[i].len = b.len;
        recs[i].part = (int)(rs[i].wbanno % n_parts);
        recs[i].key = (order ? order(&rs[i]) : rs[i].utc) +
                      (jitter ? (wx_time_t)(rnd() % (uint32_t)jitter) : 0);
    }
    qsort(recs, n, sizeof *recs, cmp_record);
    return recs;
}

static record_t *make_records(const uscrn_reading_t *rs, size_t n, int n_parts, int32_t jitter,
                              bool json)
{
    return make_records_ordered(rs, n, n_parts, jitter, json, NULL);
}

/* Offers the records in their order (by key) across partitions, as when one partition
 * lags another by what the keys say. */
static void run_in_key_order(pipeline_t *p, record_t *recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        record_t *r = &recs[i];
        assert_int_equal(stream_part_offer(p->parts[r->part], r->data, r->len, "test", i, &p->sink), 0);
        report_progress(p, r->part);
    }
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
    test_lines_t ref = test_batch_lines(rs, n, json); /* lines name no file */
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

static void offer_reading(pipeline_t *p, int32_t wban, wx_time_t t, uint64_t id)
{
    wxbuf_t b = WXBUF_INIT;
    uscrn_reading_t r = test_reading(wban, -360, t, 20.0);
    json_record_write(&r, NULL, &b);
    assert_int_equal(stream_part_offer(p->parts[0], b.data, b.len, "s", id, &p->sink), 0);
    wxbuf_free(&b);
}

static void test_reading_behind_its_own_station_by_the_grace_is_late_and_no_other(void **state)
{
    (void)state;
    pipeline_t p;
    pipeline_init(&p, 1, 900);
    wx_time_t t0;
    assert_true(wx_time_from_date_hhmm(20250701, 1200, &t0));
    for (int i = 1; i <= 30; i++)
        if (i != 26 && i != 28)
            offer_reading(&p, 23907, t0 + i * 300, (uint64_t)i);
    /* Station 23907's event time is t0 + 150 min and the grace 15 min: its reading at t0 + 130
     * min is late, the one at t0 + 140 is not. */
    offer_reading(&p, 23907, t0 + 130 * 60, 100);
    assert_int_equal(p.out.late, 1);
    offer_reading(&p, 23907, t0 + 140 * 60, 101);
    assert_int_equal(p.out.late, 1);
    /* Another station's clock is its own: a day behind 23907 is not late. */
    offer_reading(&p, 3072, t0 - 86400, 102);
    offer_reading(&p, 3072, t0 - 86400 + 300, 103);
    assert_int_equal(p.out.late, 1);
    pipeline_finish(&p);
    test_lines_free(&p.out);
}

/* Orders the readings as `key` says, then checks the stream (one or two partitions, each
 * partition's records in key order) against batch: the same Output and Outliers, MaxTemp's
 * last record per hour, nothing late. */
static void check_order_equals_batch(int n_parts, order_fn key, bool interleave_at_random)
{
    static uscrn_reading_t rs[MAXR];
    size_t n = test_make_readings(rs, MAXR, DAYS, 11);
    test_lines_t ref = test_batch_lines(rs, n, true);
    rng = 99;
    record_t *recs = make_records_ordered(rs, n, n_parts, 0, true, key);
    pipeline_t p;
    pipeline_init(&p, n_parts, 900);
    if (interleave_at_random)
        run_stream(&p, recs, n, 0);
    else
        run_in_key_order(&p, recs, n);
    pipeline_finish(&p);
    assert_int_equal(p.out.late, 0);
    assert_int_equal(p.out.dead, 0);
    assert_int_equal(p.late_summaries, 0);
    test_lines_assert_same(&ref, &p.out);
    test_lines_free(&p.out);
    test_lines_free(&ref);
    free_records(recs, n);
}

static wx_time_t station_rank(int32_t wban)
{
    return wban == 23907 ? 0 : wban == 3072 ? 1 : 2;
}

static wx_time_t file_after_file(const uscrn_reading_t *r)
{
    return station_rank(r->wbanno) * 1000 * WX_DAY + r->utc;
}

static wx_time_t files_in_reverse(const uscrn_reading_t *r)
{
    return (2 - station_rank(r->wbanno)) * 1000 * WX_DAY + r->utc;
}

static wx_time_t bronte_a_day_late(const uscrn_reading_t *r)
{
    return r->utc + (r->wbanno == 3072 ? WX_DAY : 0);
}

static wx_time_t spokane_six_hours_late(const uscrn_reading_t *r)
{
    return r->utc + (r->wbanno == 4136 ? 6 * WX_HOUR : 0);
}

static void test_station_files_one_after_another_equal_batch(void **state)
{
    (void)state;
    check_order_equals_batch(1, file_after_file, false);
    check_order_equals_batch(1, files_in_reverse, false);
}

static void test_one_station_a_day_behind_the_others_equals_batch(void **state)
{
    (void)state;
    check_order_equals_batch(1, bronte_a_day_late, false);
    check_order_equals_batch(3, bronte_a_day_late, true);
}

static void test_a_partition_lagging_by_hours_equals_batch(void **state)
{
    (void)state;
    /* By WBAN % 2: Bronte and Spokane on partition 0, Austin on 1. */
    check_order_equals_batch(2, spokane_six_hours_late, false);
    check_order_equals_batch(2, file_after_file, false);
}

static void test_gauges_count_stations_and_open_hours_until_the_flush(void **state)
{
    (void)state;
    pipeline_t p;
    pipeline_init(&p, 1, 900);
    stream_part_gauges_t g;
    stream_part_gauges(p.parts[0], &g);
    assert_true(g.event_time == WX_TIME_MIN);
    assert_int_equal(g.stations, 0);
    assert_int_equal(g.open_hours, 0);
    wx_time_t t0;
    assert_true(wx_time_from_date_hhmm(20250701, 1200, &t0));
    wxbuf_t b = WXBUF_INIT;
    for (int i = 1; i <= 30; i++) {
        for (int k = 0; k < 2; k++) {
            uscrn_reading_t r = test_reading(k ? 3072 : 23907, -360, t0 + i * 300, 25.0);
            wxbuf_reset(&b);
            json_record_write(&r, NULL, &b);
            assert_int_equal(stream_part_offer(p.parts[0], b.data, b.len, "s", (uint64_t)(2 * i + k),
                                               &p.sink), 0);
        }
    }
    stream_part_gauges(p.parts[0], &g);
    assert_true(g.event_time != WX_TIME_MIN);
    assert_int_equal(g.stations, 2);
    /* Two and a half hours of readings with 15 min of grace: each station's last hour, at
     * least, is still open. */
    assert_true(g.open_hours >= 2 && g.open_hours <= 6);
    stream_part_flush(p.parts[0], &p.sink);
    stream_part_gauges(p.parts[0], &g);
    assert_int_equal(g.stations, 2);
    assert_int_equal(g.open_hours, 0);
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
    hottest_entry_t e = {23907, -360, true, 20.0, 21.0, ""};
    assert_int_equal(hour_stage_add(hs, 0, &e), 0);
    assert_int_equal(hour_stage_progress(hs, 0, 2, 2 * WX_HOUR), 0);
    assert_int_equal(hour_stage_emit(hs, on_hottest, NULL), 0); /* partition 1 has not spoken */
    assert_int_equal(hour_stage_progress(hs, 1, 2, WX_HOUR - 1), 0);
    assert_int_equal(hour_stage_emit(hs, on_hottest, NULL), 0);
    assert_int_equal(hour_stage_progress(hs, 1, 2, WX_TIME_MAX), 0); /* idle */
    assert_true(hour_stage_upstream_min(hs) == 2 * WX_HOUR);
    hour_stage_destroy(hs);
}

static void count_hottest(void *ctx, const hottest_result_t *r)
{
    (void)r;
    (*(size_t *)ctx)++;
}

/* Bytes that are not an internal record, and reports with partition numbers out of range, are
 * HOUR_STAGE_BAD_RECORD (a dead letter for the caller), never HOUR_STAGE_NO_MEMORY (the end of
 * the run); a late summary is HOUR_STAGE_LATE. */
static void test_hour_stage_apply_tells_bad_records_from_late_ones(void **state)
{
    (void)state;
    hour_stage_t *hs = hour_stage_new();
    assert_non_null(hs);
    wx_time_t hour = 0;
    hottest_entry_t e;
    assert_int_equal(hour_stage_apply(hs, "", 0, &hour, &e), HOUR_STAGE_BAD_RECORD);
    assert_int_equal(hour_stage_apply(hs, "garbage", 7, &hour, &e), HOUR_STAGE_BAD_RECORD);

    wxbuf_t b = WXBUF_INIT;
    hottest_entry_t s = {23907, -360, true, 20.0, 21.0, ""};
    hour_stage_encode_summary(0, &s, &b);
    assert_int_equal(hour_stage_apply(hs, b.data, b.len - 1, &hour, &e), HOUR_STAGE_BAD_RECORD);
    wxbuf_putc(&b, 'x'); /* trailing byte */
    assert_int_equal(hour_stage_apply(hs, b.data, b.len, &hour, &e), HOUR_STAGE_BAD_RECORD);
    b.len--;
    assert_int_equal(hour_stage_apply(hs, b.data, b.len, &hour, &e), HOUR_STAGE_OK);

    wxbuf_reset(&b);
    hour_stage_encode_progress(2, 2, WX_TIME_MAX, &b); /* partition 2 of 2 */
    assert_int_equal(hour_stage_apply(hs, b.data, b.len, &hour, &e), HOUR_STAGE_BAD_RECORD);
    wxbuf_reset(&b);
    hour_stage_encode_report(0, 0, WX_TIME_MAX, NULL, 0, &b); /* of 0 partitions */
    assert_int_equal(hour_stage_apply(hs, b.data, b.len, &hour, &e), HOUR_STAGE_BAD_RECORD);
    wxbuf_reset(&b);
    hour_stage_encode_report(0, 1, WX_TIME_MAX, NULL, 0, &b);
    assert_int_equal(b.len > 4, true);
    assert_int_equal(hour_stage_apply(hs, b.data, b.len - 4, &hour, &e), HOUR_STAGE_BAD_RECORD);
    assert_int_equal(hour_stage_apply(hs, b.data, b.len, &hour, &e), HOUR_STAGE_OK);
    size_t emitted = 0;
    assert_int_equal(hour_stage_emit(hs, count_hottest, &emitted), 1);
    assert_int_equal(emitted, 1);

    wxbuf_reset(&b);
    hour_stage_encode_summary(0, &s, &b); /* the hour is decided and not kept */
    assert_int_equal(hour_stage_apply(hs, b.data, b.len, &hour, &e), HOUR_STAGE_LATE);
    assert_int_equal(e.wban, 23907);
    wxbuf_free(&b);
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

typedef struct last_result {
    int n;
    hottest_result_t r;
} last_result_t;

static void keep_result(void *ctx, const hottest_result_t *r)
{
    last_result_t *l = ctx;
    l->n++;
    l->r = *r;
    l->r.reported = NULL; /* the hour stage's scratch: not kept */
}

static void test_hour_stage_waits_for_its_slowest_station_not_its_partitions(void **state)
{
    (void)state;
    hour_stage_t *hs = hour_stage_new();
    hottest_entry_t e = {.wban = 23907, .lst_offset_min = -360, .complete = true, .mean = 20.0, .max = 21.0};
    hour_stage_station_t st[2] = {{23907, 5 * WX_HOUR}, {3072, WX_HOUR - 1}};
    last_result_t got = {0};
    assert_int_equal(hour_stage_add(hs, 0, &e), 0);
    assert_int_equal(hour_stage_report(hs, 0, 1, WX_TIME_MAX, st, 2), 0);
    assert_int_equal(hour_stage_emit(hs, keep_result, &got), 0); /* 3072 is behind the hour */
    st[1].upto = WX_TIME_MAX; /* 3072 idle */
    assert_int_equal(hour_stage_report(hs, 0, 1, WX_TIME_MAX, st, 2), 0);
    assert_int_equal(hour_stage_emit(hs, keep_result, &got), 1);
    assert_true(hour_stage_upstream_min(hs) == 5 * WX_HOUR);
    hour_stage_destroy(hs);
}

static void test_a_station_reporting_after_its_hour_was_decided_corrects_it(void **state)
{
    (void)state;
    hour_stage_t *hs = hour_stage_new();
    hour_stage_set_corrections(hs, 24 * WX_HOUR);
    hottest_entry_t austin = {.wban = 23907, .lst_offset_min = -360, .complete = true, .mean = 20.0, .max = 21.0};
    hottest_entry_t bronte = {.wban = 3072, .lst_offset_min = -360, .complete = true, .mean = 22.5, .max = 23.0};
    hour_stage_station_t st[1] = {{23907, 30 * WX_HOUR}};
    last_result_t got = {0};
    assert_int_equal(hour_stage_add(hs, 0, &austin), 0);
    assert_int_equal(hour_stage_add(hs, 29 * WX_HOUR, &austin), 0);
    assert_int_equal(hour_stage_report(hs, 0, 1, WX_TIME_MAX, st, 1), 0);
    assert_int_equal(hour_stage_emit(hs, keep_result, &got), 2);
    assert_int_equal(got.r.by_mean.wban, 23907);
    /* Bronte's hour 29 arrives after it was decided: corrected, with Bronte the hottest. */
    assert_int_equal(hour_stage_add(hs, 29 * WX_HOUR, &bronte), 0);
    assert_true(hour_stage_has_open(hs));
    got.n = 0;
    assert_int_equal(hour_stage_emit(hs, keep_result, &got), 1);
    assert_int_equal(got.r.by_mean.wban, 3072);
    assert_int_equal((int)got.r.n_reported, 2);
    assert_true(got.r.hour_start == 29 * WX_HOUR);
    assert_false(hour_stage_has_open(hs));
    /* Hour 0 is more than 24 h behind the latest decided hour: no longer kept, late. */
    assert_int_equal(hour_stage_add(hs, 0, &bronte), 1);
    /* The kept hours survive a snapshot. */
    wxbuf_t b = WXBUF_INIT;
    hour_stage_save(hs, &b);
    hour_stage_destroy(hs);
    assert_non_null(hs = hour_stage_load(b.data, b.len, 24 * WX_HOUR));
    wxbuf_free(&b);
    hottest_entry_t spokane = {.wban = 4136, .lst_offset_min = -480, .complete = true, .mean = 30.0, .max = 31.0};
    assert_int_equal(hour_stage_add(hs, 29 * WX_HOUR, &spokane), 0);
    got.n = 0;
    assert_int_equal(hour_stage_emit(hs, keep_result, &got), 1);
    assert_int_equal(got.r.by_max.wban, 4136);
    assert_int_equal((int)got.r.n_reported, 3);
    hour_stage_destroy(hs);
}

/* Found by the fault tests: input read a second time (a rebalance on the mock cluster) sends
 * the same summaries again, and an hour without a valid reading has a NaN mean, which is not
 * equal to itself: every such hour was published a second time. */
static void test_the_same_summary_again_corrects_nothing(void **state)
{
    (void)state;
    hour_stage_t *hs = hour_stage_new();
    hour_stage_set_corrections(hs, 24 * WX_HOUR);
    hottest_entry_t a = {.wban = 23907, .lst_offset_min = -360, .complete = true, .mean = 20.0,
                         .max = 21.0};
    hottest_entry_t b = {.wban = 3072, .lst_offset_min = -360, .complete = false, .mean = NAN,
                         .max = NAN};
    hour_stage_station_t st[2] = {{23907, 3 * WX_HOUR}, {3072, 3 * WX_HOUR}};
    last_result_t got = {0};
    assert_int_equal(hour_stage_add(hs, 0, &a), 0);
    assert_int_equal(hour_stage_add(hs, 0, &b), 0);
    assert_int_equal(hour_stage_report(hs, 0, 1, WX_TIME_MAX, st, 2), 0);
    assert_int_equal(hour_stage_emit(hs, keep_result, &got), 1);
    assert_int_equal(hour_stage_add(hs, 0, &a), 0);
    assert_int_equal(hour_stage_add(hs, 0, &b), 0);
    assert_false(hour_stage_has_open(hs));
    assert_int_equal(hour_stage_emit(hs, keep_result, &got), 0);
    b.max = 5.0; /* a different summary does correct it */
    assert_int_equal(hour_stage_add(hs, 0, &b), 0);
    assert_int_equal(hour_stage_emit(hs, keep_result, &got), 1);
    hour_stage_destroy(hs);
}

static void test_an_expected_station_holds_hours_until_it_reports_or_the_input_ends(void **state)
{
    (void)state;
    hour_stage_t *hs = hour_stage_new();
    assert_int_equal(hour_stage_expect(hs, 3072), 0);
    hottest_entry_t e = {.wban = 23907, .lst_offset_min = -360, .complete = true, .mean = 20.0, .max = 21.0};
    hour_stage_station_t st[2] = {{23907, 5 * WX_HOUR}, {3072, 2 * WX_HOUR}};
    last_result_t got = {0};
    assert_int_equal(hour_stage_add(hs, 0, &e), 0);
    assert_int_equal(hour_stage_report(hs, 0, 1, WX_TIME_MAX, st, 1), 0);
    assert_int_equal(hour_stage_emit(hs, keep_result, &got), 0); /* 3072 not heard from */
    assert_int_equal(hour_stage_report(hs, 0, 1, WX_TIME_MAX, st, 2), 0);
    assert_int_equal(hour_stage_emit(hs, keep_result, &got), 1);
    hour_stage_destroy(hs);

    hs = hour_stage_new();
    assert_int_equal(hour_stage_expect(hs, 3072), 0);
    st[0].upto = WX_TIME_MAX; /* the input ended without 3072 */
    assert_int_equal(hour_stage_add(hs, 0, &e), 0);
    assert_int_equal(hour_stage_report(hs, 0, 1, WX_TIME_MAX, st, 1), 0);
    assert_true(hour_stage_all_final(hs));
    assert_int_equal(hour_stage_emit(hs, keep_result, &got), 1);
    hour_stage_destroy(hs);

    hs = hour_stage_new();
    assert_int_equal(hour_stage_expect(hs, 3072), 0);
    st[0].upto = 5 * WX_HOUR;
    assert_int_equal(hour_stage_add(hs, 0, &e), 0);
    assert_int_equal(hour_stage_report(hs, 0, 1, WX_TIME_MAX, st, 1), 0);
    hour_stage_forget_expected(hs); /* silent for the idle timeout */
    assert_int_equal(hour_stage_emit(hs, keep_result, &got), 1);
    hour_stage_destroy(hs);
}

/* Found in review: an idle period (every partition reporting WX_TIME_MAX) used to mark every
 * future hour as decided, so no MaxTemp record was ever produced again. */
static void test_hours_after_an_idle_period_are_still_decided(void **state)
{
    (void)state;
    hour_stage_t *hs = hour_stage_new();
    int emitted = 0;
    hottest_entry_t e = {23907, -360, true, 20.0, 21.0, ""};
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
    hottest_entry_t e = {23907, -360, true, 20.0, 21.0, ""};
    assert_int_equal(hour_stage_add(hs, 0, &e), 0);
    assert_int_equal(hour_stage_progress(hs, 0, 1, WX_HOUR), 0);
    assert_int_equal(hour_stage_emit(hs, count_emit, &emitted), 1);
    assert_int_equal(emitted, 1);
    hottest_entry_t f = {3072, -360, true, 30.0, 31.0, ""};
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
        cmocka_unit_test(test_reading_behind_its_own_station_by_the_grace_is_late_and_no_other),
        cmocka_unit_test(test_station_files_one_after_another_equal_batch),
        cmocka_unit_test(test_one_station_a_day_behind_the_others_equals_batch),
        cmocka_unit_test(test_a_partition_lagging_by_hours_equals_batch),
        cmocka_unit_test(test_bad_records_become_dead_letters_and_nothing_else),
        cmocka_unit_test(test_reading_behind_a_forced_release_is_late_not_dropped),
        cmocka_unit_test(test_hour_stage_waits_for_every_upstream_partition),
        cmocka_unit_test(test_hour_stage_waits_for_its_slowest_station_not_its_partitions),
        cmocka_unit_test(test_a_station_reporting_after_its_hour_was_decided_corrects_it),
        cmocka_unit_test(test_an_expected_station_holds_hours_until_it_reports_or_the_input_ends),
        cmocka_unit_test(test_the_same_summary_again_corrects_nothing),
        cmocka_unit_test(test_summary_for_a_decided_hour_is_late),
        cmocka_unit_test(test_hour_stage_apply_tells_bad_records_from_late_ones),
        cmocka_unit_test(test_input_is_final_only_when_every_upstream_partition_says_so),
        cmocka_unit_test(test_hours_after_an_idle_period_are_still_decided),
        cmocka_unit_test(test_gauges_count_stations_and_open_hours_until_the_flush),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
