/* serve: what `wxstream serve`'s consumer (serve_consume.c) and its HTTP server (serve_http.c,
 * serve_api.c) share — the index, the live-event hub, and the health figures, under one lock.
 *
 * The consumer is the only writer; HTTP handlers read under `lock` and never hold it while
 * sending, so a slow client cannot hold the consumer up. */
#ifndef WX_SERVE_H
#define WX_SERVE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "serve_hub.h"
#include "serve_index.h"
#include "wxbuf.h"

#define SERVE_TOPICS 4         /* Output, MaxTemp, Outliers, DeadLetter */
#define SERVE_MAX_PARTS 256    /* partitions followed, all topics together */
#define SERVE_TOPIC_MAX 256

enum { SERVE_T_OUTPUT, SERVE_T_MAXTEMP, SERVE_T_OUTLIERS, SERVE_T_DEAD };

typedef struct serve_part {
    int topic; /* SERVE_T_* */
    int32_t partition;
    int64_t next;     /* offset of the next record to read (-1: none read yet) */
    int64_t high;     /* last known end of the partition (-1: unknown) */
    int64_t low;      /* last known start of the partition (-1: unknown) */
    wx_time_t newest; /* newest event time read (WX_TIME_MIN: none) */
} serve_part_t;

typedef struct serve_ctx {
    pthread_mutex_t lock; /* guards everything below but the hub (which has its own) */
    serve_index_t *idx;
    serve_hub_t *hub;
    const char *web_dir, *lib_dir;
    char topics[SERVE_TOPICS][SERVE_TOPIC_MAX];
    serve_part_t parts[SERVE_MAX_PARTS];
    size_t n_parts;
    bool from_start;         /* no --since: a partition not read yet starts at its beginning */
    uint64_t records[SERVE_TOPICS], invalid[SERVE_TOPICS];
    double rate;             /* records/s over the last seconds */
    int64_t last_update_ms;  /* wall clock of the last record read; 0: none */
    int64_t started_ms;
    /* HTTP counters (under lock) */
    uint64_t http_requests, http_4xx, http_5xx;
    uint64_t sse_heartbeats;
} serve_ctx_t;

/* The health figures as one JSON object (the body of /api/health and the SSE "health" event).
 * Call with c->lock held. */
void serve_health_json(serve_ctx_t *c, wxbuf_t *b);
/* Records between serve's position and the partition's end; -1 when not known yet. */
int64_t serve_part_lag(const serve_ctx_t *c, const serve_part_t *p);

typedef struct serve_http serve_http_t;

/* Starts the HTTP server on "HOST:PORT" (PORT 0: any free port). *bound gets
 * "http://HOST:PORT/". NULL with errstr on failure. */
serve_http_t *serve_http_start(serve_ctx_t *c, const char *listen, size_t max_clients,
                               char *bound, size_t bound_size, char *errstr, size_t errstr_size);
void serve_http_stop(serve_http_t *s);

int64_t serve_now_ms(void);

#endif
