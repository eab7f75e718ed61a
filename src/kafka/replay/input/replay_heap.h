/* replay_heap: the records one replay input file has read and not yet sent, in the order they
 * are to be sent: a min-heap by (sort_ms, line_no), with the slots of records already sent kept
 * as spares (their value buffers too), so that reading does no allocation once warm.
 *
 * Memory: at most the records a file holds back (one, or with --jitter those within the jitter
 * window, at most REPLAY_PENDING_MAX), each with its value buffer. No librdkafka, no I/O. */
#ifndef WX_REPLAY_HEAP_H
#define WX_REPLAY_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wxbuf.h"

/* One record read and waiting to be sent. */
typedef struct replay_rec {
    int64_t sort_ms; /* merge and pacing order: event time (+ jitter) */
    long line_no;
    int64_t ts_ms;   /* Kafka timestamp; 0 = now */
    char key[16];
    int key_len;     /* -1: no key */
    bool raw;        /* did not decode: value is the line as read */
    bool too_long;
    wxbuf_t value;
} replay_rec_t;

/* The pending records of one file. Zeroed is empty; replay_heap_free releases it. */
typedef struct replay_heap {
    replay_rec_t **recs; /* recs[0..len): the heap; recs[0] is the next to send */
    size_t len, cap;
    replay_rec_t **spare; /* free slots, buffers kept; room for cap entries */
    size_t n_spare;
} replay_heap_t;

void replay_heap_push(replay_heap_t *h, replay_rec_t *r);
/* Removes and returns the smallest record; h must not be empty. */
replay_rec_t *replay_heap_pop(replay_heap_t *h);
/* A slot for one more pending record: a spare one, or a new one. NULL when memory runs out.
 * The slot goes back with replay_heap_push (pending) or replay_heap_put (spare). */
replay_rec_t *replay_heap_get(replay_heap_t *h);
/* Gives back a slot that replay_heap_get (or pop) handed out. */
void replay_heap_put(replay_heap_t *h, replay_rec_t *r);
/* Frees every record, pending or spare, and the arrays; h is empty afterwards. */
void replay_heap_free(replay_heap_t *h);

/* The random numbers of --jitter (splitmix64): one stream per file, from the seed. */
static inline uint64_t replay_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#endif
