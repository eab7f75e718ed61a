/* window: which station hour a reading belongs to, and the hourly-mean accumulator.
 *
 * Station hours are in the station's local standard time (fixed offset, no DST). With
 * HOUR_ASSIGN_INTERVAL_END (the default) a reading whose interval end is in (H, H+1h] belongs to
 * hour H, so the reading stamped 01:00 closes hour 00 (NOAA's "hour ending 01"). With
 * HOUR_ASSIGN_TIMESTAMP it belongs to the hour of its LST_TIME digits (the seed's grouping:
 * [H, H+1h)). LST offsets are whole hours for every USCRN station, so a station hour is also a
 * UTC hour; window_assign rejects an offset that is not a whole number of hours.
 *
 * The accumulator sums values in thousandths of a degree as integers, so the mean does not
 * depend on the order readings are added in. */
#ifndef WX_WINDOW_H
#define WX_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wx_time.h"

typedef enum { HOUR_ASSIGN_INTERVAL_END = 0, HOUR_ASSIGN_TIMESTAMP } hour_assign_t;

#define WINDOW_EXPECTED 12 /* 5-minute readings per hour */

/* Room for a reading's source file name and its NUL: NAME_MAX (255) + 1, so any file's base
 * name fits (the same bound as JSON_RECORD_SOURCE_MAX). */
#define WX_SOURCE_FILE_MAX 256

/* The hour a reading falls in: [start, end) in UTC, and the LST date and hour of its start. */
typedef struct window_key {
    wx_time_t start; /* UTC */
    wx_time_t end;   /* start + 1 h */
    int32_t lst_date; /* YYYYMMDD of the LST hour */
    int32_t lst_hour; /* 0..23 */
} window_key_t;

/* Assigns the reading with UTC interval end `utc` at a station `lst_offset_min` minutes from
 * UTC. Returns 0, or -1 when the offset is not a whole number of hours. */
int window_assign(hour_assign_t how, wx_time_t utc, int32_t lst_offset_min, window_key_t *key);

/* Just the UTC start of that hour (no calendar arithmetic): the cheap part of window_assign,
 * for finding an hour that is already open. The offset must be whole hours. */
wx_time_t window_start(hour_assign_t how, wx_time_t utc, int32_t lst_offset_min);

/* Parses "interval-end" / "timestamp". Returns 0 or -1. */
int window_parse_assign(const char *s, hour_assign_t *out);
const char *window_assign_name(hour_assign_t how);

/* The hourly summary of one station, emitted once per hour that had readings. */
typedef struct hourly_result {
    int32_t wban;
    window_key_t key;
    int32_t lst_offset_min;
    int count;      /* valid readings: not missing, not flagged */
    int readings;   /* every reading that fell in the hour */
    int expected;   /* WINDOW_EXPECTED */
    bool partial;   /* count < min_valid */
    bool has_mean;  /* count > 0 */
    double mean;    /* meaningful when has_mean */
    double min;
    double max;
    /* The source file of the reading that gave `max` (the first one in time order on a tie);
     * NULL when the input named none. Valid during the sink callback only. */
    const char *source_file;
} hourly_result_t;

typedef struct window_acc {
    window_key_t key;
    int64_t sum_milli;
    int count;
    int readings;
    double min;
    double max;
    uint8_t max_source; /* the caller's source index of the max reading (station_state) */
} window_acc_t;

void window_acc_init(window_acc_t *a, const window_key_t *key);
/* Adds a reading; `valid` false for a missing or flagged one (counted in `readings` only). */
void window_acc_add(window_acc_t *a, double value, bool valid);
void window_acc_result(const window_acc_t *a, int32_t wban, int32_t lst_offset_min,
                       int min_valid, hourly_result_t *out);

#endif
