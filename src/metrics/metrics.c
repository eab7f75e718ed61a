/* metrics: registry and text exposition (metrics.h). Values are doubles kept as their bits in
 * 64-bit atomics; updates are relaxed compare-and-swap loops (one writer in practice, so one
 * iteration). A scrape may see a histogram's buckets and sum from slightly different moments;
 * its _count is the +Inf bucket it printed, so buckets and count always agree. */
#include "metrics.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_MAX_COLLECT 8

struct metrics_series {
    metrics_family_t *family;
    metrics_series_t *next;
    char *values[METRICS_MAX_LABELS];
    atomic_bool hidden;
    _Atomic uint64_t bits;    /* counter or gauge value; histogram sum */
    _Atomic uint64_t *counts; /* histogram: n_bounds + 1 buckets (not cumulative) */
};

struct metrics_family {
    metrics_registry_t *registry;
    metrics_family_t *next;
    metrics_type_t type;
    char *name, *help;
    char *labels[METRICS_MAX_LABELS];
    size_t n_labels;
    double *bounds;
    size_t n_bounds;
    metrics_series_t *series, *last;
};

struct metrics_registry {
    pthread_mutex_t lock;
    metrics_family_t *families, *last;
    struct {
        metrics_collect_fn fn;
        void *ctx;
    } collect[METRICS_MAX_COLLECT];
    size_t n_collect;
};

static uint64_t to_bits(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

metrics_registry_t *metrics_registry_new(void)
{
    metrics_registry_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

static void series_free(metrics_series_t *s)
{
    for (size_t i = 0; i < METRICS_MAX_LABELS; i++)
        free(s->values[i]);
    free(s->counts);
    free(s);
}

static void family_free(metrics_family_t *f)
{
    metrics_series_t *s = f->series;
    while (s) {
        metrics_series_t *next = s->next;
        series_free(s);
        s = next;
    }
    for (size_t i = 0; i < f->n_labels; i++)
        free(f->labels[i]);
    free(f->name);
    free(f->help);
    free(f->bounds);
    free(f);
}

void metrics_registry_destroy(metrics_registry_t *r)
{
    if (!r)
        return;
    metrics_family_t *f = r->families;
    while (f) {
        metrics_family_t *next = f->next;
        family_free(f);
        f = next;
    }
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; no ':' in label names. */
static bool valid_name(const char *s, bool label)
{
    if (!s || !*s)
        return false;
    for (const char *c = s; *c; c++) {
        bool alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
                     (!label && *c == ':');
        bool digit = *c >= '0' && *c <= '9';
        if (!alpha && !(digit && c > s))
            return false;
    }
    return !(label && s[0] == '_' && s[1] == '_');
}

static metrics_series_t *series_new(metrics_family_t *f, const char *const *values)
{
    metrics_series_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->family = f;
    for (size_t i = 0; i < f->n_labels; i++) {
        s->values[i] = strdup(values[i]);
        if (!s->values[i])
            goto fail;
    }
    if (f->type == METRICS_HISTOGRAM) {
        s->counts = calloc(f->n_bounds + 1, sizeof *s->counts);
        if (!s->counts)
            goto fail;
        for (size_t i = 0; i <= f->n_bounds; i++)
            atomic_init(&s->counts[i], 0);
    }
    atomic_init(&s->bits, to_bits(0.0));
    atomic_init(&s->hidden, false);
    return s;
fail:
    series_free(s);
    return NULL;
}

/* Called with the lock held. */
static void series_link(metrics_family_t *f, metrics_series_t *s)
{
    if (f->last)
        f->last->next = s;
    else
        f->series = s;
    f->last = s;
}

static metrics_family_t *family_new(metrics_registry_t *r, metrics_type_t type, const char *name,
                                    const char *help, const char *const *labels,
                                    const double *bounds, size_t n_bounds)
{
    if (!r || !valid_name(name, false) || !help)
        return NULL;
    size_t n = 0;
    while (labels && labels[n]) {
        if (n == METRICS_MAX_LABELS || !valid_name(labels[n], true) ||
            (type == METRICS_HISTOGRAM && !strcmp(labels[n], "le")))
            return NULL;
        n++;
    }
    for (size_t i = 0; i < n_bounds; i++)
        if (!isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1])))
            return NULL;
    metrics_family_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->registry = r;
    f->type = type;
    f->name = strdup(name);
    f->help = strdup(help);
    f->n_labels = n;
    bool ok = f->name && f->help;
    for (size_t i = 0; i < n; i++)
        ok &= (f->labels[i] = strdup(labels[i])) != NULL;
    if (type == METRICS_HISTOGRAM && n_bounds > 0) {
        f->bounds = malloc(n_bounds * sizeof *f->bounds);
        ok &= f->bounds != NULL;
        if (f->bounds)
            memcpy(f->bounds, bounds, n_bounds * sizeof *bounds);
        f->n_bounds = n_bounds;
    }
    if (ok && n == 0) {
        metrics_series_t *s = series_new(f, NULL);
        if (s)
            series_link(f, s);
        ok = s != NULL;
    }
    if (!ok) {
        family_free(f);
        return NULL;
    }
    pthread_mutex_lock(&r->lock);
    if (r->last)
        r->last->next = f;
    else
        r->families = f;
    r->last = f;
    pthread_mutex_unlock(&r->lock);
    return f;
}

metrics_family_t *metrics_counter(metrics_registry_t *r, const char *name, const char *help,
                                  const char *const *labels)
{
    return family_new(r, METRICS_COUNTER, name, help, labels, NULL, 0);
}

metrics_family_t *metrics_gauge(metrics_registry_t *r, const char *name, const char *help,
                                const char *const *labels)
{
    return family_new(r, METRICS_GAUGE, name, help, labels, NULL, 0);
}

metrics_family_t *metrics_histogram(metrics_registry_t *r, const char *name, const char *help,
                                    const char *const *labels, const double *bounds,
                                    size_t n_bounds)
{
    return family_new(r, METRICS_HISTOGRAM, name, help, labels, bounds, n_bounds);
}

static void series_zero(metrics_series_t *s)
{
    atomic_store(&s->bits, to_bits(0.0));
    for (size_t i = 0; s->counts && i <= s->family->n_bounds; i++)
        atomic_store(&s->counts[i], 0);
}

metrics_series_t *metrics_series(metrics_family_t *f, const char *const *values)
{
    if (!f)
        return NULL;
    for (size_t i = 0; i < f->n_labels; i++)
        if (!values || !values[i])
            return NULL;
    metrics_registry_t *r = f->registry;
    pthread_mutex_lock(&r->lock);
    metrics_series_t *s;
    for (s = f->series; s; s = s->next) {
        size_t i = 0;
        while (i < f->n_labels && !strcmp(s->values[i], values[i]))
            i++;
        if (i == f->n_labels)
            break;
    }
    if (s && atomic_load(&s->hidden)) {
        series_zero(s);
        atomic_store(&s->hidden, false);
    }
    if (!s) {
        s = series_new(f, values);
        if (s)
            series_link(f, s);
    }
    pthread_mutex_unlock(&r->lock);
    return s;
}

void metrics_series_remove(metrics_series_t *s)
{
    if (s)
        atomic_store(&s->hidden, true);
}

void metrics_add(metrics_series_t *s, double v)
{
    if (!s)
        return;
    uint64_t old = atomic_load_explicit(&s->bits, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&s->bits, &old, to_bits(from_bits(old) + v),
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

void metrics_set(metrics_series_t *s, double v)
{
    if (s)
        atomic_store_explicit(&s->bits, to_bits(v), memory_order_relaxed);
}

double metrics_value(const metrics_series_t *s)
{
    return s ? from_bits(atomic_load_explicit(&((metrics_series_t *)s)->bits,
                                              memory_order_relaxed))
             : 0.0;
}

void metrics_observe(metrics_series_t *s, double v)
{
    if (!s || !s->counts)
        return;
    const metrics_family_t *f = s->family;
    size_t i = 0;
    while (i < f->n_bounds && !(v <= f->bounds[i]))
        i++;
    atomic_fetch_add_explicit(&s->counts[i], 1, memory_order_relaxed);
    metrics_add(s, v);
}

int metrics_on_collect(metrics_registry_t *r, metrics_collect_fn fn, void *ctx)
{
    if (!r || !fn)
        return -1;
    pthread_mutex_lock(&r->lock);
    int rc = -1;
    if (r->n_collect < METRICS_MAX_COLLECT) {
        r->collect[r->n_collect].fn = fn;
        r->collect[r->n_collect].ctx = ctx;
        r->n_collect++;
        rc = 0;
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

/* ------------------------------------------------------------------ exposition */

/* HELP text escapes backslash and newline; label values also the double quote. */
static void put_escaped(wxbuf_t *b, const char *s, bool quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            wxbuf_append(b, "\\\\", 2);
        else if (*s == '\n')
            wxbuf_append(b, "\\n", 2);
        else if (quote && *s == '"')
            wxbuf_append(b, "\\\"", 2);
        else
            wxbuf_putc(b, *s);
    }
}

/* The shortest of %.15g..%.17g that reads back as v; Go's ParseFloat spellings of the
 * infinities and NaN. */
static const char *value_text(double v, char *s, size_t size)
{
    if (isnan(v))
        return "NaN";
    if (isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(s, size, "%.*g", prec, v);
        if (strtod(s, NULL) == v)
            break;
    }
    return s;
}

static void put_value(wxbuf_t *b, double v)
{
    char s[40];
    wxbuf_puts(b, value_text(v, s, sizeof s));
}

/* name{l1="v1",...[,le="x"]} value\n */
static void put_sample(wxbuf_t *b, const metrics_family_t *f, const metrics_series_t *s,
                       const char *suffix, const char *le, double v)
{
    wxbuf_puts(b, f->name);
    wxbuf_puts(b, suffix);
    if (f->n_labels > 0 || le) {
        wxbuf_putc(b, '{');
        for (size_t i = 0; i < f->n_labels; i++) {
            if (i > 0)
                wxbuf_putc(b, ',');
            wxbuf_puts(b, f->labels[i]);
            wxbuf_append(b, "=\"", 2);
            put_escaped(b, s->values[i], true);
            wxbuf_putc(b, '"');
        }
        if (le) {
            if (f->n_labels > 0)
                wxbuf_putc(b, ',');
            wxbuf_puts(b, "le=\"");
            wxbuf_puts(b, le);
            wxbuf_putc(b, '"');
        }
        wxbuf_putc(b, '}');
    }
    wxbuf_putc(b, ' ');
    put_value(b, v);
    wxbuf_putc(b, '\n');
}

static void put_histogram(wxbuf_t *b, const metrics_family_t *f, const metrics_series_t *s)
{
    uint64_t cum = 0;
    char text[40];
    for (size_t i = 0; i <= f->n_bounds; i++) {
        cum += atomic_load_explicit(&((metrics_series_t *)s)->counts[i], memory_order_relaxed);
        const char *le = i < f->n_bounds ? value_text(f->bounds[i], text, sizeof text) : "+Inf";
        put_sample(b, f, s, "_bucket", le, (double)cum);
    }
    put_sample(b, f, s, "_sum", NULL, metrics_value(s));
    put_sample(b, f, s, "_count", NULL, (double)cum);
}

int metrics_format(metrics_registry_t *r, wxbuf_t *out)
{
    if (!r)
        return -1;
    pthread_mutex_lock(&r->lock);
    size_t n_collect = r->n_collect;
    pthread_mutex_unlock(&r->lock);
    /* Outside the lock: a collector sets values through metrics_series(), which takes it. */
    for (size_t i = 0; i < n_collect; i++)
        r->collect[i].fn(r->collect[i].ctx);
    static const char *const TYPES[] = {"counter", "gauge", "histogram"};
    pthread_mutex_lock(&r->lock);
    for (const metrics_family_t *f = r->families; f; f = f->next) {
        wxbuf_puts(out, "# HELP ");
        wxbuf_puts(out, f->name);
        wxbuf_putc(out, ' ');
        put_escaped(out, f->help, false);
        wxbuf_puts(out, "\n# TYPE ");
        wxbuf_puts(out, f->name);
        wxbuf_putc(out, ' ');
        wxbuf_puts(out, TYPES[f->type]);
        wxbuf_putc(out, '\n');
        for (const metrics_series_t *s = f->series; s; s = s->next) {
            if (atomic_load(&((metrics_series_t *)s)->hidden))
                continue;
            if (f->type == METRICS_HISTOGRAM)
                put_histogram(out, f, s);
            else
                put_sample(out, f, s, "", NULL, metrics_value(s));
        }
    }
    pthread_mutex_unlock(&r->lock);
    return out->failed ? -1 : 0;
}

int metrics_parse_addr(const char *addr, char *host, size_t host_size, int *port, char *errstr,
                       size_t errstr_size)
{
    const char *h = addr, *colon;
    size_t hlen;
    if (!addr || !*addr)
        goto bad;
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':')
            goto bad;
        h = addr + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon || strchr(addr, ':') != colon) /* a bare IPv6 address needs brackets */
            goto bad;
        hlen = (size_t)(colon - addr);
    }
    if (hlen == 0) {
        snprintf(errstr, errstr_size,
                 "'%s' names no host: give one, e.g. 127.0.0.1%s (this machine only) or "
                 "0.0.0.0%s (every interface)",
                 addr, colon, colon);
        return -1;
    }
    if (hlen >= host_size)
        goto bad;
    const char *p = colon + 1;
    if (!*p || strlen(p) > 5)
        goto bad;
    long v = 0;
    for (const char *c = p; *c; c++) {
        if (*c < '0' || *c > '9')
            goto bad;
        v = v * 10 + (*c - '0');
    }
    if (v > 65535)
        goto bad;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (int)v;
    return 0;
bad:
    snprintf(errstr, errstr_size, "'%s' is not HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464)",
             addr ? addr : "");
    return -1;
}
