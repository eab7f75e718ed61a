/* replay_source: one input file of `replay`: its line reader, the decoding of each line into a
 * record to send (the JSON record or the USCRN line as value, the station as key, the reading's
 * UTC time as timestamp; a line that does not decode as read), and the records it holds back
 * (replay_heap.h) until the next one to send is known.
 *
 * No librdkafka: the producing side (replay.h) takes the records from here. Logs with wx_log. */
#ifndef WX_REPLAY_SOURCE_H
#define WX_REPLAY_SOURCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "line_reader.h"
#include "replay_heap.h"
#include "uscrn.h"

#define REPLAY_MAX_LINE 65536
#define REPLAY_PENDING_MAX 100000 /* records held back per file for --jitter */
#define REPLAY_SHOW_MAX 5         /* raw lines and delivery failures printed, each */
#define SORT_NONE INT64_MIN       /* raw line before any good reading: send at once */

/* What replay_src_read_one and replay_src_fill return. */
enum { REPLAY_SRC_OK = 0, REPLAY_SRC_ERR = -1, REPLAY_SRC_NOMEM = -2 };

typedef enum { FORMAT_JSON, FORMAT_USCRN } replay_format_t;

/* What one producer did; written by its thread (the reading part here) and its delivery
 * reports, read by the progress line and --metrics. */
typedef struct replay_stats {
    atomic_long lines;     /* lines read */
    atomic_long sent;      /* accepted by librdkafka */
    atomic_long raw;       /* of sent: lines that did not decode, sent as read */
    atomic_long too_long;  /* of raw: cut to LINE_READER_KEEP bytes */
    atomic_long delivered;
    atomic_long failed;    /* delivery reports with an error */
    atomic_long refused;   /* produce calls librdkafka refused (never sent) */
    atomic_long bytes;     /* key + value bytes delivered (--metrics) */
    atomic_long files_done; /* files read to their end (--metrics) */
} replay_stats_t;

/* How every file of a run is read: set once from the options, shared by all files. */
typedef struct replay_read_cfg {
    replay_format_t format;
    int64_t jitter_ms;      /* --jitter; 0: none */
    bool quiet;             /* no lines about raw records */
    atomic_int *raw_shown;  /* raw lines reported so far, across files and threads */
} replay_read_cfg_t;

/* One input file. */
typedef struct replay_src {
    const replay_read_cfg_t *cfg;
    size_t index;     /* the file's place on the command line: breaks merge ties */
    const char *path;
    const char *base; /* "source_file" of the JSON records */
    line_reader_t lr;
    bool opened, eof;
    replay_heap_t pending; /* records read, not yet sent */
    int64_t last_read_ms; /* event time of the last good record read */
    char last_key[16];
    int last_key_len;
    int64_t last_ts_ms;
    uint64_t rng;
    replay_stats_t *stats; /* of the producer this file feeds */
    uscrn_line_cache_t cache;
} replay_src_t;

/* Opens file number `index` (path "-" is stdin) to be read with cfg; `base` names it in the
 * JSON records, `seed` is --seed. Returns 0, or -1 after logging why. stats must be set before
 * the first fill. replay_src_close releases s either way. */
int replay_src_open(replay_src_t *s, const replay_read_cfg_t *cfg, size_t index, const char *path,
                    const char *base, uint64_t seed);
void replay_src_close(replay_src_t *s);

/* Reads until the file's next record to send is known (see replay_source.c). REPLAY_SRC_OK,
 * or, after logging it and marking the file at its end, REPLAY_SRC_ERR (a read error) or
 * REPLAY_SRC_NOMEM (out of memory: the caller ends the run). */
int replay_src_fill(replay_src_t *s);

#endif
