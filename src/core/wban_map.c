/* wban_map: WBAN -> index, open addressing (see wban_map.h). */
#include "wban_map.h"

#include <stdlib.h>

static size_t slot_of(int32_t wban, size_t n_slots)
{
    return ((uint32_t)wban * 2654435761u) & (n_slots - 1);
}

int wban_map_get(const wban_map_t *m, int32_t wban)
{
    if (!m->n_slots)
        return -1;
    for (size_t k = slot_of(wban, m->n_slots);; k = (k + 1) & (m->n_slots - 1)) {
        if (m->slots[k].index < 0)
            return -1;
        if (m->slots[k].wban == wban)
            return m->slots[k].index;
    }
}

static void place(wban_slot_t *slots, size_t n_slots, int32_t wban, int32_t index)
{
    size_t k = slot_of(wban, n_slots);
    while (slots[k].index >= 0)
        k = (k + 1) & (n_slots - 1);
    slots[k].wban = wban;
    slots[k].index = index;
}

int wban_map_put(wban_map_t *m, int32_t wban, int32_t index)
{
    if ((m->n + 1) * 2 > m->n_slots) {
        size_t n = m->n_slots ? m->n_slots * 2 : 16;
        wban_slot_t *s = malloc(n * sizeof *s);
        if (!s)
            return -1;
        for (size_t i = 0; i < n; i++)
            s[i].index = -1;
        for (size_t i = 0; i < m->n_slots; i++)
            if (m->slots[i].index >= 0)
                place(s, n, m->slots[i].wban, m->slots[i].index);
        free(m->slots);
        m->slots = s;
        m->n_slots = n;
    }
    place(m->slots, m->n_slots, wban, index);
    m->n++;
    return 0;
}

void wban_map_free(wban_map_t *m)
{
    free(m->slots);
    m->slots = NULL;
    m->n_slots = 0;
    m->n = 0;
}
