/* replay_metrics: the families of `replay --metrics` (replay_metrics.h, docs/metrics.md), set
 * from the run's counts at every scrape. */
#include "replay_metrics.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "metrics.h"
#include "metrics_http.h"

enum { C_FILES, C_LINES, C_BAD, C_SENT, C_DELIVERED, C_BYTES, C_FAILED, C_COUNT };

struct replay_metrics {
    metrics_registry_t *reg;
    metrics_server_t *server;
    metrics_series_t *s[C_COUNT];
    replay_counts_fn read;
    void *ctx;
};

#define LABELS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void collect(void *arg)
{
    replay_metrics_t *rm = arg;
    replay_counts_t c = {0, 0, 0, 0, 0, 0, 0};
    rm->read(rm->ctx, &c);
    const long v[C_COUNT] = {c.files_done, c.lines,  c.bad,   c.sent,
                             c.delivered,  c.bytes, c.failed};
    for (int i = 0; i < C_COUNT; i++)
        metrics_set(rm->s[i], (double)v[i]);
}

static int define(replay_metrics_t *rm, const char *topic, size_t n_files)
{
    static const struct {
        const char *name, *help;
        bool by_topic;
    } C[C_COUNT] = {
        [C_FILES] = {"wxstream_replay_files_read_total", "Input files read to their end.", 0},
        [C_LINES] = {"wxstream_replay_lines_read_total", "Lines read from the input files.", 0},
        [C_BAD] = {"wxstream_replay_bad_lines_total",
                   "Lines that did not decode, sent as read (process dead-letters them).", 0},
        [C_SENT] = {"wxstream_replay_records_sent_total",
                    "Records handed to the producer, by topic.", 1},
        [C_DELIVERED] = {"wxstream_replay_records_delivered_total",
                         "Records the broker confirmed, by topic.", 1},
        [C_BYTES] = {"wxstream_replay_delivered_bytes_total",
                     "Key and value bytes of the records the broker confirmed, by topic.", 1},
        [C_FAILED] = {"wxstream_replay_delivery_failures_total",
                      "Records that failed delivery or that the producer refused, by topic.", 1},
    };
    for (int i = 0; i < C_COUNT; i++) {
        metrics_family_t *f =
            metrics_counter(rm->reg, C[i].name, C[i].help, C[i].by_topic ? LABELS("topic") : NULL);
        rm->s[i] = metrics_series(f, C[i].by_topic ? LABELS(topic) : NULL);
        if (!rm->s[i])
            return -1;
    }
    metrics_series_t *files = metrics_series(
        metrics_gauge(rm->reg, "wxstream_replay_files", "Input files of this run.", NULL), NULL);
    metrics_series_t *start = metrics_series(
        metrics_gauge(rm->reg, "wxstream_replay_start_time_seconds",
                      "When this replay started, seconds since the epoch.", NULL),
        NULL);
    if (!files || !start)
        return -1;
    metrics_set(files, (double)n_files);
    metrics_set(start, (double)time(NULL));
    return metrics_on_collect(rm->reg, collect, rm);
}

replay_metrics_t *replay_metrics_start(const char *addr, const char *topic, size_t n_files,
                                       replay_counts_fn read, void *ctx, int *usage,
                                       char *errstr, size_t errstr_size)
{
    *usage = 0;
    replay_metrics_t *rm = calloc(1, sizeof *rm);
    if (!rm || !(rm->reg = metrics_registry_new())) {
        snprintf(errstr, errstr_size, "out of memory");
        free(rm);
        return NULL;
    }
    rm->read = read;
    rm->ctx = ctx;
    if (define(rm, topic, n_files) != 0) {
        snprintf(errstr, errstr_size, "out of memory");
        replay_metrics_stop(rm);
        return NULL;
    }
    rm->server = metrics_server_start(rm->reg, addr, usage, errstr, errstr_size);
    if (!rm->server) {
        replay_metrics_stop(rm);
        return NULL;
    }
    return rm;
}

const char *replay_metrics_address(const replay_metrics_t *rm)
{
    return rm ? metrics_server_address(rm->server) : "";
}

void replay_metrics_stop(replay_metrics_t *rm)
{
    if (!rm)
        return;
    metrics_server_stop(rm->server); /* no scrape runs after this */
    metrics_registry_destroy(rm->reg);
    free(rm);
}
