/* fetch_nudge: keeps librdkafka's fetcher going while the consumer works through a backlog.
 *
 * librdkafka 2.0 stops fetching a partition once the consumer queue holds queued.min.messages
 * records (or queued.max.messages.kbytes), and its broker thread only looks at that partition
 * again when something wakes it: the reply to a fetch still in flight (for another partition
 * of the same broker, up to fetch.wait.max.ms) or its one-second housekeeping. A consumer
 * slower than the fetcher — every consumer that does work per record — drains the queue and
 * then waits for up to a second with nothing to do (measured: `process` spent a third of a
 * backlog run waiting so). Later librdkafka versions wake the fetcher themselves
 * (fetch.queue.backoff.ms, 2.3.0).
 *
 * The nudge: when the queue has shrunk by a quarter of queued.min.messages since its last
 * peak, a helper thread sends a watermark query (a ListOffsets request) for each assigned
 * partition; queuing a request wakes the broker thread, which then finds the partition
 * fetchable again while the queue still holds most of its records. The query's answer is not
 * used, and the calling thread never waits for it. */
#ifndef WX_FETCH_NUDGE_H
#define WX_FETCH_NUDGE_H

#include <stdint.h>

#include <librdkafka/rdkafka.h>

typedef struct fetch_nudge fetch_nudge_t;

/* Partitions nudged at most (one query each: enough to reach every leader). */
#define FETCH_NUDGE_MAX_PARTITIONS 64

/* Watches `consumer`'s queue (rd_kafka_poll_set_consumer must have been called). NULL when
 * out of memory or no thread could be started: the caller carries on without nudges. */
fetch_nudge_t *fetch_nudge_new(rd_kafka_t *consumer);

/* Called from the consuming thread, cheaply and often (a mutex and a queue length). When the
 * queue has drained far enough since its peak, asks the helper thread to nudge `partitions`
 * (n of them) of `topic`; `topic` must outlive the nudger. Skipped while a nudge is running. */
void fetch_nudge_check(fetch_nudge_t *fn, const char *topic, const int32_t *partitions, int n);

/* How many nudges were sent (for the verbose summary). */
long fetch_nudge_count(fetch_nudge_t *fn);

/* Stops the helper thread (waits for a query in flight, at most its timeout) and frees. Call
 * before destroying the consumer. NULL is allowed. */
void fetch_nudge_destroy(fetch_nudge_t *fn);

#endif
