/* serve_consume: `wxstream serve`'s consumer (serve_consume.c) and the settings it runs with
 * (serve_run_t, filled by cmd_serve.c's option parsing and read-only after it). */
#ifndef WX_SERVE_CONSUME_H
#define WX_SERVE_CONSUME_H

#include <stdbool.h>

#include "kafka_common.h"
#include "serve.h"
#include "serve_index.h"

#define SERVE_METADATA_MS 5000
#define SERVE_RESCAN_MS 2000
#define SERVE_RESCAN_ALL_MS 30000

typedef struct serve_run {
    wx_kafka_opts_t kopts;
    const char *prefix, *listen, *web_dir, *lib_dir;
    char lib_default[4096];
    wx_time_t since; /* WX_TIME_MIN: from the start */
    serve_limits_t limits;
    serve_hub_config_t hub; /* --client-queue, --max-clients, --burst-hold */
    long exit_after;
    bool quiet;
} serve_run_t;

/* The four topics' names: prefix + Output, MaxTemp, Outliers, DeadLetter. */
void serve_name_topics(serve_ctx_t *c, const char *prefix);
/* Consumes with rk (assigned here, no group joined) until a stop or --exit-after; scratch holds
 * SERVE_RECORD_MAX + 1 bytes. */
void serve_consume_loop(serve_run_t *r, serve_ctx_t *c, rd_kafka_t *rk, char *scratch);

#endif
