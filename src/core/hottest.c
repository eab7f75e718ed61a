/* hottest: the hottest station per UTC hour (see hottest.h for the rules and tie-breaks).
 * Main type: hottest_t, a sorted array of open hours, each with its stations sorted by WBAN. */
#include "hottest.h"

#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A station's hour as an open hour keeps it: hottest_entry_t without the inline name buffer,
 * which would make each of the (hours x stations) entries batch holds 300 bytes; the name, when
 * there is one, is a copy of its own. */
typedef struct slot_entry {
    int32_t wban;
    int32_t lst_offset_min;
    bool complete;
    double mean;
    double max;
    char *source_file; /* NULL: none */
} slot_entry_t;

typedef struct hour_slot {
    wx_time_t start;
    slot_entry_t *entries; /* ascending WBAN */
    size_t n, cap;
    bool decided; /* emitted once; kept only to correct it (hottest_forget drops it) */
    bool revised; /* decided, then given an entry: emitted again at the next close */
} hour_slot_t;

struct hottest {
    hour_slot_t *hours; /* ascending start */
    size_t n, cap;
    bool keep_decided;
    int32_t *scratch;   /* reported WBANs handed to the emit callback */
    size_t scratch_cap;
};

hottest_t *hottest_new(void)
{
    return calloc(1, sizeof(hottest_t));
}

static void free_slot(hour_slot_t *slot)
{
    for (size_t j = 0; j < slot->n; j++)
        free(slot->entries[j].source_file);
    free(slot->entries);
}

/* Copies a name into an entry's buffer, cut to fit (snprintf costs more than the rest of an
 * entry: this runs for every station hour). */
static void set_name(hottest_entry_t *e, const char *name)
{
    size_t n = name ? strnlen(name, sizeof e->source_file - 1) : 0;
    memcpy(e->source_file, name ? name : "", n);
    e->source_file[n] = '\0';
}

static void to_entry(const slot_entry_t *s, hottest_entry_t *e)
{
    e->wban = s->wban;
    e->lst_offset_min = s->lst_offset_min;
    e->complete = s->complete;
    e->mean = s->mean;
    e->max = s->max;
    set_name(e, s->source_file);
}

/* NaN (an hour without a valid reading) equals NaN here. */
static bool same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static bool same_entry(const slot_entry_t *a, const slot_entry_t *b)
{
    return a->wban == b->wban && a->lst_offset_min == b->lst_offset_min &&
           a->complete == b->complete && same_value(a->mean, b->mean) &&
           same_value(a->max, b->max) &&
           (a->source_file && b->source_file ? strcmp(a->source_file, b->source_file) == 0
                                             : a->source_file == b->source_file);
}

/* Fills *s from *e; returns -1 when the name cannot be copied. */
static int from_entry(const hottest_entry_t *e, slot_entry_t *s)
{
    s->wban = e->wban;
    s->lst_offset_min = e->lst_offset_min;
    s->complete = e->complete;
    s->mean = e->mean;
    s->max = e->max;
    s->source_file = NULL;
    if (e->source_file[0]) {
        size_t n = strnlen(e->source_file, sizeof e->source_file - 1);
        s->source_file = malloc(n + 1);
        if (!s->source_file)
            return -1;
        memcpy(s->source_file, e->source_file, n);
        s->source_file[n] = '\0';
    }
    return 0;
}

void hottest_destroy(hottest_t *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        free_slot(&h->hours[i]);
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
    slot_entry_t se;
    if (from_entry(e, &se) != 0)
        return -1;
    size_t i = 0;
    while (i < slot->n && slot->entries[i].wban < e->wban)
        i++;
    if (i < slot->n && slot->entries[i].wban == e->wban) {
        /* The same summary again (input read a second time) changes nothing: no correction. */
        if (!same_entry(&slot->entries[i], &se))
            slot->revised = slot->decided;
        free(slot->entries[i].source_file);
        slot->entries[i] = se;
        return 0;
    }
    slot->revised = slot->decided;
    if (grow((void **)&slot->entries, &slot->cap, slot->n + 1, sizeof *slot->entries) != 0) {
        free(se.source_file);
        return -1;
    }
    memmove(&slot->entries[i + 1], &slot->entries[i], (slot->n - i) * sizeof *slot->entries);
    slot->entries[i] = se;
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
    const slot_entry_t *by_mean = NULL, *by_max = NULL;
    for (size_t i = 0; i < slot->n; i++) {
        const slot_entry_t *e = &slot->entries[i];
        h->scratch[i] = e->wban;
        if (!e->complete)
            continue;
        r.n_complete++;
        if (!by_mean || e->mean > by_mean->mean)
            by_mean = e;
        if (!by_max || e->max > by_max->max)
            by_max = e;
    }
    if (by_mean) {
        r.has_winner = true;
        to_entry(by_mean, &r.by_mean);
        to_entry(by_max, &r.by_max);
    }
    r.n_reported = slot->n;
    r.reported = h->scratch;
    emit(ctx, &r);
    return 0;
}

static void drop(hottest_t *h, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        free_slot(&h->hours[i]);
    if (to > from) { /* hours is NULL before the first hour: no memmove on it */
        memmove(&h->hours[from], &h->hours[to], (h->n - to) * sizeof *h->hours);
        h->n -= to - from;
    }
}

size_t hottest_close(hottest_t *h, wx_time_t upto, hottest_emit_fn emit, void *ctx)
{
    size_t done = 0;
    for (size_t i = 0; i < h->n; i++) {
        hour_slot_t *slot = &h->hours[i];
        bool due = slot->decided ? slot->revised : slot->start + WX_HOUR <= upto;
        if (!slot->decided && !due)
            break; /* open hours are in order: the rest are later */
        if (!due)
            continue;
        if (decide(h, slot, emit, ctx) != 0)
            break;
        slot->decided = true;
        slot->revised = false;
        done++;
    }
    if (!h->keep_decided) {
        size_t n = 0;
        while (n < h->n && h->hours[n].decided)
            n++;
        drop(h, 0, n);
    }
    return done;
}

void hottest_keep_decided(hottest_t *h, bool keep)
{
    h->keep_decided = keep;
}

size_t hottest_forget(hottest_t *h, wx_time_t before)
{
    size_t n = 0;
    while (n < h->n && h->hours[n].decided && !h->hours[n].revised &&
           h->hours[n].start + WX_HOUR <= before)
        n++;
    drop(h, 0, n);
    return n;
}

void hottest_revise(hottest_t *h, wx_time_t hour_start)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->hours[i].start == hour_start && !h->hours[i].decided)
            h->hours[i].decided = h->hours[i].revised = true; /* a decided one knows already */
}

wx_time_t hottest_oldest_open(const hottest_t *h)
{
    for (size_t i = 0; i < h->n; i++)
        if (!h->hours[i].decided || h->hours[i].revised)
            return h->hours[i].start;
    return WX_TIME_MAX;
}

hottest_entry_t hottest_entry_from_hourly(const hourly_result_t *r)
{
    hottest_entry_t e;
    e.wban = r->wban;
    e.lst_offset_min = r->lst_offset_min;
    e.complete = r->has_mean && !r->partial;
    e.mean = r->mean;
    e.max = r->max;
    set_name(&e, r->source_file);
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
        wxser_u8(out, (uint8_t)(h->hours[i].decided | h->hours[i].revised << 1));
        wxser_u32(out, (uint32_t)h->hours[i].n);
        for (size_t j = 0; j < h->hours[i].n; j++) {
            hottest_entry_t e;
            to_entry(&h->hours[i].entries[j], &e);
            hottest_entry_save(&e, out);
        }
    }
}

int hottest_load(hottest_t *h, wxser_reader_t *in)
{
    uint32_t n = wxser_get_u32(in);
    for (uint32_t i = 0; i < n && !in->bad; i++) {
        wx_time_t start = wxser_get_i64(in);
        uint8_t flags = wxser_get_u8(in);
        uint32_t k = wxser_get_u32(in);
        for (uint32_t j = 0; j < k && !in->bad; j++) {
            hottest_entry_t e;
            hottest_entry_load(&e, in);
            if (!in->bad && hottest_add(h, start, &e) != 0)
                return -1;
        }
        hour_slot_t *slot = k && !in->bad ? find_or_add_hour(h, start) : NULL;
        if (slot) {
            slot->decided = flags & 1;
            slot->revised = (flags & 2) != 0;
        }
    }
    return in->bad ? -1 : 0;
}

size_t hottest_open_hours(const hottest_t *h)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n; i++)
        n += !h->hours[i].decided || h->hours[i].revised;
    return n;
}
