/* hottest: the hottest station per UTC hour (see hottest.h for the rules and tie-breaks).
 * Main type: hottest_t, a sorted array of open hours, each with its stations sorted by WBAN. */
#include "hottest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct hour_slot {
    wx_time_t start;
    hottest_entry_t *entries; /* ascending WBAN */
    size_t n, cap;
} hour_slot_t;

struct hottest {
    hour_slot_t *hours; /* ascending start */
    size_t n, cap;
    int32_t *scratch;   /* reported WBANs handed to the emit callback */
    size_t scratch_cap;
};

hottest_t *hottest_new(void)
{
    return calloc(1, sizeof(hottest_t));
}

void hottest_destroy(hottest_t *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        free(h->hours[i].entries);
    free(h->hours);
    free(h->scratch);
    free(h);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 8;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static hour_slot_t *find_or_add_hour(hottest_t *h, wx_time_t start)
{
    size_t lo = 0, hi = h->n;
    /* Hours almost always arrive in order: check the last one first. */
    if (h->n > 0 && h->hours[h->n - 1].start < start) {
        lo = h->n;
    } else {
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (h->hours[mid].start < start)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < h->n && h->hours[lo].start == start)
            return &h->hours[lo];
    }
    if (grow((void **)&h->hours, &h->cap, h->n + 1, sizeof *h->hours) != 0)
        return NULL;
    memmove(&h->hours[lo + 1], &h->hours[lo], (h->n - lo) * sizeof *h->hours);
    memset(&h->hours[lo], 0, sizeof *h->hours);
    h->hours[lo].start = start;
    h->n++;
    return &h->hours[lo];
}

int hottest_add(hottest_t *h, wx_time_t hour_start, const hottest_entry_t *e)
{
    hour_slot_t *slot = find_or_add_hour(h, hour_start);
    if (!slot)
        return -1;
    size_t i = 0;
    while (i < slot->n && slot->entries[i].wban < e->wban)
        i++;
    if (i < slot->n && slot->entries[i].wban == e->wban) {
        slot->entries[i] = *e;
        return 0;
    }
    if (grow((void **)&slot->entries, &slot->cap, slot->n + 1, sizeof *slot->entries) != 0)
        return -1;
    memmove(&slot->entries[i + 1], &slot->entries[i], (slot->n - i) * sizeof *slot->entries);
    slot->entries[i] = *e;
    slot->n++;
    return 0;
}

/* Entries are visited in ascending WBAN, so a strict '>' leaves ties with the lowest WBAN. */
static int decide(hottest_t *h, const hour_slot_t *slot, hottest_emit_fn emit, void *ctx)
{
    hottest_result_t r;
    memset(&r, 0, sizeof r);
    r.hour_start = slot->start;
    r.hour_end = slot->start + WX_HOUR;
    if (grow((void **)&h->scratch, &h->scratch_cap, slot->n, sizeof *h->scratch) != 0)
        return -1;
    for (size_t i = 0; i < slot->n; i++) {
        const hottest_entry_t *e = &slot->entries[i];
        h->scratch[i] = e->wban;
        if (!e->complete)
            continue;
        r.n_complete++;
        if (!r.has_winner || e->mean > r.by_mean.mean)
            r.by_mean = *e;
        if (!r.has_winner || e->max > r.by_max.max)
            r.by_max = *e;
        r.has_winner = true;
    }
    r.n_reported = slot->n;
    r.reported = h->scratch;
    emit(ctx, &r);
    return 0;
}

size_t hottest_close(hottest_t *h, wx_time_t upto, hottest_emit_fn emit, void *ctx)
{
    size_t done = 0;
    while (done < h->n && h->hours[done].start + WX_HOUR <= upto) {
        if (decide(h, &h->hours[done], emit, ctx) != 0)
            break;
        free(h->hours[done].entries);
        done++;
    }
    if (done) { /* hours is NULL before the first hour: no memmove on it */
        memmove(&h->hours[0], &h->hours[done], (h->n - done) * sizeof *h->hours);
        h->n -= done;
    }
    return done;
}

wx_time_t hottest_oldest_open(const hottest_t *h)
{
    return h->n ? h->hours[0].start : WX_TIME_MAX;
}

hottest_entry_t hottest_entry_from_hourly(const hourly_result_t *r)
{
    hottest_entry_t e;
    memset(&e, 0, sizeof e);
    e.wban = r->wban;
    e.lst_offset_min = r->lst_offset_min;
    e.complete = r->has_mean && !r->partial;
    e.mean = r->mean;
    e.max = r->max;
    if (r->source_file)
        snprintf(e.source_file, sizeof e.source_file, "%s", r->source_file);
    return e;
}

void hottest_entry_save(const hottest_entry_t *e, wxbuf_t *out)
{
    wxser_i32(out, e->wban);
    wxser_i32(out, e->lst_offset_min);
    wxser_u8(out, e->complete);
    wxser_f64(out, e->mean);
    wxser_f64(out, e->max);
    wxser_str(out, e->source_file); /* last: added with the seed's source_file (issue 8) */
}

void hottest_entry_load(hottest_entry_t *e, wxser_reader_t *in)
{
    memset(e, 0, sizeof *e);
    e->wban = wxser_get_i32(in);
    e->lst_offset_min = wxser_get_i32(in);
    e->complete = wxser_get_u8(in) != 0;
    e->mean = wxser_get_f64(in);
    e->max = wxser_get_f64(in);
    wxser_get_str(in, e->source_file, sizeof e->source_file);
}

void hottest_save(const hottest_t *h, wxbuf_t *out)
{
    wxser_u32(out, (uint32_t)h->n);
    for (size_t i = 0; i < h->n; i++) {
        wxser_i64(out, h->hours[i].start);
        wxser_u32(out, (uint32_t)h->hours[i].n);
        for (size_t j = 0; j < h->hours[i].n; j++)
            hottest_entry_save(&h->hours[i].entries[j], out);
    }
}

int hottest_load(hottest_t *h, wxser_reader_t *in)
{
    uint32_t n = wxser_get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        wx_time_t start = wxser_get_i64(in);
        uint32_t k = wxser_get_u32(in);
        for (uint32_t j = 0; j < k && !in->bad; j++) {
            hottest_entry_t e;
            hottest_entry_load(&e, in);
            if (!in->bad && hottest_add(h, start, &e) != 0)
                return -1;
        }
    }
    return in->bad ? -1 : 0;
}
