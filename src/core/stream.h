/* stream: the streaming front of one input partition — event time, late readings, reordering,
 * and the station states of the stations whose readings arrive on that partition.
 *
 * Event time is kept PER STATION (its watermark W is the latest reading time seen for that
 * station). A reading is released to its station, in time order, once the station's W - grace
 * has passed it; one that arrives when its own station's W - grace has already passed it is
 * `late` (a DeadLetter naming the hour it missed). What other stations or partitions do never
 * makes a reading late: stations may interleave in any way (whole files one after another, one
 * station a day behind the others). So for input that is out of order by less than the grace
 * within each station, the stations see exactly the time-ordered sequence batch sees, and give
 * the same results.
 *
 * A station's hours close with its own readings only: a station that falls silent keeps its
 * last hours open until it reports again or the input is declared finished
 * (stream_part_flush(): everything still open is emitted, and later readings are late).
 * stream_part_station_progress() tells, per station, the time up to which every hour has been
 * emitted (what the hour stage waits for), and the caller's tick at its latest reading (so the
 * caller can tell a silent station from a live one).
 *
 * Memory: per station, its station_state and a reorder buffer of at most STREAM_BUFFER_MAX
 * readings (about grace / 5 min in practice); a reading that would overflow it is released
 * early (counted in stream_part_forced). */
#ifndef WX_STREAM_H
#define WX_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink.h"
#include "station_state.h"
#include "wxbuf.h"

#define STREAM_BUFFER_MAX 4096
#define STREAM_TICK_UNKNOWN INT64_MIN /* no reading since this state was made or loaded */

typedef struct stream_part stream_part_t;

stream_part_t *stream_part_new(const wx_config_t *cfg);
void stream_part_destroy(stream_part_t *sp);

/* Decodes one record (USCRN line or seed JSON) and takes it. `source` names it for dead
 * letters ("InputData/0@1234"); `id` is the caller's handle (the offset). Returns 0, or -1 when
 * memory ran out (nothing was taken). */
int stream_part_offer(stream_part_t *sp, const char *data, size_t len, const char *source,
                      uint64_t id, const wx_sink_t *sink);

/* Input finished: release and emit everything. Later records are late. */
void stream_part_flush(stream_part_t *sp, const wx_sink_t *sink);

/* The latest reading of any station (for reports; lateness is per station). WX_TIME_MIN before
 * any reading. */
wx_time_t stream_part_watermark(const stream_part_t *sp);
/* The least progress over the partition's stations: WX_TIME_MIN without stations, WX_TIME_MAX
 * once flushed. */
wx_time_t stream_part_progress(const stream_part_t *sp);

typedef struct stream_station_progress {
    int32_t wban;
    wx_time_t upto;      /* every hour of the station ending at or before this is emitted */
    wx_time_t watermark; /* the station's event time */
    int64_t seen;        /* the tick at its latest reading, or STREAM_TICK_UNKNOWN */
} stream_station_progress_t;

/* The stations of the partition, i in [0, stream_part_station_count). */
size_t stream_part_station_count(const stream_part_t *sp);
stream_station_progress_t stream_part_station_progress(const stream_part_t *sp, size_t i);
/* The caller's clock (any unit), recorded as `seen` by the stations offered readings after it. */
void stream_part_set_tick(stream_part_t *sp, int64_t tick);
bool stream_part_flushed(const stream_part_t *sp);
uint64_t stream_part_forced(const stream_part_t *sp);

/* What `process --metrics` shows of a partition. Kept in one accessor so a change of the
 * event-time rule changes only what it fills in. */
typedef struct stream_part_gauges {
    wx_time_t event_time; /* the partition's watermark; WX_TIME_MIN before any reading */
    size_t stations;      /* stations with state here */
    size_t open_hours;    /* station hours open (not yet emitted) */
} stream_part_gauges_t;
void stream_part_gauges(const stream_part_t *sp, stream_part_gauges_t *g);

/* Snapshot for recovery (wxser.h). */
void stream_part_save(const stream_part_t *sp, wxbuf_t *out);
stream_part_t *stream_part_load(const void *data, size_t len, const wx_config_t *cfg);

#endif
