/* Helpers shared by the unit tests (see testutil.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "testutil.h"
#include "batch.h"
#include "json_results.h"

char *test_read_data(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", WX_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open test data %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    assert_int_equal(got, (size_t)n);
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return buf;
}

static void add_line(test_lines_t *l, const char *topic, const wxbuf_t *b)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    size_t tl = strlen(topic);
    char *s = malloc(tl + b->len + 2);
    assert_non_null(s);
    memcpy(s, topic, tl);
    s[tl] = ' ';
    memcpy(s + tl + 1, b->data, b->len);
    s[tl + 1 + b->len] = '\0';
    l->v[l->n++] = s;
}

static void on_hourly(void *ctx, const hourly_result_t *r)
{
    wxbuf_t b = WXBUF_INIT;
    json_results_hourly(r, &b);
    add_line(ctx, "Output", &b);
    wxbuf_free(&b);
}

static void on_outlier(void *ctx, const outlier_event_t *o)
{
    wxbuf_t b = WXBUF_INIT;
    json_results_outlier(o, &b);
    add_line(ctx, "Outliers", &b);
    wxbuf_free(&b);
}

static void on_hottest(void *ctx, const hottest_result_t *r)
{
    wxbuf_t b = WXBUF_INIT;
    json_results_hottest(r, &b);
    add_line(ctx, "MaxTemp", &b);
    wxbuf_free(&b);
}

static void on_dead(void *ctx, const dead_letter_t *d)
{
    test_lines_t *l = ctx;
    l->dead++;
    if (!strcmp(d->reason, "duplicate"))
        l->duplicates++;
    if (!strcmp(d->reason, "late"))
        l->late++;
}

wx_sink_t test_lines_sink(test_lines_t *l)
{
    wx_sink_t s = {l, on_hourly, on_outlier, on_hottest, on_dead};
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void test_lines_sort(test_lines_t *l)
{
    if (l->n) /* v is NULL while empty */
        qsort(l->v, l->n, sizeof *l->v, cmp_str);
}

size_t test_lines_count(const test_lines_t *l, const char *prefix)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        k += strncmp(l->v[i], prefix, strlen(prefix)) == 0;
    return k;
}

void test_lines_assert_same(const test_lines_t *a, const test_lines_t *b)
{
    for (size_t i = 0; i < a->n && i < b->n; i++)
        assert_string_equal(a->v[i], b->v[i]);
    assert_int_equal(a->n, b->n);
}

void test_lines_free(test_lines_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

uscrn_reading_t test_reading(int32_t wban, int offset_min, wx_time_t t, double temp)
{
    uscrn_reading_t r;
    memset(&r, 0, sizeof r);
    uscrn_set_all_missing(&r);
    r.wbanno = wban;
    wx_time_to_date_hhmm(t, &r.utc_date, &r.utc_time);
    wx_time_to_date_hhmm(t + offset_min * 60, &r.lst_date, &r.lst_time);
    r.air_temperature = temp;
    char err[128];
    assert_int_equal(uscrn_finish(&r, err, sizeof err), 0);
    return r;
}

size_t test_make_readings(uscrn_reading_t *rs, size_t max, int days, uint64_t seed)
{
    static const struct {
        int32_t wban;
        int offset;
        double base;
    } st[3] = {{23907, -360, 20.0}, {3072, -360, 18.0}, {4136, -480, 8.0}};
    size_t n = 0;
    wx_time_t t0;
    uint64_t rng = seed;
    assert_true(wx_time_from_date_hhmm(20241230, 0, &t0));
    for (int s = 0; s < 3; s++) {
        for (int i = 1; i <= days * 288 && n < max; i++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t u1 = (uint32_t)(rng >> 33);
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t u2 = (uint32_t)(rng >> 33);
            double v = st[s].base + 7.0 * sin((double)i * 2 * 3.14159265358979 / 288.0) +
                       (double)(u1 % 7) / 10.0;
            v = round(v * 10.0) / 10.0;
            uint32_t u = u2 % 1000;
            if (u < 15)
                v = -9999.0;
            else if (u < 18)
                v += (u1 % 2 ? 12.0 : -12.0);
            else if (u < 19)
                v = 77.7;
            rs[n++] = test_reading(st[s].wban, st[s].offset, t0 + i * 300, v);
        }
    }
    return n;
}

const char *test_source_file(const uscrn_reading_t *r, char *buf, size_t size)
{
    snprintf(buf, size, "CRNS0101-05-%d-%05d.txt", (int)(r->utc_date / 10000), (int)r->wbanno);
    return buf;
}

test_lines_t test_batch_lines(const uscrn_reading_t *rs, size_t n, bool with_source)
{
    wx_config_t cfg;
    wx_config_default(&cfg);
    batch_t *b = batch_new(&cfg);
    assert_non_null(b);
    char err[256];
    for (size_t i = 0; i < n; i++)
    {
        char name[64];
        const char *src = with_source ? test_source_file(&rs[i], name, sizeof name) : NULL;
        assert_int_equal(batch_add(b, &rs[i], batch_source(b, src), i, err, sizeof err), 0);
    }
    test_lines_t out = {0};
    wx_sink_t sink = test_lines_sink(&out);
    assert_true(batch_run(b, &sink) >= 0);
    batch_destroy(b);
    test_lines_sort(&out);
    return out;
}
