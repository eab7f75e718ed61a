/* fetch_nudge: wakes librdkafka's fetcher when the consumer queue drains (see fetch_nudge.h). */
#include "fetch_nudge.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NUDGE_TIMEOUT_MS 2000

struct fetch_nudge {
    rd_kafka_t *consumer;
    rd_kafka_queue_t *queue;
    size_t drop;  /* nudge when the queue is this much below its peak */
    size_t peak;  /* queue length high-water mark since the last nudge (consuming thread) */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_bool stopping; /* ends a round of queries early */
    /* under lock */
    bool pending, running, stop;
    const char *topic;
    int32_t parts[FETCH_NUDGE_MAX_PARTITIONS];
    int n;
    long count;
};

static void *nudger(void *arg)
{
    fetch_nudge_t *fn = arg;
    pthread_mutex_lock(&fn->lock);
    for (;;) {
        while (!fn->pending && !fn->stop)
            pthread_cond_wait(&fn->wake, &fn->lock);
        if (fn->stop)
            break;
        fn->pending = false;
        fn->running = true;
        const char *topic = fn->topic;
        int32_t parts[FETCH_NUDGE_MAX_PARTITIONS];
        int n = fn->n;
        memcpy(parts, fn->parts, (size_t)n * sizeof parts[0]);
        fn->count++;
        pthread_mutex_unlock(&fn->lock);
        for (int i = 0; i < n && !atomic_load(&fn->stopping); i++) {
            int64_t lo, hi;
            /* Only the request matters (it wakes the broker thread); an error is harmless. */
            (void)rd_kafka_query_watermark_offsets(fn->consumer, topic, parts[i], &lo, &hi,
                                                   NUDGE_TIMEOUT_MS);
        }
        pthread_mutex_lock(&fn->lock);
        fn->running = false;
    }
    pthread_mutex_unlock(&fn->lock);
    return NULL;
}

fetch_nudge_t *fetch_nudge_new(rd_kafka_t *consumer)
{
    fetch_nudge_t *fn = calloc(1, sizeof *fn);
    if (!fn)
        return NULL;
    fn->consumer = consumer;
    long min_msgs = 100000; /* librdkafka's default */
    char buf[32];
    size_t size = sizeof buf;
    if (rd_kafka_conf_get(rd_kafka_conf(consumer), "queued.min.messages", buf, &size) ==
        RD_KAFKA_CONF_OK)
        min_msgs = strtol(buf, NULL, 10);
    fn->drop = min_msgs >= 4 ? (size_t)min_msgs / 4 : 1;
    fn->queue = rd_kafka_queue_get_consumer(consumer);
    if (!fn->queue) {
        free(fn);
        return NULL;
    }
    pthread_mutex_init(&fn->lock, NULL);
    pthread_cond_init(&fn->wake, NULL);
    if (pthread_create(&fn->thread, NULL, nudger, fn) != 0) {
        pthread_cond_destroy(&fn->wake);
        pthread_mutex_destroy(&fn->lock);
        rd_kafka_queue_destroy(fn->queue);
        free(fn);
        return NULL;
    }
    return fn;
}

void fetch_nudge_check(fetch_nudge_t *fn, const char *topic, const int32_t *partitions, int n)
{
    if (!fn || n <= 0)
        return;
    size_t len = rd_kafka_queue_length(fn->queue);
    if (len > fn->peak)
        fn->peak = len;
    if (fn->peak - len < fn->drop)
        return;
    fn->peak = len;
    pthread_mutex_lock(&fn->lock);
    if (!fn->pending && !fn->running) {
        fn->topic = topic;
        fn->n = n < FETCH_NUDGE_MAX_PARTITIONS ? n : FETCH_NUDGE_MAX_PARTITIONS;
        memcpy(fn->parts, partitions, (size_t)fn->n * sizeof fn->parts[0]);
        fn->pending = true;
        pthread_cond_signal(&fn->wake);
    }
    pthread_mutex_unlock(&fn->lock);
}

long fetch_nudge_count(fetch_nudge_t *fn)
{
    if (!fn)
        return 0;
    pthread_mutex_lock(&fn->lock);
    long c = fn->count;
    pthread_mutex_unlock(&fn->lock);
    return c;
}

void fetch_nudge_destroy(fetch_nudge_t *fn)
{
    if (!fn)
        return;
    atomic_store(&fn->stopping, true);
    pthread_mutex_lock(&fn->lock);
    fn->stop = true;
    pthread_cond_signal(&fn->wake);
    pthread_mutex_unlock(&fn->lock);
    pthread_join(fn->thread, NULL);
    pthread_cond_destroy(&fn->wake);
    pthread_mutex_destroy(&fn->lock);
    rd_kafka_queue_destroy(fn->queue);
    free(fn);
}
