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

struct serve_hub_client {
    uint64_t seq;  /* next event to send */
    size_t off;    /* bytes of event `seq` already sent */
    bool dropped;
    struct serve_hub_client *prev, *next; /* every client, for serve_hub_sweep */
};

struct serve_hub {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    slot_t *ring;
    size_t capacity, max_clients;
    uint64_t head; /* seq of the next event published; event s lives in ring[s % capacity] */
    bool closed;
    serve_hub_client_t *clients;
    bool unwoken;      /* events published since readers were last woken */
    int64_t last_wake; /* CLOCK_MONOTONIC ns */
    serve_hub_stats_t st;
};

#define SERVE_HUB_WAKE_NS 20000000 /* 20 ms: bench/README.md, "serve under load" */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

serve_hub_t *serve_hub_new(size_t capacity, size_t max_clients)
{
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
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void serve_hub_publish(serve_hub_t *h, const char *event, const char *data, size_t len)
{
    size_t elen = strlen(event);
    size_t n = 7 + elen + 7 + len + 2; /* "event: " E "\ndata: " D "\n\n" */
    char *m = malloc(n);
    if (!m)
        return;
    char *p = m;
    memcpy(p, "event: ", 7);
    p += 7;
    memcpy(p, event, elen);
    p += elen;
    memcpy(p, "\ndata: ", 7);
    p += 7;
    memcpy(p, data, len);
    p += len;
    memcpy(p, "\n\n", 2);

    pthread_mutex_lock(&h->lock);
    slot_t *s = &h->ring[h->head % h->capacity];
    char *old = s->data;
    s->data = m;
    s->len = n;
    h->head++;
    h->st.published++;
    /* Waking every client's thread for every event of a backlog would cost more than the
     * events: wake at most every SERVE_HUB_WAKE_NS; serve_hub_flush wakes for the rest. */
    int64_t now = mono_ns();
    if (now - h->last_wake >= SERVE_HUB_WAKE_NS) {
        pthread_cond_broadcast(&h->cond);
        h->last_wake = now;
        h->unwoken = false;
    } else {
        h->unwoken = true;
    }
    pthread_mutex_unlock(&h->lock);
    free(old);
}

void serve_hub_flush(serve_hub_t *h)
{
    pthread_mutex_lock(&h->lock);
    if (h->unwoken) {
        pthread_cond_broadcast(&h->cond);
        h->last_wake = mono_ns();
        h->unwoken = false;
    }
    pthread_mutex_unlock(&h->lock);
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
    if (c->seq == h->head && !h->closed && wait_ms > 0) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += wait_ms / 1000;
        until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (c->seq == h->head && !h->closed) {
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
    while (c->seq < h->head && used < max) {
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
