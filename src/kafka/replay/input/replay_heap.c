/* replay_heap: one file's pending records, a min-heap with spare slots (see replay_heap.h). */
#include "replay_heap.h"

#include <stdlib.h>

static bool rec_less(const replay_rec_t *a, const replay_rec_t *b)
{
    if (a->sort_ms != b->sort_ms)
        return a->sort_ms < b->sort_ms;
    return a->line_no < b->line_no;
}

void replay_heap_push(replay_heap_t *h, replay_rec_t *r)
{
    size_t i = h->len++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!rec_less(r, h->recs[p]))
            break;
        h->recs[i] = h->recs[p];
        i = p;
    }
    h->recs[i] = r;
}

replay_rec_t *replay_heap_pop(replay_heap_t *h)
{
    replay_rec_t *top = h->recs[0];
    replay_rec_t *last = h->recs[--h->len];
    size_t i = 0, n = h->len;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && rec_less(h->recs[c + 1], h->recs[c]))
            c++;
        if (!rec_less(h->recs[c], last))
            break;
        h->recs[i] = h->recs[c];
        i = c;
    }
    if (n)
        h->recs[i] = last;
    return top;
}

/* A slot for one more pending record: a spare one, or a new one while under the bound. */
replay_rec_t *replay_heap_get(replay_heap_t *h)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 4;
        replay_rec_t **recs = realloc(h->recs, cap * sizeof *recs);
        replay_rec_t **sp = recs ? realloc(h->spare, cap * sizeof *sp) : NULL;
        if (recs)
            h->recs = recs;
        if (!sp)
            return NULL;
        h->spare = sp;
        h->cap = cap;
    }
    if (h->n_spare)
        return h->spare[--h->n_spare];
    replay_rec_t *r = calloc(1, sizeof *r);
    if (r)
        r->value = (wxbuf_t)WXBUF_INIT;
    return r;
}

void replay_heap_put(replay_heap_t *h, replay_rec_t *r)
{
    h->spare[h->n_spare++] = r; /* spare has cap entries; slots <= cap */
}

void replay_heap_free(replay_heap_t *h)
{
    for (size_t i = 0; i < h->len; i++) {
        wxbuf_free(&h->recs[i]->value);
        free(h->recs[i]);
    }
    for (size_t i = 0; i < h->n_spare; i++) {
        wxbuf_free(&h->spare[i]->value);
        free(h->spare[i]);
    }
    free(h->recs);
    free(h->spare);
    h->recs = h->spare = NULL;
    h->len = h->n_spare = h->cap = 0;
}
