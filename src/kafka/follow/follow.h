/* follow: the rooms of `wxstream follow` (the live source; what it does and its exactly-once
 * contract are described at the top of cmd_follow.c) and the state they share.
 *
 * Rooms, and the state each one owns (writes):
 *   cmd_follow.c  the command: options (follow_settings_t, read-only after parsing), setup of
 *                 the catalogue and HTTP, the round loop, the summary
 *   poll.c        the poll / range-request cycle per station's file: the files (ffile_t), the
 *                 HTTP request, the request counters
 *   txn.c         Kafka: the transactional producer, the transactions of readings, dead letters
 *                 and positions, the produce counters and `fatal`
 *   positions.c   the position record (JSON) and reading the committed positions back at start
 *                 (it creates the files it finds positions for)
 * Calls go one way: cmd_follow -> poll, txn; poll -> txn (consume the new bytes, commit a
 * position); txn -> positions (the record, and the read-back after init_transactions). */
#ifndef WX_FOLLOW_H
#define WX_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "http.h"
#include "kafka_common.h"
#include "ncei.h"
#include "ncei_source.h"
#include "wxbuf.h"

#define CMD "follow"
#define FOLLOW_TXN_MAX_LINES 20000  /* readings per transaction, at most */
#define FOLLOW_LINE_MAX 4096        /* a longer "line" is a dead letter (too_long) */
#define FOLLOW_FILE_MAX (64L << 20) /* a year's file is ~14 MB */
#define FOLLOW_MAX_FILES 4096

/* One followed file. poll.c creates it (file_get) and owns it; positions.c creates the ones it
 * reads positions for; txn.c writes the committed position fields after each commit. */
typedef struct ffile {
    const ncei_station_t *st;
    int year;
    char name[NCEI_FILE_NAME_MAX];
    char url[2048];
    /* the committed position */
    int64_t offset;     /* bytes consumed: just after the last complete line's '\n' */
    int32_t tail_len;   /* that line's length with its '\n' (0 at the start) */
    uint64_t tail_hash; /* its FNV-1a */
    int64_t last_utc;   /* newest reading produced from this file, s (INT64_MIN: none) */
    long line_no;       /* lines consumed */
    /* after a rewrite: readings at or before floor_utc were produced from the file as it was,
     * and unreadable lines before floor_offset were dead-lettered already */
    int64_t floor_utc;  /* INT64_MIN: no rewrite */
    int64_t floor_offset;
    char etag[HTTP_VALIDATOR_MAX];
    bool missing;       /* 404 at the last poll */
    bool known;         /* has a position (read back, or set by this run) */
    bool settled;       /* an old year's file found with nothing new after its successor
                           passed January 2nd: no longer polled */
    bool partial_noted;
} ffile_t;

/* The command line, read-only after settings_parse (cmd_follow.c). */
typedef struct follow_settings {
    wx_kafka_opts_t kopts;
    http_opts_t hopts;
    const char *base_url, *catalog_file, *stations, *id;
    bool all, json, quiet, verbose;
    bool start_end;      /* a file without a position starts at its end */
    int year;            /* 0: the UTC clock's */
    long interval_s, polls, retries;
    char topic[512], dead_topic[512], pos_topic[512], txn_id[512];
} follow_settings_t;

/* The counters of the summary: poll.c writes requests, bytes, unchanged, retried and
 * failed_polls; txn.c produced, dead and transactions. */
typedef struct follow_stats {
    long requests, produced, dead, unchanged, retried, failed_polls, transactions;
    int64_t bytes;
} follow_stats_t;

typedef struct follow {
    follow_settings_t set;
    /* the stations and their files (cmd_follow.c loads the catalogue; poll.c and positions.c
     * add files) */
    ncei_catalog_t cat;
    const ncei_station_t **sel;
    long n_sel;
    ffile_t *files;
    size_t n_files;
    /* HTTP (poll.c) */
    CURL *curl;
    http_req_t req;
    /* Kafka (txn.c) */
    rd_kafka_t *rk;
    wxbuf_t value, pos_value;
    bool fatal;
    follow_stats_t stats;
} follow_t;

static inline int64_t follow_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps ms, in steps of 100 ms, returning early when a stop was asked for. */
static inline void follow_sleep_ms(int64_t ms)
{
    while (ms > 0 && !wx_stop_requested()) {
        int64_t step = ms > 100 ? 100 : ms;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* poll.c: one round over every followed file. */
void follow_poll_round(follow_t *f);

/* txn.c */
/* The producer, the topics, init_transactions, then the committed positions read back.
 * 0, or -1 (logged). */
int follow_setup_kafka(follow_t *f);
int follow_consume_bytes(follow_t *f, ffile_t *ff, const char *data, size_t len,
                         int64_t file_off, const char *etag);
int follow_commit_position(follow_t *f, const ffile_t *ff);

/* positions.c */
void follow_position_json(const ffile_t *ff, wxbuf_t *b);
int follow_positions_load(follow_t *f);

#endif
