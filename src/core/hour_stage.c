/* hour_stage: decides hottest-station hours once all upstream partitions passed them
 * (see hour_stage.h). Main type: hour_stage_t — hottest_t plus the upstream progress. */
#include "hour_stage.h"

#include <stdlib.h>
#include <string.h>

#include "wban_map.h"
#include "wxser.h"

#define SNAPSHOT_VERSION 3 /* 3: stations, kept hours, source files (earlier ones refused) */
#define REC_SUMMARY 'S'
#define REC_PROGRESS 'P' /* a partition's floor only (what version 1 sent) */
#define REC_REPORT 'Q'   /* a partition's floor and its stations' progress */

struct hour_stage {
    hottest_t *hours;
    int32_t n_upstream;    /* 0 until the first progress report */
    wx_time_t *progress;   /* per upstream partition, its floor; WX_TIME_MIN = not reported */
    hour_stage_station_t *st; /* every station reported, in order of first report */
    size_t n_st, cap_st;
    int32_t *expected;     /* hour_stage_expect: stations waited for before any report */
    size_t n_expected, cap_expected;
    wban_map_t index;      /* WBAN -> position in st */
    wx_time_t decided;
    wx_time_t keep;        /* corrections for hours decided up to this long ago (0: none) */
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
    free(hs->st);
    free(hs->expected);
    wban_map_free(&hs->index);
    free(hs);
}

void hour_stage_set_corrections(hour_stage_t *hs, wx_time_t keep)
{
    hs->keep = keep > 0 ? keep : 0;
    hottest_keep_decided(hs->hours, hs->keep > 0);
}

hour_stage_rc_t hour_stage_add(hour_stage_t *hs, wx_time_t hour_start, const hottest_entry_t *e)
{
    if (hs->decided != WX_TIME_MIN && hour_start + WX_HOUR <= hs->decided) {
        /* Decided without this station: corrected while the hour is kept, late after. */
        if (hs->keep == 0 || hour_start + WX_HOUR <= hs->decided - hs->keep)
            return HOUR_STAGE_LATE;
        if (hottest_add(hs->hours, hour_start, e) != 0) /* fails only out of memory */
            return HOUR_STAGE_NO_MEMORY;
        hottest_revise(hs->hours, hour_start);
        return HOUR_STAGE_OK;
    }
    return hottest_add(hs->hours, hour_start, e) == 0 ? HOUR_STAGE_OK : HOUR_STAGE_NO_MEMORY;
}

/* Progress never goes back, except from WX_TIME_MAX (idle) to a real time (data again). */
static void advance(wx_time_t *cur, wx_time_t upto)
{
    if (upto > *cur || *cur == WX_TIME_MAX)
        *cur = upto;
}

static hour_stage_rc_t station_progress(hour_stage_t *hs, int32_t wban, wx_time_t upto)
{
    int i = wban_map_get(&hs->index, wban);
    if (i >= 0) {
        advance(&hs->st[i].upto, upto);
        return HOUR_STAGE_OK;
    }
    if (hs->n_st == hs->cap_st) {
        size_t c = hs->cap_st ? hs->cap_st * 2 : 8;
        hour_stage_station_t *p = realloc(hs->st, c * sizeof *p);
        if (!p)
            return HOUR_STAGE_NO_MEMORY;
        hs->st = p;
        hs->cap_st = c;
    }
    if (wban_map_put(&hs->index, wban, (int32_t)hs->n_st) != 0) /* fails only out of memory */
        return HOUR_STAGE_NO_MEMORY;
    hs->st[hs->n_st].wban = wban;
    hs->st[hs->n_st].upto = upto;
    hs->n_st++;
    return HOUR_STAGE_OK;
}

hour_stage_rc_t hour_stage_report(hour_stage_t *hs, int32_t partition, int32_t n_partitions,
                                  wx_time_t floor, const hour_stage_station_t *st, size_t n_st)
{
    hour_stage_rc_t rc = hour_stage_progress(hs, partition, n_partitions, floor);
    if (rc != HOUR_STAGE_OK)
        return rc;
    for (size_t i = 0; i < n_st; i++)
        if ((rc = station_progress(hs, st[i].wban, st[i].upto)) != HOUR_STAGE_OK)
            return rc;
    return HOUR_STAGE_OK;
}

hour_stage_rc_t hour_stage_progress(hour_stage_t *hs, int32_t partition, int32_t n_partitions,
                                    wx_time_t upto)
{
    if (n_partitions <= 0 || n_partitions > HOUR_STAGE_MAX_UPSTREAM || partition < 0 ||
        partition >= n_partitions)
        return HOUR_STAGE_BAD_RECORD;
    if (n_partitions > hs->n_upstream) {
        /* The input topic grew (or this is the first report): new partitions hold time back
         * until they report. */
        wx_time_t *p = realloc(hs->progress, (size_t)n_partitions * sizeof *p);
        if (!p)
            return HOUR_STAGE_NO_MEMORY;
        for (int32_t i = hs->n_upstream; i < n_partitions; i++)
            p[i] = WX_TIME_MIN;
        hs->progress = p;
        hs->n_upstream = n_partitions;
    }
    advance(&hs->progress[partition], upto);
    return HOUR_STAGE_OK;
}

hour_stage_rc_t hour_stage_expect(hour_stage_t *hs, int32_t wban)
{
    for (size_t i = 0; i < hs->n_expected; i++)
        if (hs->expected[i] == wban)
            return HOUR_STAGE_OK;
    if (hs->n_expected == hs->cap_expected) {
        size_t c = hs->cap_expected ? hs->cap_expected * 2 : 8;
        int32_t *p = realloc(hs->expected, c * sizeof *p);
        if (!p)
            return HOUR_STAGE_NO_MEMORY;
        hs->expected = p;
        hs->cap_expected = c;
    }
    hs->expected[hs->n_expected++] = wban;
    return HOUR_STAGE_OK;
}

void hour_stage_forget_expected(hour_stage_t *hs)
{
    hs->n_expected = 0;
}

/* An expected station nobody has reported yet. */
static bool awaited(const hour_stage_t *hs)
{
    for (size_t i = 0; i < hs->n_expected; i++)
        if (wban_map_get(&hs->index, hs->expected[i]) < 0)
            return true;
    return false;
}

wx_time_t hour_stage_upstream_min(const hour_stage_t *hs)
{
    if (hs->n_upstream == 0)
        return WX_TIME_MIN;
    wx_time_t m = WX_TIME_MAX;
    for (int32_t i = 0; i < hs->n_upstream; i++)
        if (hs->progress[i] < m)
            m = hs->progress[i];
    for (size_t i = 0; i < hs->n_st; i++)
        if (hs->st[i].upto < m)
            m = hs->st[i].upto;
    /* An expected station that never reported holds every hour back, unless the whole input
     * has ended (everything else final) without it. */
    if (m != WX_TIME_MAX && awaited(hs))
        return WX_TIME_MIN;
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
    if (hs->keep > 0 && hs->decided != WX_TIME_MIN)
        hottest_forget(hs->hours, hs->decided - hs->keep);
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
    wxser_u32(out, (uint32_t)hs->n_st);
    for (size_t i = 0; i < hs->n_st; i++) {
        wxser_i32(out, hs->st[i].wban);
        wxser_i64(out, hs->st[i].upto);
    }
    hottest_save(hs->hours, out);
}

hour_stage_t *hour_stage_load(const void *data, size_t len, wx_time_t keep)
{
    wxser_reader_t in;
    wxser_reader_init(&in, data, len);
    if (wxser_get_u8(&in) != SNAPSHOT_VERSION)
        return NULL;
    hour_stage_t *hs = hour_stage_new();
    if (!hs)
        return NULL;
    hour_stage_set_corrections(hs, keep);
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
    uint32_t n_st = wxser_get_u32(&in);
    for (uint32_t i = 0; i < n_st && !in.bad; i++) {
        int32_t wban = wxser_get_i32(&in);
        wx_time_t upto = wxser_get_i64(&in);
        if (!in.bad && station_progress(hs, wban, upto) != 0)
            goto bad;
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

void hour_stage_encode_report(int32_t partition, int32_t n_partitions, wx_time_t floor,
                              const hour_stage_station_t *st, size_t n_st, wxbuf_t *out)
{
    wxser_u8(out, REC_REPORT);
    wxser_i32(out, partition);
    wxser_i32(out, n_partitions);
    wxser_i64(out, floor);
    wxser_u32(out, (uint32_t)n_st);
    for (size_t i = 0; i < n_st; i++) {
        wxser_i32(out, st[i].wban);
        wxser_i64(out, st[i].upto);
    }
}

hour_stage_rc_t hour_stage_apply(hour_stage_t *hs, const void *data, size_t len,
                                 wx_time_t *hour_start, hottest_entry_t *e)
{
    wxser_reader_t in;
    wxser_reader_init(&in, data, len);
    uint8_t kind = wxser_get_u8(&in);
    if (kind == REC_SUMMARY) {
        *hour_start = wxser_get_i64(&in);
        hottest_entry_load(e, &in);
        if (in.bad || in.left)
            return HOUR_STAGE_BAD_RECORD;
        return hour_stage_add(hs, *hour_start, e);
    }
    if (kind == REC_PROGRESS) {
        int32_t p = wxser_get_i32(&in);
        int32_t n = wxser_get_i32(&in);
        wx_time_t upto = wxser_get_i64(&in);
        if (in.bad || in.left)
            return HOUR_STAGE_BAD_RECORD;
        return hour_stage_progress(hs, p, n, upto);
    }
    if (kind == REC_REPORT) {
        int32_t p = wxser_get_i32(&in);
        int32_t n = wxser_get_i32(&in);
        wx_time_t floor = wxser_get_i64(&in);
        uint32_t k = wxser_get_u32(&in);
        if (in.bad || k > in.left / 12)
            return HOUR_STAGE_BAD_RECORD;
        hour_stage_station_t *st = k ? malloc(k * sizeof *st) : NULL;
        if (k && !st)
            return HOUR_STAGE_NO_MEMORY;
        for (uint32_t i = 0; i < k; i++) {
            st[i].wban = wxser_get_i32(&in);
            st[i].upto = wxser_get_i64(&in);
        }
        hour_stage_rc_t rc =
            in.bad || in.left ? HOUR_STAGE_BAD_RECORD : hour_stage_report(hs, p, n, floor, st, k);
        free(st);
        return rc;
    }
    return HOUR_STAGE_BAD_RECORD;
}

size_t hour_stage_open_hours(const hour_stage_t *hs)
{
    return hottest_open_hours(hs->hours);
}
