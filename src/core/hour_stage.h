/* hour_stage: the cross-station step of the streaming pipeline — the hottest station per UTC
 * hour, decided only once every station expected to report has passed the hour.
 *
 * Upstream (one stream_part per input partition, possibly in other processes) sends each
 * station's hourly summary keyed by hour, and reports: "partition p of n: station S has emitted
 * every hour ending at or before T_S, ...; a station this partition has not listed will not
 * hold time back below F (its floor)". Event time is per station: the hour stage waits for the
 * slowest station it knows, not for the slowest partition. An hour is decided when all n
 * partitions have reported and the least floor and station progress has reached the hour's
 * end; it is emitted then. A station reported as WX_TIME_MAX (idle: silent for the idle
 * timeout; or finished) does not hold time back.
 *
 * A station nobody has reported yet is waited for only when it is expected (hour_stage_expect:
 * the deployment's station list); otherwise it cannot be (the seed's producer sends one whole
 * station file after another). So decided hours are kept for corrections
 * (hour_stage_set_corrections): a summary for an hour decided without it makes the hour be
 * emitted again over every station it now has, and a reader that keeps the last record per
 * hour has batch's answer. A summary for an hour decided longer ago than that is late (the
 * caller dead-letters it).
 *
 * Memory: one small entry per (open or kept hour, station) and one per station reported. */
#ifndef WX_HOUR_STAGE_H
#define WX_HOUR_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hottest.h"
#include "wxbuf.h"

#define HOUR_STAGE_MAX_UPSTREAM 4096

typedef struct hour_stage hour_stage_t;

/* What the functions below that can fail return. Each kind of failure has its own code, so a
 * caller can tell a record it should dead-letter from a run it must end. */
typedef enum hour_stage_rc {
    HOUR_STAGE_OK = 0,
    HOUR_STAGE_LATE = 1,          /* a summary for an hour decided and no longer kept */
    HOUR_STAGE_BAD_RECORD = -1,   /* bytes that are not a record, partition numbers out of range */
    HOUR_STAGE_NO_MEMORY = -2,    /* an allocation failed; the stage is unchanged or still valid */
} hour_stage_rc_t;

/* A station's progress in a report. */
typedef struct hour_stage_station {
    int32_t wban;
    wx_time_t upto; /* every hour ending at or before this is out; WX_TIME_MAX: idle, finished */
} hour_stage_station_t;

hour_stage_t *hour_stage_new(void);
void hour_stage_destroy(hour_stage_t *hs);

/* Keep decided hours this long (event time, behind the latest decided hour) for corrections;
 * 0 (the default) keeps none: every summary for a decided hour is late. */
void hour_stage_set_corrections(hour_stage_t *hs, wx_time_t keep);

/* Waits for this station before deciding any hour, until it reports, the whole input ends
 * without it, or hour_stage_forget_expected() (the caller's silence limit). A setting: not in
 * snapshots. Returns HOUR_STAGE_OK or HOUR_STAGE_NO_MEMORY. */
hour_stage_rc_t hour_stage_expect(hour_stage_t *hs, int32_t wban);
void hour_stage_forget_expected(hour_stage_t *hs);

/* Returns HOUR_STAGE_OK when taken (for a kept decided hour: a correction is due),
 * HOUR_STAGE_LATE when the hour was decided and is no longer kept, HOUR_STAGE_NO_MEMORY. */
hour_stage_rc_t hour_stage_add(hour_stage_t *hs, wx_time_t hour_start, const hottest_entry_t *e);

/* A partition's floor only. Returns HOUR_STAGE_OK, HOUR_STAGE_BAD_RECORD when the partition
 * numbers are out of range, or HOUR_STAGE_NO_MEMORY. Progress never goes back for a partition
 * or a station except from WX_TIME_MAX (idle) to a real time (data again). */
hour_stage_rc_t hour_stage_progress(hour_stage_t *hs, int32_t partition, int32_t n_partitions,
                                    wx_time_t upto);
/* A partition's floor and its stations' progress. Returns as hour_stage_progress. */
hour_stage_rc_t hour_stage_report(hour_stage_t *hs, int32_t partition, int32_t n_partitions,
                                  wx_time_t floor, const hour_stage_station_t *st, size_t n_st);

/* Decides and emits every hour the progress allows. Returns how many. */
size_t hour_stage_emit(hour_stage_t *hs, hottest_emit_fn emit, void *ctx);

bool hour_stage_has_open(const hour_stage_t *hs);
size_t hour_stage_open_hours(const hour_stage_t *hs); /* hours not yet decided (or revised) */
/* Every upstream partition and station has reported WX_TIME_MAX (finished, or idle). */
bool hour_stage_all_final(const hour_stage_t *hs);
wx_time_t hour_stage_decided(const hour_stage_t *hs); /* every hour ending <= this is out */
/* min progress over upstream partitions' floors and stations, WX_TIME_MIN until every
 * partition has reported */
wx_time_t hour_stage_upstream_min(const hour_stage_t *hs);

void hour_stage_save(const hour_stage_t *hs, wxbuf_t *out);
/* `keep` as for hour_stage_set_corrections (a setting, not part of the snapshot). */
hour_stage_t *hour_stage_load(const void *data, size_t len, wx_time_t keep);

/* Internal-topic records: an hourly summary ('S'), a partition's floor ('P'), or a report of
 * a partition's floor and stations ('Q'). */
void hour_stage_encode_summary(wx_time_t hour_start, const hottest_entry_t *e, wxbuf_t *out);
void hour_stage_encode_progress(int32_t partition, int32_t n_partitions, wx_time_t upto,
                                wxbuf_t *out);
void hour_stage_encode_report(int32_t partition, int32_t n_partitions, wx_time_t floor,
                              const hour_stage_station_t *st, size_t n_st, wxbuf_t *out);
/* Applies one internal record. Returns HOUR_STAGE_OK; HOUR_STAGE_LATE for a late summary
 * (details in *hour_start, *e); HOUR_STAGE_BAD_RECORD for bytes that are not a record (or a
 * report whose partition numbers are out of range); HOUR_STAGE_NO_MEMORY. */
hour_stage_rc_t hour_stage_apply(hour_stage_t *hs, const void *data, size_t len,
                                 wx_time_t *hour_start, hottest_entry_t *e);

#endif
