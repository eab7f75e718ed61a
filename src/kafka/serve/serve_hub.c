/* serve_hub: fan-out of live events to SSE clients through one bounded ring (see serve_hub.h). */
#include "serve_hub.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct slot {
    char *data;
    size_t len;
} slot_t;

/* The latest-only event: a client that has begun sending a version keeps it (a reference)
 * until it is all sent, even when a newer one replaces it. */
typedef struct latest {
    size_t refs; /* the hub's (while it is the newest) and the clients' sending it */
    size_t len;
    char data[];
} latest_t;

struct serve_hub_client {
    uint64_t seq;  /* next event to send */
    size_t off;    /* bytes of event `seq` already sent */
    uint64_t latest_seen; /* version of the latest-only event this client has (begun) */
    latest_t *latest;     /* the one it is sending, NULL: none */
    size_t latest_off;    /* bytes of it already sent */
    bool dropped;
    struct serve_hub_client *prev, *next; /* every client, for serve_hub_sweep */
};

struct serve_hub {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    slot_t *ring;
    size_t capacity, max_clients;
    uint64_t head;    /* seq of the next event published; event s lives in ring[s % capacity] */
    uint64_t visible; /* events before it may be read; from it to head they are held (a burst) */
    bool closed;
    serve_hub_client_t *clients;
    latest_t *latest;        /* the latest-only event (serve_hub_latest); NULL: none yet */
    uint64_t latest_version; /* bumped by each serve_hub_latest */
    int64_t (*clock)(void *);
    void *clock_arg;
    int64_t hold_ns, quiet_ns;
    size_t burst_events;
    int64_t last_wake;    /* h->clock's ns of the last release */
    int64_t last_publish; /* and of the last event published */
    int64_t held_since;   /* when the hold began; 0: nothing held */
    serve_hub_stats_t st;
};

#define SERVE_HUB_WAKE_NS 20000000 /* 20 ms: bench/README.md, "serve under load" */

static int64_t mono_ns(void *arg)
{
    (void)arg;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void latest_unref(latest_t *l)
{
    if (l && --l->refs == 0)
        free(l);
}

void serve_hub_config_default(serve_hub_config_t *cfg)
{
    cfg->capacity = 16384;
    cfg->max_clients = 512;
    cfg->hold_ms = SERVE_HUB_HOLD_MS;
    cfg->quiet_ms = SERVE_HUB_QUIET_MS;
    cfg->burst_events = SERVE_HUB_BURST_EVENTS;
    cfg->clock = NULL;
    cfg->clock_arg = NULL;
}

serve_hub_t *serve_hub_new(const serve_hub_config_t *cfg)
{
    size_t capacity = cfg->capacity, max_clients = cfg->max_clients;
    if (!capacity)
        return NULL;
    serve_hub_t *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->ring = calloc(capacity, sizeof *h->ring);
    if (!h->ring) {
        free(h);
        return NULL;
    }
    h->capacity = capacity;
    h->max_clients = max_clients;
    h->hold_ns = (int64_t)cfg->hold_ms * 1000000;
    h->quiet_ns = (int64_t)cfg->quiet_ms * 1000000;
    h->burst_events = cfg->burst_events;
    h->clock = cfg->clock ? cfg->clock : mono_ns;
    h->clock_arg = cfg->clock_arg;
    pthread_mutex_init(&h->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cond, &ca);
    pthread_condattr_destroy(&ca);
    return h;
}

void serve_hub_close(serve_hub_t *h)
{
    pthread_mutex_lock(&h->lock);
    h->closed = true;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

void serve_hub_destroy(serve_hub_t *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->capacity; i++)
        free(h->ring[i].data);
    free(h->ring);
    latest_unref(h->latest);
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

/* The size of the SSE message "event: E\ndata: D\n\n", and the message written to p. */
static size_t sse_size(const char *event, size_t len)
{
    return 7 + strlen(event) + 7 + len + 2;
}

static void sse_write(char *p, const char *event, const char *data, size_t len)
{
    size_t elen = strlen(event);
    memcpy(p, "event: ", 7);
    p += 7;
    memcpy(p, event, elen);
    p += elen;
    memcpy(p, "\ndata: ", 7);
    p += 7;
    memcpy(p, data, len);
    p += len;
    memcpy(p, "\n\n", 2);
}

/* Makes everything published readable and wakes the readers. Call with the lock held. */
static void release(serve_hub_t *h, int64_t now)
{
    if (h->held_since)
        h->st.holds++;
    h->visible = h->head;
    h->held_since = 0;
    h->last_wake = now;
    pthread_cond_broadcast(&h->cond);
}

/* The release policy, at each event published and each time the consumer has nothing (then
 * `idle`). Call with the lock held.
 *   - Readers are woken at most every SERVE_HUB_WAKE_NS while events stream in: waking every
 *     client's thread for every event of a backlog would cost more than the events; and at
 *     once when the consumer has nothing more (`idle`), so a lone event goes out at once.
 *   - A burst (more than burst_events pending at a wake) is held back: the clients are not
 *     woken until the stream has been quiet for quiet_ns, or hold_ns since the hold began,
 *     or the held events fill half the ring (so a client has the other half to
 *     catch up in before it could be dropped). So during a backlog the fan-out to every
 *     client does not take the CPU the pipeline is using; the viewers get the burst when it
 *     is over (docs/serve.md, "Bursts are held back"). */
static void maybe_release(serve_hub_t *h, int64_t now, bool idle)
{
    uint64_t pending = h->head - h->visible;
    if (!pending)
        return;
    if (h->held_since) {
        if ((idle && now - h->last_publish >= h->quiet_ns) || now - h->held_since >= h->hold_ns ||
            pending >= h->capacity / 2)
            release(h, now);
        return;
    }
    if (!idle && now - h->last_wake < SERVE_HUB_WAKE_NS)
        return;
    if (h->hold_ns > 0 && pending > h->burst_events)
        h->held_since = now;
    else
        release(h, now);
}

void serve_hub_publish(serve_hub_t *h, const char *event, const char *data, size_t len)
{
    size_t n = sse_size(event, len);
    char *m = malloc(n);
    if (!m)
        return;
    sse_write(m, event, data, len);
    pthread_mutex_lock(&h->lock);
    slot_t *s = &h->ring[h->head % h->capacity];
    char *old = s->data;
    s->data = m;
    s->len = n;
    h->head++;
    h->st.published++;
    int64_t now = h->clock(h->clock_arg);
    h->last_publish = now;
    maybe_release(h, now, false);
    pthread_mutex_unlock(&h->lock);
    free(old);
}

void serve_hub_flush(serve_hub_t *h)
{
    pthread_mutex_lock(&h->lock);
    maybe_release(h, h->clock(h->clock_arg), true);
    pthread_mutex_unlock(&h->lock);
}

void serve_hub_latest(serve_hub_t *h, const char *event, const char *data, size_t len)
{
    size_t n = sse_size(event, len);
    latest_t *l = malloc(sizeof *l + n);
    if (!l)
        return;
    l->refs = 1;
    l->len = n;
    sse_write(l->data, event, data, len);
    pthread_mutex_lock(&h->lock);
    latest_unref(h->latest); /* freed here unless a client is still sending it */
    h->latest = l;
    h->latest_version++;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

/* Whether client c has something to send now. Call with the lock held. */
static bool readable(const serve_hub_t *h, const serve_hub_client_t *c)
{
    return c->seq < h->visible || c->latest || c->latest_seen != h->latest_version;
}

serve_hub_client_t *serve_hub_join(serve_hub_t *h)
{
    serve_hub_client_t *c = NULL;
    pthread_mutex_lock(&h->lock);
    if (h->closed || h->st.clients >= h->max_clients) {
        h->st.refused++;
        goto done;
    }
    c = calloc(1, sizeof *c);
    if (!c)
        goto done;
    c->seq = h->head;
    c->next = h->clients;
    if (h->clients)
        h->clients->prev = c;
    h->clients = c;
    h->st.clients++;
    h->st.joined++;
done:
    pthread_mutex_unlock(&h->lock);
    return c;
}

ssize_t serve_hub_read(serve_hub_t *h, serve_hub_client_t *c, char *buf, size_t max, int wait_ms)
{
    ssize_t got = 0;
    pthread_mutex_lock(&h->lock);
    if (!readable(h, c) && !h->closed && wait_ms > 0) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += wait_ms / 1000;
        until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!readable(h, c) && !h->closed) {
            if (pthread_cond_timedwait(&h->cond, &h->lock, &until) == ETIMEDOUT)
                break;
        }
    }
    if (h->closed) {
        got = -1;
        goto done;
    }
    if (c->dropped || h->head - c->seq > h->capacity) {
        /* More than a ring behind: its next event has been overwritten. */
        if (!c->dropped)
            h->st.dropped++;
        c->dropped = true;
        got = -2;
        goto done;
    }
    size_t used = 0;
    /* the latest-only event goes out between whole events of the ring (in pieces when it is
     * longer than the buffer, like them) */
    if (!c->latest && c->latest_seen != h->latest_version && c->off == 0) {
        c->latest = h->latest;
        c->latest->refs++;
        c->latest_off = 0;
        c->latest_seen = h->latest_version;
    }
    if (c->latest) {
        size_t n = c->latest->len - c->latest_off;
        if (n > max)
            n = max;
        memcpy(buf, c->latest->data + c->latest_off, n);
        used = n;
        c->latest_off += n;
        if (c->latest_off < c->latest->len)
            goto sent; /* the buffer is full */
        latest_unref(c->latest);
        c->latest = NULL;
    }
    while (c->seq < h->visible && used < max) {
        const slot_t *s = &h->ring[c->seq % h->capacity];
        size_t n = s->len - c->off;
        if (n > max - used) {
            if (used > 0)
                break; /* whole events first; a long one goes out in pieces on its own */
            n = max - used;
        }
        memcpy(buf + used, s->data + c->off, n);
        used += n;
        c->off += n;
        if (c->off == s->len) {
            c->off = 0;
            c->seq++;
        }
    }
sent:
    h->st.bytes_sent += used;
    got = (ssize_t)used;
done:
    pthread_mutex_unlock(&h->lock);
    return got;
}

void serve_hub_leave(serve_hub_t *h, serve_hub_client_t *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&h->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        h->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    h->st.clients--;
    latest_unref(c->latest);
    pthread_mutex_unlock(&h->lock);
    free(c);
}

void serve_hub_sweep(serve_hub_t *h)
{
    pthread_mutex_lock(&h->lock);
    for (serve_hub_client_t *c = h->clients; c; c = c->next) {
        if (!c->dropped && h->head - c->seq > h->capacity) {
            c->dropped = true;
            h->st.dropped++;
        }
    }
    pthread_mutex_unlock(&h->lock);
}

void serve_hub_stats(serve_hub_t *h, serve_hub_stats_t *out)
{
    pthread_mutex_lock(&h->lock);
    *out = h->st;
    pthread_mutex_unlock(&h->lock);
}
