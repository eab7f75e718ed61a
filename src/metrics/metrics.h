/* metrics: a registry of counters, gauges and histograms, and its Prometheus text exposition
 * (format 0.0.4). No I/O: metrics_http.h serves what metrics_format() writes.
 *
 * A family (one metric name, its HELP, its TYPE and its label names) holds series, one per set
 * of label values. Updating a series is lock-free (C11 atomics, a compare-and-swap on the
 * double's bits), so the hot path of a command can update it; creating or finding a series by
 * its label values takes the registry's mutex, as does formatting — keep the series pointer
 * where the path is hot. Series are never freed before the registry: a pointer stays valid,
 * and metrics_series_remove() only hides a series (e.g. a partition that was revoked) until
 * metrics_series() asks for the same label values again.
 *
 *   metrics_registry_t *r = metrics_registry_new();
 *   metrics_family_t *in = metrics_counter(r, "wxstream_process_records_consumed_total",
 *                                          "Records consumed.", (const char *[]){"topic", NULL});
 *   metrics_series_t *s = metrics_series(in, (const char *[]){"InputData", NULL});
 *   metrics_add(s, 1);                       // any thread
 *   metrics_format(r, &buf);                 // the scraper's thread
 *
 * Names are checked when a family is made (metric and label names of the exposition format;
 * "le" is reserved for histogram buckets); a bad one is a programming error and yields NULL.
 * Every function accepts a NULL family or series and then does nothing, so a command can
 * leave metrics off without testing everywhere. */
#ifndef WX_METRICS_H
#define WX_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "wxbuf.h"

#define METRICS_MAX_LABELS 4

typedef enum { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM } metrics_type_t;

typedef struct metrics_registry metrics_registry_t;
typedef struct metrics_family metrics_family_t;
typedef struct metrics_series metrics_series_t;

metrics_registry_t *metrics_registry_new(void);
void metrics_registry_destroy(metrics_registry_t *r);

/* Families. `labels`: NULL-terminated label names, or NULL for none (then the family has its
 * one series from the start). The registry owns the family; strings are copied. */
metrics_family_t *metrics_counter(metrics_registry_t *r, const char *name, const char *help,
                                  const char *const *labels);
metrics_family_t *metrics_gauge(metrics_registry_t *r, const char *name, const char *help,
                                const char *const *labels);
/* `bounds`: the buckets' upper bounds, strictly ascending, finite; +Inf is added. */
metrics_family_t *metrics_histogram(metrics_registry_t *r, const char *name, const char *help,
                                    const char *const *labels, const double *bounds,
                                    size_t n_bounds);

/* The series with these label values (as many as the family has names; NULL when it has
 * none), made on first use and shown again if it was removed. NULL when out of memory. */
metrics_series_t *metrics_series(metrics_family_t *f, const char *const *values);
/* Hides the series from the exposition until metrics_series() asks for it again (which
 * starts it from zero). */
void metrics_series_remove(metrics_series_t *s);

/* Counters and gauges. A counter only goes up: metrics_add with v >= 0, or metrics_set with
 * the total of a count kept elsewhere. */
void metrics_add(metrics_series_t *s, double v);
void metrics_set(metrics_series_t *s, double v);
double metrics_value(const metrics_series_t *s);
/* Histograms. */
void metrics_observe(metrics_series_t *s, double v);

/* Called (from the formatting thread) at the start of every metrics_format, to set values that
 * are cheaper read at scrape time than kept up to date. At most a few per registry. */
typedef void (*metrics_collect_fn)(void *ctx);
int metrics_on_collect(metrics_registry_t *r, metrics_collect_fn fn, void *ctx);

/* Appends the text exposition (format 0.0.4) of every family, in the order they were made,
 * series in the order they were made. Returns 0, or -1 when out of memory. */
int metrics_format(metrics_registry_t *r, wxbuf_t *out);

/* Splits "HOST:PORT" or "[IPV6]:PORT" (PORT 0..65535; 0 = any free port). A host is required:
 * metrics listen only where they are told. Returns 0, or -1 with errstr. */
int metrics_parse_addr(const char *addr, char *host, size_t host_size, int *port, char *errstr,
                       size_t errstr_size);

#endif
