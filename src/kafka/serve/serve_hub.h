/* serve_hub: fan-out of live events from `wxstream serve`'s consumer to its Server-Sent Events
 * clients, so that no client can slow the consumer.
 *
 * One ring of the last `capacity` events, each a complete SSE message ("event: K\ndata: J\n\n").
 * Publishing is O(1) whatever the number of clients: it writes the next slot (freeing the event
 * that was there) and wakes the readers. Each client only keeps its position in the ring; its
 * queue is the events between its position and the head, so it is bounded by `capacity`. A
 * client that falls a whole ring behind (it reads slower than events come) is dropped and
 * counted; the browser's EventSource reconnects and reloads. Thread-safe: one mutex, held only
 * to copy bytes. */
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
} serve_hub_stats_t;

/* NULL when out of memory. */
serve_hub_t *serve_hub_new(size_t capacity, size_t max_clients);
/* Ends every client's stream (their reads return -1); call before destroy, after the HTTP
 * server stopped calling reads. */
void serve_hub_close(serve_hub_t *h);
void serve_hub_destroy(serve_hub_t *h);

/* Appends the event "event: EVENT\ndata: DATA\n\n" (data without newlines). Readers are
 * woken at most every 20 ms while events stream in; call serve_hub_flush when the stream pauses
 * (nothing more to publish right now) so the last events go out at once. */
void serve_hub_publish(serve_hub_t *h, const char *event, const char *data, size_t len);
void serve_hub_flush(serve_hub_t *h);

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
