/* replay_metrics: what `wxstream replay --metrics ADDR` serves (docs/metrics.md), on top of
 * metrics.h / metrics_http.h. Replay already counts in atomics (replay_source.h's replay_stats_t);
 * the scraper's thread reads them through `read` at each scrape, so producing does nothing
 * more for metrics. Every function takes NULL (metrics off) and then does nothing. */
#ifndef WX_REPLAY_METRICS_H
#define WX_REPLAY_METRICS_H

#include <stddef.h>

typedef struct replay_counts {
    long files_done; /* files read to their end */
    long lines;      /* lines read */
    long bad;        /* of them: did not decode, sent as read */
    long sent;       /* accepted by the producer */
    long delivered;  /* confirmed by the broker */
    long bytes;      /* of the delivered records: key + value */
    long failed;     /* delivery failures and refused produce calls */
} replay_counts_t;

/* Called from the scraper's thread: must only read atomics. */
typedef void (*replay_counts_fn)(void *ctx, replay_counts_t *out);

typedef struct replay_metrics replay_metrics_t;

/* Starts the endpoint on `addr` for a run to `topic` from `n_files` files; NULL with errstr on
 * failure (*usage set for a bad address). */
replay_metrics_t *replay_metrics_start(const char *addr, const char *topic, size_t n_files,
                                       replay_counts_fn read, void *ctx, int *usage,
                                       char *errstr, size_t errstr_size);
const char *replay_metrics_address(const replay_metrics_t *rm);
void replay_metrics_stop(replay_metrics_t *rm);

#endif
