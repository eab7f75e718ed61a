/* stream: the streaming front of one input partition — event time, late readings, reordering,
 * and the station states of the stations whose readings arrive on that partition.
 *
 * Event time of the partition (the watermark W) is the latest reading time seen on it. A reading
 * is released to its station, in time order, once W - grace has passed it; one that arrives
 * when W - grace has already passed it is `late` (a DeadLetter naming the hour it missed),
 * because its station has moved on. So for input that is out of order by less than the grace,
 * the stations see exactly the time-ordered sequence batch sees, and give the same results.
 *
 * Stations other than the one just offered are advanced every STREAM_SWEEP of event time;
 * stream_part_progress() is the time up to which every hour of this partition has been emitted
 * (what the hour stage waits for). stream_part_flush() declares the input finished: everything
 * still open is emitted, and later readings are late.
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

#define STREAM_SWEEP (5 * WX_MINUTE)
#define STREAM_BUFFER_MAX 4096

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

wx_time_t stream_part_watermark(const stream_part_t *sp); /* WX_TIME_MIN before any reading */
wx_time_t stream_part_progress(const stream_part_t *sp);  /* WX_TIME_MAX once flushed */
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
