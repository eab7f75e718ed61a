/* replay_merge: the k-way merge of replay's input files by event time. A min-heap of the files
 * that still have records, ordered by each file's next record (sort_ms), ties to the file given
 * first on the command line; each file keeps its own order (replay_heap.h).
 *
 * The merge owns neither the files nor the array: the caller keeps both alive. No librdkafka. */
#ifndef WX_REPLAY_MERGE_H
#define WX_REPLAY_MERGE_H

#include <stddef.h>

#include "replay_source.h"

typedef struct replay_merge {
    replay_src_t **srcs; /* the files to merge; reordered in place into the heap */
    size_t n_srcs;
    size_t n_active;     /* srcs[0..n_active) form the merge heap */
} replay_merge_t;

/* Orders srcs into a heap of the files that still have records (fill them first). */
void replay_merge_init(replay_merge_t *m);
/* The next record of the merge (n_active must be > 0), removed from its file's pending heap;
 * *s is that file. Give the record's slot back (replay_heap_put) and then call
 * replay_merge_advance before the next pop. */
replay_rec_t *replay_merge_pop(replay_merge_t *m, replay_src_t **s);
/* Refills the file the last pop took from, drops it from the merge when it has nothing left
 * and restores the heap. Returns replay_src_fill's code (the file ends on an error). */
int replay_merge_advance(replay_merge_t *m);

#endif
