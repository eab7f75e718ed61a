/* station_state: everything wxstream keeps for one station, fed in event-time order.
 *
 * Readings go through the outlier cascade (outlier.h) and into hourly accumulators
 * (window.h); an hour is emitted once, when no reading that could still fall in it can arrive:
 * the station's clock (the latest reading pushed, or the time given to station_state_advance)
 * has reached the hour's end and no reading of the hour is waiting for its outlier verdict.
 * Since results depend only on the sequence of readings, the batch command and the streaming
 * processor give the same answer as long as each feeds readings in time order.
 *
 * Each reading may name its source file (the seed's `source_file`). A station keeps the names in
 * a small table (station_state_source) and each reading carries only its index; the results
 * name the file of the reading they report (an outlier's own, an hour's max reading's).
 *
 * Memory per station is fixed: the outlier ring, at most STATION_STATE_MAX_OPEN open hours and
 * STATION_STATE_MAX_SOURCES file names. */
#ifndef WX_STATION_STATE_H
#define WX_STATION_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outlier.h"
#include "uscrn.h"
#include "window.h"
#include "wx_config.h"
#include "wx_time.h"
#include "wxbuf.h"
#include "wxser.h"

#define STATION_STATE_MAX_OPEN 4
/* File names a station remembers at once. A station's readings come from one file, two around
 * a year's end (NOAA writes a file per station and year); see station_state_source. */
#define STATION_STATE_MAX_SOURCES 8

/* A flagged reading, with who and when. */
typedef struct outlier_event {
    int32_t wban;
    int32_t lst_offset_min;
    outlier_verdict_t v;   /* v.reason != OUTLIER_NONE */
    const char *source_file; /* the reading's; NULL when none. Valid during the callback */
} outlier_event_t;

typedef struct station_sink {
    void *ctx;
    void (*hourly)(void *ctx, const hourly_result_t *r);
    void (*outlier)(void *ctx, const outlier_event_t *o);
} station_sink_t;

typedef struct station_state station_state_t;

/* The LST offset to use for a reading's station: the catalogue's when the station is known (the
 * record's own UTC/LST stamps must agree with it), else the record's. Returns 0, or -1 with a
 * reason when they disagree or the offset is not a whole number of hours. */
int station_state_offset_for(const uscrn_reading_t *r, int32_t *offset_min, char *errstr,
                             size_t errstr_size);

/* NULL when memory runs out or the offset is not a whole number of hours. */
station_state_t *station_state_new(int32_t wban, int32_t lst_offset_min, const wx_config_t *cfg);
void station_state_destroy(station_state_t *s);

int32_t station_state_offset(const station_state_t *s);
int32_t station_state_wban(const station_state_t *s);

/* The index (1..STATION_STATE_MAX_SOURCES) under which this station remembers the source file
 * `name`, to pass to station_state_push_src; 0 (no file) for NULL or "". A name longer than
 * WX_SOURCE_FILE_MAX - 1 bytes is cut. A new name takes the slot of the least recently interned
 * one, so results still to come for a reading whose name was pushed out would name the newer
 * file: that takes readings of more than STATION_STATE_MAX_SOURCES files of one station within
 * the few hours a station keeps open, which no USCRN input has. */
uint8_t station_state_source(station_state_t *s, const char *name);

/* The name behind an index; NULL for 0 or an index that was never given. */
const char *station_state_source_name(const station_state_t *s, uint8_t source);

/* Feeds one reading. Its time must be greater than every time pushed or advanced to before:
 * returns -1 (and changes nothing) otherwise, 0 on success. Results go to the sink.
 * `source` is the reading's file (station_state_source); station_state_push is the same with
 * no file. */
int station_state_push_src(station_state_t *s, uint64_t id, wx_time_t utc, double temp,
                           bool missing, uint8_t source, const station_sink_t *sink);
int station_state_push(station_state_t *s, uint64_t id, wx_time_t utc, double temp, bool missing,
                       const station_sink_t *sink);

/* Declares that no reading at or before `now` is still to come, and emits what that closes.
 * station_state_advance(s, WX_TIME_MAX, sink) flushes at the end of input. */
void station_state_advance(station_state_t *s, wx_time_t now, const station_sink_t *sink);

/* The latest time pushed or advanced to (WX_TIME_MIN at first). */
wx_time_t station_state_clock(const station_state_t *s);
/* Hours open (readings taken, result not yet emitted). */
int station_state_open_hours(const station_state_t *s);

/* Snapshot for recovery (wxser.h): everything but the config. station_state_load makes a new
 * state with the current config from a snapshot; NULL when the bytes are not one. */
void station_state_save(const station_state_t *s, wxbuf_t *out);
station_state_t *station_state_load(wxser_reader_t *in, const wx_config_t *cfg);

#endif
