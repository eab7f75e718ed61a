/* serve_index: the bounded in-memory index behind `wxstream serve` — the latest results of the
 * four output topics, kept as their JSON text and found by station, time and reason.
 *
 * The main type is serve_index_t. It stores:
 *   - Output: per station, one record per hour (window_start), sorted by time; a later record
 *     for the same station and hour replaces the earlier one;
 *   - MaxTemp: one record per UTC hour, sorted by time; a corrected record for an hour replaces
 *     the earlier one (readers keep the last record per hour);
 *   - Outliers: per station, one record per (utc_time), sorted by time;
 *   - DeadLetter: a count per reason (all seen, never evicted; at most SERVE_MAX_REASONS
 *     distinct reasons, the rest counted under "other") and the most recent `max_dead` records.
 *
 * Bounds (nothing grows without one): Output, MaxTemp and Outliers keep `retention` seconds of
 * event time behind the newest hour seen on any of them; at most `max_stations` stations (a
 * record of one more is refused and counted); at most `max_outliers` outliers per station (the
 * oldest go first). Records are copied in; the index owns its copies. Pure: no I/O, no locks —
 * the caller serialises access. */
#ifndef WX_SERVE_INDEX_H
#define WX_SERVE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wx_time.h"

#define SERVE_STATION_MAX 64   /* bytes of a station key, with the NUL */
#define SERVE_REASON_MAX 24    /* bytes of a reason, with the NUL */
#define SERVE_NAME_MAX 128     /* bytes of a station name kept, with the NUL */
#define SERVE_MAX_REASONS 16   /* distinct dead-letter reasons counted by name */
#define SERVE_RECORD_MAX 65536 /* a longer record is refused */

typedef struct serve_limits {
    wx_time_t retention; /* seconds of event time kept behind the newest hour (default 7 days) */
    size_t max_stations; /* default 1024 */
    size_t max_outliers; /* per station, default 1000 */
    size_t max_dead;     /* recent dead letters kept, default 1000 */
} serve_limits_t;

typedef struct serve_index serve_index_t;

typedef struct serve_stats {
    size_t stations, hours, hottest_hours, outliers, dead_kept;
    uint64_t dead_total;
    uint64_t refused;    /* records refused: too long, bad key, station limit */
    uint64_t evicted;    /* records dropped by retention or a limit */
    size_t bytes;        /* memory held by records and their bookkeeping (estimate) */
    wx_time_t newest;    /* newest hour start seen, WX_TIME_MIN before the first */
} serve_stats_t;

/* Called for each record of a query, in the order the query documents; a non-zero return
 * stops the walk. */
typedef int (*serve_visit_fn)(void *ctx, const char *json, size_t len);

void serve_limits_default(serve_limits_t *l);

/* NULL when out of memory or a limit is zero. Free with serve_index_destroy. */
serve_index_t *serve_index_new(const serve_limits_t *limits);
void serve_index_destroy(serve_index_t *idx);

/* Adds or replaces; the record is copied. `name` (station name, may be NULL) is remembered for
 * the station list. Return 0, or -1 with errstr (record refused and counted; the index is
 * unchanged). `t` is the hour's window_start (Output, MaxTemp) or the reading's utc_time
 * (Outliers). */
int serve_index_put_output(serve_index_t *idx, const char *station, const char *name,
                           wx_time_t t, const char *json, size_t len, char *errstr,
                           size_t errstr_size);
int serve_index_put_hottest(serve_index_t *idx, wx_time_t t, const char *json, size_t len,
                            char *errstr, size_t errstr_size);
int serve_index_put_outlier(serve_index_t *idx, const char *station, wx_time_t t,
                            const char *reason, const char *json, size_t len, char *errstr,
                            size_t errstr_size);
int serve_index_put_dead(serve_index_t *idx, const char *reason, const char *json, size_t len,
                         char *errstr, size_t errstr_size);

/* Output records of one station with from <= window_start < to, oldest first. Returns the
 * number visited (0 for an unknown station). */
size_t serve_index_hourly(const serve_index_t *idx, const char *station, wx_time_t from,
                          wx_time_t to, size_t limit, serve_visit_fn fn, void *ctx);
/* MaxTemp records with from <= window_start < to, oldest first. */
size_t serve_index_hottest(const serve_index_t *idx, wx_time_t from, wx_time_t to, size_t limit,
                           serve_visit_fn fn, void *ctx);
/* Outliers with from <= utc_time < to, of `station` and `reason` when not NULL, NEWEST first,
 * at most `limit`. */
size_t serve_index_outliers(const serve_index_t *idx, const char *station, const char *reason,
                            wx_time_t from, wx_time_t to, size_t limit, serve_visit_fn fn,
                            void *ctx);
/* Recent dead letters of `reason` (NULL: any), newest first, at most `limit`. */
size_t serve_index_dead(const serve_index_t *idx, const char *reason, size_t limit,
                        serve_visit_fn fn, void *ctx);

/* The counted dead-letter reasons: i from 0 while it returns true. */
bool serve_index_dead_reason(const serve_index_t *idx, size_t i, const char **reason,
                             uint64_t *count);

/* Station i (0 <= i < stats.stations) in ascending key order: key, name ("" when none), its
 * hours and the first and last hour (WX_TIME_MIN when it has only outliers). */
typedef struct serve_station_info {
    const char *station;
    const char *name;
    size_t hours, outliers;
    wx_time_t first, last;
} serve_station_info_t;
bool serve_index_station(const serve_index_t *idx, size_t i, serve_station_info_t *out);

void serve_index_stats(const serve_index_t *idx, serve_stats_t *out);

#endif
