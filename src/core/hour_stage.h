/* hour_stage: the cross-station step of the streaming pipeline — the hottest station per UTC
 * hour, decided only once every upstream input partition has passed the hour.
 *
 * Upstream (one stream_part per input partition, possibly in other processes) sends each
 * station's hourly summary keyed by hour, and progress records: "partition p of n has emitted
 * every hour ending at or before T". An hour is decided when all n partitions have reported
 * and the smallest T has reached the hour's end; it is emitted once. A summary for an hour
 * already decided is late (the caller dead-letters it). An idle partition reports
 * WX_TIME_MAX so it does not hold time back. */
#ifndef WX_HOUR_STAGE_H
#define WX_HOUR_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hottest.h"
#include "wxbuf.h"

#define HOUR_STAGE_MAX_UPSTREAM 4096

typedef struct hour_stage hour_stage_t;

hour_stage_t *hour_stage_new(void);
void hour_stage_destroy(hour_stage_t *hs);

/* Returns 0 when taken, 1 when the hour was already decided (late), -1 out of memory. */
int hour_stage_add(hour_stage_t *hs, wx_time_t hour_start, const hottest_entry_t *e);

/* Returns 0, or -1 when the partition numbers are out of range. Progress never goes back for a
 * partition except from WX_TIME_MAX (idle) to a real time (data again). */
int hour_stage_progress(hour_stage_t *hs, int32_t partition, int32_t n_partitions, wx_time_t upto);

/* Decides and emits every hour the progress allows. Returns how many. */
size_t hour_stage_emit(hour_stage_t *hs, hottest_emit_fn emit, void *ctx);

bool hour_stage_has_open(const hour_stage_t *hs);
size_t hour_stage_open_hours(const hour_stage_t *hs); /* hours not yet decided */
/* Every upstream partition has reported WX_TIME_MAX (finished, or idle). */
bool hour_stage_all_final(const hour_stage_t *hs);
wx_time_t hour_stage_decided(const hour_stage_t *hs); /* every hour ending <= this is out */
/* min progress over upstream partitions, WX_TIME_MIN until all have reported */
wx_time_t hour_stage_upstream_min(const hour_stage_t *hs);

void hour_stage_save(const hour_stage_t *hs, wxbuf_t *out);
hour_stage_t *hour_stage_load(const void *data, size_t len);

/* Internal-topic records: an hourly summary ('S') or a progress report ('P'). */
void hour_stage_encode_summary(wx_time_t hour_start, const hottest_entry_t *e, wxbuf_t *out);
void hour_stage_encode_progress(int32_t partition, int32_t n_partitions, wx_time_t upto,
                                wxbuf_t *out);
/* Applies one internal record. Returns 0, 1 for a late summary (details in *hour_start, *e),
 * -1 for bytes that are not a record or out of memory. */
int hour_stage_apply(hour_stage_t *hs, const void *data, size_t len, wx_time_t *hour_start,
                     hottest_entry_t *e);

#endif
