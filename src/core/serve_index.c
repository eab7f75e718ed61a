/* serve_index: the bounded in-memory index behind `wxstream serve` (see serve_index.h).
 *
 * Stations are a sorted array of pointers (binary search; a new station is an insertion). Each
 * keeps two arrays of items sorted by time: records arrive nearly in time order per station, so
 * an upsert is almost always an append. Retention runs when the newest hour advances: each array
 * drops its items older than the cutoff from the front in one move. */
#include "serve_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
    wx_time_t t;
    char *json;
    size_t len;
    char reason[SERVE_REASON_MAX];
} item_t;

typedef struct vec {
    item_t *v;
    size_t n, cap;
} vec_t;

typedef struct station {
    char key[SERVE_STATION_MAX];
    char name[SERVE_NAME_MAX];
    vec_t hours;
    vec_t outliers;
} station_t;

typedef struct reason_count {
    char reason[SERVE_REASON_MAX];
    uint64_t count;
} reason_count_t;

struct serve_index {
    serve_limits_t lim;
    station_t **st;
    size_t n_st, cap_st;
    vec_t hottest;
    reason_count_t reasons[SERVE_MAX_REASONS + 1]; /* the last: "other" */
    size_t n_reasons;
    item_t *dead; /* ring of lim.max_dead */
    size_t dead_head, dead_n;
    uint64_t dead_total, refused, evicted;
    size_t bytes;
    wx_time_t newest, cutoff;
};

#define ITEM_OVERHEAD (sizeof(item_t))

void serve_limits_default(serve_limits_t *l)
{
    l->retention = 7 * WX_DAY;
    l->max_stations = 1024;
    l->max_outliers = 1000;
    l->max_dead = 1000;
}

serve_index_t *serve_index_new(const serve_limits_t *limits)
{
    if (!limits || limits->retention <= 0 || !limits->max_stations || !limits->max_outliers ||
        !limits->max_dead)
        return NULL;
    serve_index_t *idx = calloc(1, sizeof *idx);
    if (!idx)
        return NULL;
    idx->lim = *limits;
    idx->dead = calloc(limits->max_dead, sizeof *idx->dead);
    if (!idx->dead) {
        free(idx);
        return NULL;
    }
    idx->newest = WX_TIME_MIN;
    idx->cutoff = WX_TIME_MIN;
    idx->bytes = sizeof *idx + limits->max_dead * sizeof *idx->dead;
    return idx;
}

static void vec_free(serve_index_t *idx, vec_t *v)
{
    for (size_t i = 0; i < v->n; i++) {
        idx->bytes -= v->v[i].len + ITEM_OVERHEAD;
        free(v->v[i].json);
    }
    idx->bytes -= (v->cap - v->n) * ITEM_OVERHEAD;
    free(v->v);
    v->v = NULL;
    v->n = v->cap = 0;
}

void serve_index_destroy(serve_index_t *idx)
{
    if (!idx)
        return;
    for (size_t i = 0; i < idx->n_st; i++) {
        vec_free(idx, &idx->st[i]->hours);
        vec_free(idx, &idx->st[i]->outliers);
        free(idx->st[i]);
    }
    free(idx->st);
    vec_free(idx, &idx->hottest);
    for (size_t i = 0; i < idx->lim.max_dead; i++)
        free(idx->dead[i].json);
    free(idx->dead);
    free(idx);
}

static void set_err(char *errstr, size_t size, const char *msg)
{
    if (errstr && size)
        snprintf(errstr, size, "%s", msg);
}

static void copy_str(char *dst, size_t size, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

/* First position with v[i].t >= t. */
static size_t vec_lower(const vec_t *v, wx_time_t t)
{
    size_t lo = 0, hi = v->n;
    if (v->n && v->v[v->n - 1].t < t)
        return v->n; /* the common case: a new newest */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->v[mid].t < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Insert or replace the item at time t. Returns 0, or -1 when out of memory. */
static int vec_upsert(serve_index_t *idx, vec_t *v, wx_time_t t, const char *reason,
                      const char *json, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, json, len);
    copy[len] = '\0';
    size_t i = vec_lower(v, t);
    if (i < v->n && v->v[i].t == t) {
        idx->bytes -= v->v[i].len;
        free(v->v[i].json);
    } else {
        if (v->n == v->cap) {
            size_t cap = v->cap ? v->cap * 2 : 16;
            item_t *nv = realloc(v->v, cap * sizeof *nv);
            if (!nv) {
                free(copy);
                return -1;
            }
            idx->bytes += (cap - v->cap) * ITEM_OVERHEAD;
            v->v = nv;
            v->cap = cap;
        }
        memmove(v->v + i + 1, v->v + i, (v->n - i) * sizeof *v->v);
        v->n++;
    }
    v->v[i].t = t;
    v->v[i].json = copy;
    v->v[i].len = len;
    copy_str(v->v[i].reason, sizeof v->v[i].reason, reason);
    idx->bytes += len;
    return 0;
}

/* Drops the first k items. */
static void vec_drop_front(serve_index_t *idx, vec_t *v, size_t k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k; i++) {
        idx->bytes -= v->v[i].len;
        free(v->v[i].json);
    }
    memmove(v->v, v->v + k, (v->n - k) * sizeof *v->v);
    v->n -= k;
    idx->evicted += k;
}

static void vec_evict_before(serve_index_t *idx, vec_t *v, wx_time_t cutoff)
{
    vec_drop_front(idx, v, vec_lower(v, cutoff));
}

/* Position of station key, or where it would go (found = false). */
static size_t station_find(const serve_index_t *idx, const char *key, bool *found)
{
    size_t lo = 0, hi = idx->n_st;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(idx->st[mid]->key, key);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static station_t *station_get(serve_index_t *idx, const char *key, char *errstr,
                              size_t errstr_size)
{
    if (!key || !*key || strlen(key) >= SERVE_STATION_MAX) {
        set_err(errstr, errstr_size, "station key empty or too long");
        return NULL;
    }
    bool found;
    size_t i = station_find(idx, key, &found);
    if (found)
        return idx->st[i];
    if (idx->n_st >= idx->lim.max_stations) {
        set_err(errstr, errstr_size, "station limit reached (--max-stations)");
        return NULL;
    }
    if (idx->n_st == idx->cap_st) {
        size_t cap = idx->cap_st ? idx->cap_st * 2 : 16;
        station_t **ns = realloc(idx->st, cap * sizeof *ns);
        if (!ns) {
            set_err(errstr, errstr_size, "out of memory");
            return NULL;
        }
        idx->bytes += (cap - idx->cap_st) * sizeof *ns;
        idx->st = ns;
        idx->cap_st = cap;
    }
    station_t *s = calloc(1, sizeof *s);
    if (!s) {
        set_err(errstr, errstr_size, "out of memory");
        return NULL;
    }
    copy_str(s->key, sizeof s->key, key);
    memmove(idx->st + i + 1, idx->st + i, (idx->n_st - i) * sizeof *idx->st);
    idx->st[i] = s;
    idx->n_st++;
    idx->bytes += sizeof *s;
    return s;
}

/* Retention: when the newest hour advances, everything older than newest - retention goes, and
 * so do stations left with nothing. */
static void advance(serve_index_t *idx, wx_time_t t)
{
    wx_time_t hour = wx_floor_div(t, WX_HOUR) * WX_HOUR;
    if (idx->newest != WX_TIME_MIN && hour <= idx->newest)
        return;
    idx->newest = hour;
    idx->cutoff = hour - idx->lim.retention;
    vec_evict_before(idx, &idx->hottest, idx->cutoff);
    size_t w = 0;
    for (size_t i = 0; i < idx->n_st; i++) {
        station_t *s = idx->st[i];
        vec_evict_before(idx, &s->hours, idx->cutoff);
        vec_evict_before(idx, &s->outliers, idx->cutoff);
        if (s->hours.n == 0 && s->outliers.n == 0) {
            vec_free(idx, &s->hours);
            vec_free(idx, &s->outliers);
            idx->bytes -= sizeof *s;
            free(s);
            continue;
        }
        idx->st[w++] = s;
    }
    idx->n_st = w;
}

/* Common checks of a put. Returns 1 when the record is too old (dropped, not an error), 0 to
 * go on, -1 when refused. */
static int put_check(serve_index_t *idx, wx_time_t t, size_t len, char *errstr,
                     size_t errstr_size)
{
    if (len == 0 || len > SERVE_RECORD_MAX) {
        set_err(errstr, errstr_size, len ? "record longer than 65536 bytes" : "empty record");
        idx->refused++;
        return -1;
    }
    if (t == WX_TIME_MIN || t == WX_TIME_MAX) {
        set_err(errstr, errstr_size, "no time");
        idx->refused++;
        return -1;
    }
    advance(idx, t);
    if (t < idx->cutoff) {
        idx->evicted++;
        return 1;
    }
    return 0;
}

int serve_index_put_output(serve_index_t *idx, const char *station, const char *name,
                           wx_time_t t, const char *json, size_t len, char *errstr,
                           size_t errstr_size)
{
    int c = put_check(idx, t, len, errstr, errstr_size);
    if (c)
        return c > 0 ? 0 : -1;
    station_t *s = station_get(idx, station, errstr, errstr_size);
    if (!s || vec_upsert(idx, &s->hours, t, NULL, json, len) != 0) {
        if (s)
            set_err(errstr, errstr_size, "out of memory");
        idx->refused++;
        return -1;
    }
    if (name)
        copy_str(s->name, sizeof s->name, name);
    return 0;
}

int serve_index_put_hottest(serve_index_t *idx, wx_time_t t, const char *json, size_t len,
                            char *errstr, size_t errstr_size)
{
    int c = put_check(idx, t, len, errstr, errstr_size);
    if (c)
        return c > 0 ? 0 : -1;
    if (vec_upsert(idx, &idx->hottest, t, NULL, json, len) != 0) {
        set_err(errstr, errstr_size, "out of memory");
        idx->refused++;
        return -1;
    }
    return 0;
}

int serve_index_put_outlier(serve_index_t *idx, const char *station, wx_time_t t,
                            const char *reason, const char *json, size_t len, char *errstr,
                            size_t errstr_size)
{
    int c = put_check(idx, t, len, errstr, errstr_size);
    if (c)
        return c > 0 ? 0 : -1;
    station_t *s = station_get(idx, station, errstr, errstr_size);
    if (!s || vec_upsert(idx, &s->outliers, t, reason, json, len) != 0) {
        if (s)
            set_err(errstr, errstr_size, "out of memory");
        idx->refused++;
        return -1;
    }
    if (s->outliers.n > idx->lim.max_outliers)
        vec_drop_front(idx, &s->outliers, s->outliers.n - idx->lim.max_outliers);
    return 0;
}

int serve_index_put_dead(serve_index_t *idx, const char *reason, const char *json, size_t len,
                         char *errstr, size_t errstr_size)
{
    if (len == 0 || len > SERVE_RECORD_MAX) {
        set_err(errstr, errstr_size, len ? "record longer than 65536 bytes" : "empty record");
        idx->refused++;
        return -1;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        set_err(errstr, errstr_size, "out of memory");
        idx->refused++;
        return -1;
    }
    memcpy(copy, json, len);
    copy[len] = '\0';
    const char *r = reason && *reason ? reason : "unknown";
    size_t i;
    for (i = 0; i < idx->n_reasons; i++)
        if (!strncmp(idx->reasons[i].reason, r, SERVE_REASON_MAX - 1))
            break;
    if (i == idx->n_reasons) {
        if (idx->n_reasons < SERVE_MAX_REASONS) {
            copy_str(idx->reasons[i].reason, SERVE_REASON_MAX, r);
            idx->n_reasons++;
        } else {
            i = SERVE_MAX_REASONS; /* "other" */
            copy_str(idx->reasons[i].reason, SERVE_REASON_MAX, "other");
        }
    }
    idx->reasons[i].count++;
    idx->dead_total++;

    item_t *slot = &idx->dead[idx->dead_head];
    if (slot->json) {
        idx->bytes -= slot->len;
        free(slot->json);
        idx->evicted++;
    } else {
        idx->dead_n++;
    }
    slot->json = copy;
    slot->len = len;
    slot->t = 0;
    copy_str(slot->reason, sizeof slot->reason, r);
    idx->bytes += len;
    idx->dead_head = (idx->dead_head + 1) % idx->lim.max_dead;
    return 0;
}

/* The items of v with from <= t < to, oldest first. */
static size_t walk_range(const vec_t *v, wx_time_t from, wx_time_t to, size_t limit,
                         serve_visit_fn fn, void *ctx)
{
    size_t n = 0;
    for (size_t i = vec_lower(v, from); i < v->n && v->v[i].t < to && n < limit; i++) {
        n++;
        if (fn(ctx, v->v[i].json, v->v[i].len))
            break;
    }
    return n;
}

size_t serve_index_hourly(const serve_index_t *idx, const char *station, wx_time_t from,
                          wx_time_t to, size_t limit, serve_visit_fn fn, void *ctx)
{
    bool found;
    size_t i = station_find(idx, station, &found);
    return found ? walk_range(&idx->st[i]->hours, from, to, limit, fn, ctx) : 0;
}

size_t serve_index_hottest(const serve_index_t *idx, wx_time_t from, wx_time_t to, size_t limit,
                           serve_visit_fn fn, void *ctx)
{
    return walk_range(&idx->hottest, from, to, limit, fn, ctx);
}

/* Outliers across stations, newest first: a merge from the end of each station's array. */
size_t serve_index_outliers(const serve_index_t *idx, const char *station, const char *reason,
                            wx_time_t from, wx_time_t to, size_t limit, serve_visit_fn fn,
                            void *ctx)
{
    size_t first = 0, last = idx->n_st;
    if (station) {
        bool found;
        first = station_find(idx, station, &found);
        if (!found)
            return 0;
        last = first + 1;
    }
    size_t ns = last - first;
    if (!ns)
        return 0;
    size_t *pos = malloc(ns * sizeof *pos); /* per station: items left to consider (< pos) */
    if (!pos)
        return 0;
    for (size_t k = 0; k < ns; k++)
        pos[k] = vec_lower(&idx->st[first + k]->outliers, to);
    size_t n = 0;
    while (n < limit) {
        size_t best = ns;
        wx_time_t bt = WX_TIME_MIN;
        for (size_t k = 0; k < ns; k++) {
            const vec_t *v = &idx->st[first + k]->outliers;
            while (pos[k] > 0 && reason && strcmp(v->v[pos[k] - 1].reason, reason) != 0)
                pos[k]--;
            if (pos[k] > 0 && v->v[pos[k] - 1].t >= from &&
                (best == ns || v->v[pos[k] - 1].t > bt)) {
                best = k;
                bt = v->v[pos[k] - 1].t;
            }
        }
        if (best == ns)
            break;
        const item_t *it = &idx->st[first + best]->outliers.v[--pos[best]];
        n++;
        if (fn(ctx, it->json, it->len))
            break;
    }
    free(pos);
    return n;
}

size_t serve_index_dead(const serve_index_t *idx, const char *reason, size_t limit,
                        serve_visit_fn fn, void *ctx)
{
    size_t n = 0, cap = idx->lim.max_dead;
    for (size_t k = 0; k < idx->dead_n && n < limit; k++) {
        const item_t *it = &idx->dead[(idx->dead_head + cap - 1 - k) % cap];
        if (reason && strcmp(it->reason, reason) != 0)
            continue;
        n++;
        if (fn(ctx, it->json, it->len))
            break;
    }
    return n;
}

bool serve_index_dead_reason(const serve_index_t *idx, size_t i, const char **reason,
                             uint64_t *count)
{
    if (i < idx->n_reasons) {
        *reason = idx->reasons[i].reason;
        *count = idx->reasons[i].count;
        return true;
    }
    if (i == idx->n_reasons && idx->reasons[SERVE_MAX_REASONS].count) {
        *reason = idx->reasons[SERVE_MAX_REASONS].reason;
        *count = idx->reasons[SERVE_MAX_REASONS].count;
        return true;
    }
    return false;
}

bool serve_index_station(const serve_index_t *idx, size_t i, serve_station_info_t *out)
{
    if (i >= idx->n_st)
        return false;
    const station_t *s = idx->st[i];
    out->station = s->key;
    out->name = s->name;
    out->hours = s->hours.n;
    out->outliers = s->outliers.n;
    out->first = s->hours.n ? s->hours.v[0].t : WX_TIME_MIN;
    out->last = s->hours.n ? s->hours.v[s->hours.n - 1].t : WX_TIME_MIN;
    return true;
}

void serve_index_stats(const serve_index_t *idx, serve_stats_t *out)
{
    memset(out, 0, sizeof *out);
    out->stations = idx->n_st;
    for (size_t i = 0; i < idx->n_st; i++) {
        out->hours += idx->st[i]->hours.n;
        out->outliers += idx->st[i]->outliers.n;
    }
    out->hottest_hours = idx->hottest.n;
    out->dead_kept = idx->dead_n;
    out->dead_total = idx->dead_total;
    out->refused = idx->refused;
    out->evicted = idx->evicted;
    out->bytes = idx->bytes;
    out->newest = idx->newest;
}
