/* hottest: the hottest station of each UTC hour, across stations.
 *
 * Collects the stations' hourly summaries per UTC hour and, when told an hour is complete,
 * decides it: among the stations whose hour is complete (not partial, with a mean), the highest
 * hourly mean and the highest single 5-minute reading (the hour's max). Ties go to the lowest
 * WBAN number, so the answer never depends on arrival order. Every station that reported in the
 * hour (partial or not) is listed. An hour where no station is complete is still emitted, with
 * no winner, so the gap is visible rather than silent.
 *
 * Decided hours can be kept (hottest_keep_decided): an entry that arrives for one of them
 * makes the hour "revised", and the next close emits it again, decided over every entry it now
 * has — a correction, so a reader that keeps the last record per hour has the answer over all
 * stations. hottest_forget() drops kept hours.
 *
 * Memory: one small record per (open or kept hour, station); without keeping, hours are freed
 * when emitted. */
#ifndef WX_HOTTEST_H
#define WX_HOTTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "window.h"
#include "wx_time.h"
#include "wxbuf.h"
#include "wxser.h"

/* What the hour step needs of a station's hour (also what travels on the internal topic). */
typedef struct hottest_entry {
    int32_t wban;
    int32_t lst_offset_min;
    bool complete;   /* not partial and has a mean */
    double mean;
    double max;      /* highest valid reading in the hour */
    char source_file[WX_SOURCE_FILE_MAX]; /* the file of that reading; "" when none */
} hottest_entry_t;

typedef struct hottest_result {
    wx_time_t hour_start; /* UTC */
    wx_time_t hour_end;
    bool has_winner;
    hottest_entry_t by_mean;  /* highest hourly mean (when has_winner) */
    hottest_entry_t by_max;   /* highest single reading (when has_winner) */
    size_t n_reported;
    const int32_t *reported;  /* WBANs of every station with readings, ascending */
    size_t n_complete;
} hottest_result_t;

typedef void (*hottest_emit_fn)(void *ctx, const hottest_result_t *r);

typedef struct hottest hottest_t;

hottest_t *hottest_new(void);
void hottest_destroy(hottest_t *h);

/* Records one station's hour. A second entry for the same (hour, station) replaces the first
 * (an upstream replay after a restart sends the same summary again). Returns 0, or -1 when
 * memory runs out. */
int hottest_add(hottest_t *h, wx_time_t hour_start, const hottest_entry_t *e);

/* Decides and emits, in hour order, every open hour whose end is <= `upto` and every revised
 * hour, then forgets them unless decided hours are kept. hottest_close(h, WX_TIME_MAX, ...)
 * flushes everything. Returns how many were emitted. */
size_t hottest_close(hottest_t *h, wx_time_t upto, hottest_emit_fn emit, void *ctx);

/* Keep decided hours for corrections (default: not). */
void hottest_keep_decided(hottest_t *h, bool keep);
/* Drops the kept decided hours (not revised ones) that end at or before `before`. Returns how
 * many. */
size_t hottest_forget(hottest_t *h, wx_time_t before);
/* Marks an hour that has no kept decision as decided before and revised now: the caller knows
 * it was decided (and emitted, or had no entry at all) though it was not kept. A kept decided
 * hour is left as hottest_add made it (revised only by an entry that changed it). */
void hottest_revise(hottest_t *h, wx_time_t hour_start);

/* The earliest hour still open or revised, or WX_TIME_MAX. */
wx_time_t hottest_oldest_open(const hottest_t *h);
size_t hottest_open_hours(const hottest_t *h); /* hours not yet decided */

hottest_entry_t hottest_entry_from_hourly(const hourly_result_t *r);

/* Snapshot of the open and kept hours for recovery (wxser.h). hottest_load fills an empty
 * hottest_t; returns 0, or -1 when the bytes are not a snapshot or memory runs out. */
void hottest_save(const hottest_t *h, wxbuf_t *out);
int hottest_load(hottest_t *h, wxser_reader_t *in);

/* One entry on the wire of the internal topic (and in snapshots). */
void hottest_entry_save(const hottest_entry_t *e, wxbuf_t *out);
void hottest_entry_load(hottest_entry_t *e, wxser_reader_t *in);

#endif
