/* replay's input without a broker: the k-way merge of files by event time (replay_merge), the
 * pending records of each file (replay_heap) and --jitter's read-ahead (replay_source). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "replay_merge.h"

/* A file already read: its records are pending, nothing is left to read. */
static void add(replay_src_t *s, int64_t sort_ms, long line_no)
{
    replay_rec_t *r = replay_heap_get(&s->pending);
    assert_non_null(r);
    r->sort_ms = sort_ms;
    r->ts_ms = sort_ms;
    r->line_no = line_no;
    replay_heap_push(&s->pending, r);
}

typedef struct sent {
    size_t file;
    int64_t sort_ms;
    long line_no;
} sent_t;

/* Runs the merge to its end as replay's send loop does (after replay_merge_init); returns how
 * many records came out. */
static size_t drain(replay_merge_t *m, sent_t *out, size_t max)
{
    size_t n = 0;
    while (m->n_active > 0) {
        replay_src_t *s;
        replay_rec_t *r = replay_merge_pop(m, &s);
        assert_true(n < max);
        out[n++] = (sent_t){s->index, r->sort_ms, r->line_no};
        replay_heap_put(&s->pending, r);
        assert_int_equal(replay_merge_advance(m), REPLAY_SRC_OK);
    }
    return n;
}

static void in_memory(replay_src_t *srcs, size_t n)
{
    memset(srcs, 0, n * sizeof *srcs);
    for (size_t i = 0; i < n; i++) {
        srcs[i].index = i;
        srcs[i].eof = true;
    }
}

static void test_three_files_come_out_in_event_time_order(void **state)
{
    (void)state;
    replay_src_t f[3];
    in_memory(f, 3);
    /* each file in its own time order; together interleaved, of different lengths */
    int64_t t0[] = {100, 400, 700, 1000, 1300};
    int64_t t1[] = {200, 300, 900};
    int64_t t2[] = {50, 500, 600, 800, 1100, 1200, 1400};
    for (size_t i = 0; i < 5; i++)
        add(&f[0], t0[i], (long)i + 1);
    for (size_t i = 0; i < 3; i++)
        add(&f[1], t1[i], (long)i + 1);
    for (size_t i = 0; i < 7; i++)
        add(&f[2], t2[i], (long)i + 1);
    replay_src_t *ptrs[] = {&f[0], &f[1], &f[2]};
    replay_merge_t m = {ptrs, 3, 0};
    replay_merge_init(&m);
    sent_t out[16];
    size_t n = drain(&m, out, 16);

    const sent_t want[] = {{2, 50, 1},  {0, 100, 1},  {1, 200, 1},  {1, 300, 2},  {0, 400, 2},
                           {2, 500, 2}, {2, 600, 3},  {0, 700, 3},  {2, 800, 4},  {1, 900, 3},
                           {0, 1000, 4}, {2, 1100, 5}, {2, 1200, 6}, {0, 1300, 5}, {2, 1400, 7}};
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i].file, want[i].file);
        assert_int_equal(out[i].sort_ms, want[i].sort_ms);
        assert_int_equal(out[i].line_no, want[i].line_no);
    }
    for (size_t i = 0; i < 3; i++)
        replay_src_close(&f[i]);
}

static void test_equal_times_go_to_the_file_given_first(void **state)
{
    (void)state;
    replay_src_t f[3];
    in_memory(f, 3);
    for (size_t i = 0; i < 3; i++) {
        add(&f[i], 1000, 1);
        add(&f[i], 2000, 2);
    }
    /* the array order is not the command line's: the tie goes by index */
    replay_src_t *ptrs[] = {&f[2], &f[0], &f[1]};
    replay_merge_t m = {ptrs, 3, 0};
    replay_merge_init(&m);
    sent_t out[8];
    size_t n = drain(&m, out, 8);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(out[i].file, i % 3);
        assert_int_equal(out[i].sort_ms, i < 3 ? 1000 : 2000);
    }
    for (size_t i = 0; i < 3; i++)
        replay_src_close(&f[i]);
}

static void test_within_a_file_equal_times_keep_the_line_order(void **state)
{
    (void)state;
    replay_src_t f[1];
    in_memory(f, 1);
    add(&f[0], 500, 3); /* pushed out of order: the heap orders by (time, line) */
    add(&f[0], 500, 1);
    add(&f[0], 100, 4);
    add(&f[0], 500, 2);
    replay_src_t *ptrs[] = {&f[0]};
    replay_merge_t m = {ptrs, 1, 0};
    replay_merge_init(&m);
    sent_t out[8];
    assert_int_equal(drain(&m, out, 8), 4);
    long lines[] = {4, 1, 2, 3};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(out[i].line_no, lines[i]);
    replay_src_close(&f[0]);
}

static void test_a_file_without_records_never_enters_the_merge(void **state)
{
    (void)state;
    replay_src_t f[3];
    in_memory(f, 3);
    add(&f[0], 10, 1);
    add(&f[2], 5, 1);
    replay_src_t *ptrs[] = {&f[0], &f[1], &f[2]};
    replay_merge_t m = {ptrs, 3, 0};
    replay_merge_init(&m);
    assert_int_equal(m.n_active, 2);
    sent_t out[4];
    assert_int_equal(drain(&m, out, 4), 2);
    assert_int_equal(out[0].file, 2);
    assert_int_equal(out[1].file, 0);
    for (size_t i = 0; i < 3; i++)
        replay_src_close(&f[i]);
}

/* --jitter: real files (USCRN lines, 5 min apart, one day from 07:00 UTC), read with jitter. */
#define JIT_LINES 204 /* 07:00 .. 23:55 */
#define JITTER_MS (10 * 60 * 1000)

static void write_file(char *path, int wban)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    for (int i = 0; i < JIT_LINES; i++) {
        int utc = 7 * 60 + 5 * i, lst = utc - 7 * 60;
        fprintf(f,
                "%05d 20260101 %02d%02d 20260101 %02d%02d  2.623 -105.54   40.04     2.7     0.0"
                "      0 0    -2.3 C 0    31 0 -99.000 -9999.0  1824 0   3.95 0\n",
                wban, utc / 60, utc % 60, lst / 60, lst % 60);
    }
    fclose(f);
}

static void test_jitter_stays_inside_its_window_and_the_merge_stays_in_order(void **state)
{
    (void)state;
    char paths[3][64];
    replay_stats_t stats;
    memset(&stats, 0, sizeof stats);
    atomic_int shown = 0;
    replay_read_cfg_t cfg = {FORMAT_USCRN, JITTER_MS, true, &shown};
    replay_src_t f[3];
    memset(f, 0, sizeof f);
    replay_src_t *ptrs[3];
    for (size_t i = 0; i < 3; i++) {
        snprintf(paths[i], sizeof paths[i], "/tmp/wx_replay_merge_%zu_XXXXXX", i);
        write_file(paths[i], 94075 + (int)i);
        assert_int_equal(replay_src_open(&f[i], &cfg, i, paths[i], "f", 7), 0);
        f[i].stats = &stats;
        assert_int_equal(replay_src_fill(&f[i]), REPLAY_SRC_OK);
        ptrs[i] = &f[i];
    }
    replay_merge_t m = {ptrs, 3, 0};
    replay_merge_init(&m);
    size_t n = 0, moved = 0, reordered = 0;
    int64_t last_sort = INT64_MIN, last_ts[3] = {0, 0, 0};
    long seen[3] = {0, 0, 0};
    while (m.n_active > 0) {
        replay_src_t *s;
        replay_rec_t *r = replay_merge_pop(&m, &s);
        assert_false(r->raw);
        assert_true(r->sort_ms >= r->ts_ms);
        assert_true(r->sort_ms < r->ts_ms + JITTER_MS);
        assert_true(r->sort_ms >= last_sort); /* the merge never goes back in time */
        moved += r->sort_ms != r->ts_ms;
        reordered += r->ts_ms < last_ts[s->index];
        last_sort = r->sort_ms;
        last_ts[s->index] = r->ts_ms;
        /* the file's records are at its line's time: 5 min apart from 07:00 UTC */
        assert_int_equal((r->ts_ms - 1767250800000LL) % 300000, 0);
        seen[s->index]++;
        n++;
        replay_heap_put(&s->pending, r);
        assert_int_equal(replay_merge_advance(&m), REPLAY_SRC_OK);
    }
    assert_int_equal(n, 3 * JIT_LINES);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(seen[i], JIT_LINES);
    assert_int_equal(atomic_load(&stats.lines), 3 * JIT_LINES);
    assert_int_equal(atomic_load(&stats.files_done), 3);
    assert_true(moved > JIT_LINES); /* jitter did move most records... */
    assert_true(reordered > 0);     /* ...and some past a later reading of their file */
    for (size_t i = 0; i < 3; i++) {
        /* the window bounds what a file holds back: 10 min of 5-min readings, plus one */
        assert_true(f[i].pending.cap <= 8);
        replay_src_close(&f[i]);
        unlink(paths[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_files_come_out_in_event_time_order),
        cmocka_unit_test(test_equal_times_go_to_the_file_given_first),
        cmocka_unit_test(test_within_a_file_equal_times_keep_the_line_order),
        cmocka_unit_test(test_a_file_without_records_never_enters_the_merge),
        cmocka_unit_test(test_jitter_stays_inside_its_window_and_the_merge_stays_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
