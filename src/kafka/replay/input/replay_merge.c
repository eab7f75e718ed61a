/* replay_merge: merging the input files by their next record's time (see replay_merge.h). */
#include "replay_merge.h"

static bool src_less(const replay_src_t *a, const replay_src_t *b)
{
    const replay_rec_t *x = a->pending.recs[0], *y = b->pending.recs[0];
    if (x->sort_ms != y->sort_ms)
        return x->sort_ms < y->sort_ms;
    return a->index < b->index;
}

static void src_sift_down(replay_merge_t *m, size_t i)
{
    replay_src_t **h = m->srcs, *s = h[i];
    size_t n = m->n_active;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && src_less(h[c + 1], h[c]))
            c++;
        if (!src_less(h[c], s))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = s;
}

/* Orders srcs into a heap of the files that still have records. */
void replay_merge_init(replay_merge_t *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_srcs; i++)
        if (m->srcs[i]->pending.len)
            m->srcs[n++] = m->srcs[i];
    m->n_active = n;
    for (size_t i = n / 2; i-- > 0;)
        src_sift_down(m, i);
}

replay_rec_t *replay_merge_pop(replay_merge_t *m, replay_src_t **s)
{
    *s = m->srcs[0];
    return replay_heap_pop(&(*s)->pending);
}

int replay_merge_advance(replay_merge_t *m)
{
    replay_src_t *s = m->srcs[0];
    int rc = replay_src_fill(s);
    if (s->pending.len == 0)
        m->srcs[0] = m->srcs[--m->n_active];
    if (m->n_active > 0)
        src_sift_down(m, 0);
    return rc;
}
