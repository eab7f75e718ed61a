/* serve_hub: fan-out of live events from `wxstream serve`'s consumer to its Server-Sent Events
 * clients, so that no client can slow the consumer.
 *
 * One ring of the last `capacity` events, each a complete SSE message ("event: K\ndata: J\n\n").
 * Publishing is O(1) whatever the number of clients: it writes the next slot (freeing the event
 * that was there) and wakes the readers. Each client only keeps its position in the ring; its
 * queue is the events between its position and the head, so it is bounded by `capacity`. A
 * client that falls a whole ring behind (it reads slower than events come) is dropped and
 * counted; the browser's EventSource reconnects and reloads. Thread-safe: one mutex, held only
 * to copy bytes.
 *
 * A burst is held back: when more than `burst_events` events are waiting at a wake-up, the
 * clients are not woken until the stream has been quiet for `quiet_ms`, or `hold_ms` after the
 * hold began, or the held events fill half the ring. During a backlog the fan-out then
 * does not compete with the pipeline for the CPU (docs/serve.md, "Bursts are held back").
 *
 * Beside the ring, one latest-only event (serve's health): each client gets the newest version
 * once, between whole events of the ring, held or not; older versions are never queued. */
#ifndef WX_SERVE_HUB_H
#define WX_SERVE_HUB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct serve_hub serve_hub_t;
typedef struct serve_hub_client serve_hub_client_t;

typedef struct serve_hub_stats {
    size_t clients;
    uint64_t joined, dropped, refused, published, bytes_sent;
    uint64_t holds; /* bursts held back and released */
} serve_hub_stats_t;

#define SERVE_HUB_HOLD_MS 2000    /* longest a burst is held back */
#define SERVE_HUB_QUIET_MS 500    /* quiet that ends a burst: above process's 200 ms transactions */
#define SERVE_HUB_BURST_EVENTS 1024 /* events waiting at a wake-up that make a burst */

typedef struct serve_hub_config {
    size_t capacity;     /* events in the ring (serve's --client-queue) */
    size_t max_clients;  /* clients at once (--max-clients) */
    long hold_ms;        /* 0: never hold a burst back (--burst-hold) */
    long quiet_ms;
    size_t burst_events;
    int64_t (*clock)(void *arg); /* now in ns, monotonic; NULL: CLOCK_MONOTONIC (tests set it) */
    void *clock_arg;
} serve_hub_config_t;

/* capacity 16384, max_clients 512 and the SERVE_HUB_* figures above */
void serve_hub_config_default(serve_hub_config_t *cfg);
/* NULL when out of memory or capacity is 0. */
serve_hub_t *serve_hub_new(const serve_hub_config_t *cfg);
/* Ends every client's stream (their reads return -1); call before destroy, after the HTTP
 * server stopped calling reads. */
void serve_hub_close(serve_hub_t *h);
void serve_hub_destroy(serve_hub_t *h);

/* Appends the event "event: EVENT\ndata: DATA\n\n" (data without newlines). Readers are
 * woken at most every 20 ms while events stream in (a burst: see above); call serve_hub_flush
 * each time the consumer finds nothing to publish, so the last events go out at once and a held
 * burst is released once the stream has been quiet long enough. */
void serve_hub_publish(serve_hub_t *h, const char *event, const char *data, size_t len);
void serve_hub_flush(serve_hub_t *h);
/* Replaces the latest-only event (not in the ring) and wakes the readers; each client gets it
 * at its next read (in pieces if longer than the buffer), unless a newer one replaced it. */
void serve_hub_latest(serve_hub_t *h, const char *event, const char *data, size_t len);

/* A new client, positioned at the head (it receives events published from now on). NULL when
 * max_clients are connected (counted as refused) or the hub is closed. */
serve_hub_client_t *serve_hub_join(serve_hub_t *h);
/* Copies whole events (and the rest of a partly sent one) into buf, at most max bytes; waits
 * up to wait_ms for one when there is none. Returns the bytes copied (0: nothing within
 * wait_ms), -1 when the hub closed, -2 when the client was dropped for falling behind. */
ssize_t serve_hub_read(serve_hub_t *h, serve_hub_client_t *c, char *buf, size_t max, int wait_ms);
void serve_hub_leave(serve_hub_t *h, serve_hub_client_t *c);

/* Marks (and counts) the clients a whole ring behind as dropped now, not only when their
 * thread next reads: a client that stopped reading leaves its thread blocked in send until the
 * connection times out. O(clients); the consumer calls it once a second. */
void serve_hub_sweep(serve_hub_t *h);

void serve_hub_stats(serve_hub_t *h, serve_hub_stats_t *out);

#endif
