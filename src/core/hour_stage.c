/* hour_stage: decides hottest-station hours once all upstream partitions passed them
 * (see hour_stage.h). Main type: hour_stage_t — hottest_t plus the upstream progress. */
#include "hour_stage.h"

#include <stdlib.h>
#include <string.h>

#include "wxser.h"

#define SNAPSHOT_VERSION 2 /* 2: summaries carry the max reading's source file */
#define REC_SUMMARY 'S'
#define REC_PROGRESS 'P'

struct hour_stage {
    hottest_t *hours;
    int32_t n_upstream;    /* 0 until the first progress report */
    wx_time_t *progress;   /* per upstream partition; WX_TIME_MIN = not reported */
    wx_time_t decided;
};

hour_stage_t *hour_stage_new(void)
{
    hour_stage_t *hs = calloc(1, sizeof *hs);
    if (!hs)
        return NULL;
    hs->hours = hottest_new();
    if (!hs->hours) {
        free(hs);
        return NULL;
    }
    hs->decided = WX_TIME_MIN;
    return hs;
}

void hour_stage_destroy(hour_stage_t *hs)
{
    if (!hs)
        return;
    hottest_destroy(hs->hours);
    free(hs->progress);
    free(hs);
}

int hour_stage_add(hour_stage_t *hs, wx_time_t hour_start, const hottest_entry_t *e)
{
    if (hs->decided != WX_TIME_MIN && hour_start + WX_HOUR <= hs->decided)
        return 1;
    return hottest_add(hs->hours, hour_start, e) == 0 ? 0 : -1;
}

int hour_stage_progress(hour_stage_t *hs, int32_t partition, int32_t n_partitions, wx_time_t upto)
{
    if (n_partitions <= 0 || n_partitions > HOUR_STAGE_MAX_UPSTREAM || partition < 0 ||
        partition >= n_partitions)
        return -1;
    if (n_partitions > hs->n_upstream) {
        /* The input topic grew (or this is the first report): new partitions hold time back
         * until they report. */
        wx_time_t *p = realloc(hs->progress, (size_t)n_partitions * sizeof *p);
        if (!p)
            return -1;
        for (int32_t i = hs->n_upstream; i < n_partitions; i++)
            p[i] = WX_TIME_MIN;
        hs->progress = p;
        hs->n_upstream = n_partitions;
    }
    wx_time_t *cur = &hs->progress[partition];
    if (upto > *cur || *cur == WX_TIME_MAX)
        *cur = upto;
    return 0;
}

wx_time_t hour_stage_upstream_min(const hour_stage_t *hs)
{
    if (hs->n_upstream == 0)
        return WX_TIME_MIN;
    wx_time_t m = WX_TIME_MAX;
    for (int32_t i = 0; i < hs->n_upstream; i++)
        if (hs->progress[i] < m)
            m = hs->progress[i];
    return m;
}

typedef struct emit_tap {
    hottest_emit_fn emit;
    void *ctx;
    wx_time_t last_end;
} emit_tap_t;

static void tap(void *ctx, const hottest_result_t *r)
{
    emit_tap_t *t = ctx;
    if (r->hour_end > t->last_end)
        t->last_end = r->hour_end;
    t->emit(t->ctx, r);
}

size_t hour_stage_emit(hour_stage_t *hs, hottest_emit_fn emit, void *ctx)
{
    wx_time_t upto = hour_stage_upstream_min(hs);
    if (upto == WX_TIME_MIN)
        return 0;
    emit_tap_t t = {emit, ctx, WX_TIME_MIN};
    size_t n = hottest_close(hs->hours, upto, tap, &t);
    /* When every partition is idle (or finished) the minimum is WX_TIME_MAX: only the hours
     * actually closed count as decided, or every later summary would be late for good. */
    wx_time_t decided = upto == WX_TIME_MAX ? t.last_end : upto;
    if (decided > hs->decided)
        hs->decided = decided;
    return n;
}

bool hour_stage_has_open(const hour_stage_t *hs)
{
    return hottest_oldest_open(hs->hours) != WX_TIME_MAX;
}

bool hour_stage_all_final(const hour_stage_t *hs)
{
    return hs->n_upstream > 0 && hour_stage_upstream_min(hs) == WX_TIME_MAX;
}

wx_time_t hour_stage_decided(const hour_stage_t *hs)
{
    return hs->decided;
}

void hour_stage_save(const hour_stage_t *hs, wxbuf_t *out)
{
    wxser_u8(out, SNAPSHOT_VERSION);
    wxser_i64(out, hs->decided);
    wxser_i32(out, hs->n_upstream);
    for (int32_t i = 0; i < hs->n_upstream; i++)
        wxser_i64(out, hs->progress[i]);
    hottest_save(hs->hours, out);
}

hour_stage_t *hour_stage_load(const void *data, size_t len)
{
    wxser_reader_t in;
    wxser_reader_init(&in, data, len);
    if (wxser_get_u8(&in) != SNAPSHOT_VERSION)
        return NULL;
    hour_stage_t *hs = hour_stage_new();
    if (!hs)
        return NULL;
    hs->decided = wxser_get_i64(&in);
    int32_t n = wxser_get_i32(&in);
    if (n < 0 || n > HOUR_STAGE_MAX_UPSTREAM)
        goto bad;
    if (n > 0) {
        hs->progress = malloc((size_t)n * sizeof *hs->progress);
        if (!hs->progress)
            goto bad;
        hs->n_upstream = n;
        for (int32_t i = 0; i < n; i++)
            hs->progress[i] = wxser_get_i64(&in);
    }
    if (in.bad || hottest_load(hs->hours, &in) != 0)
        goto bad;
    return hs;
bad:
    hour_stage_destroy(hs);
    return NULL;
}

void hour_stage_encode_summary(wx_time_t hour_start, const hottest_entry_t *e, wxbuf_t *out)
{
    wxser_u8(out, REC_SUMMARY);
    wxser_i64(out, hour_start);
    hottest_entry_save(e, out);
}

void hour_stage_encode_progress(int32_t partition, int32_t n_partitions, wx_time_t upto,
                                wxbuf_t *out)
{
    wxser_u8(out, REC_PROGRESS);
    wxser_i32(out, partition);
    wxser_i32(out, n_partitions);
    wxser_i64(out, upto);
}

int hour_stage_apply(hour_stage_t *hs, const void *data, size_t len, wx_time_t *hour_start,
                     hottest_entry_t *e)
{
    wxser_reader_t in;
    wxser_reader_init(&in, data, len);
    uint8_t kind = wxser_get_u8(&in);
    if (kind == REC_SUMMARY) {
        *hour_start = wxser_get_i64(&in);
        hottest_entry_load(e, &in);
        if (in.bad || in.left)
            return -1;
        return hour_stage_add(hs, *hour_start, e);
    }
    if (kind == REC_PROGRESS) {
        int32_t p = wxser_get_i32(&in);
        int32_t n = wxser_get_i32(&in);
        wx_time_t upto = wxser_get_i64(&in);
        if (in.bad || in.left)
            return -1;
        return hour_stage_progress(hs, p, n, upto);
    }
    return -1;
}
