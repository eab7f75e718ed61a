/* wban_map: station number (WBAN) -> index into a caller's array of per-station records.
 *
 * Open addressing with linear probing, grown to keep at most half the slots in use; the owner
 * keeps its records in a plain array and this finds them. Used by batch and stream_part. */
#ifndef WX_WBAN_MAP_H
#define WX_WBAN_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct wban_slot {
    int32_t wban;
    int32_t index; /* -1 = empty */
} wban_slot_t;

typedef struct wban_map {
    wban_slot_t *slots;
    size_t n_slots; /* a power of two, or 0 before the first put */
    size_t n;
} wban_map_t;

#define WBAN_MAP_INIT {NULL, 0, 0}

/* The index stored for wban, or -1. */
int wban_map_get(const wban_map_t *m, int32_t wban);
/* Stores index for wban (which must not be there yet). Returns 0, or -1 when memory runs out
 * (the map is unchanged). */
int wban_map_put(wban_map_t *m, int32_t wban, int32_t index);
void wban_map_free(wban_map_t *m);

#endif
