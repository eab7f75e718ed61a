/* wxk_assignment: the consumer-protocol assignment parser (see wxk_assignment.h). */
#include "wxk_assignment.h"

#include <limits.h>
#include <stdint.h>

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int wxk_assignment_partitions(const unsigned char *b, int n)
{
    if (!b || n < 6)
        return 0;
    int i = 2, total = 0;
    uint32_t topics = be32(b + i);
    i += 4;
    for (uint32_t t = 0; t < topics && i + 2 <= n; t++) {
        int len = b[i] << 8 | b[i + 1];
        i += 2 + (len > 0 ? len : 0);
        if (i + 4 > n)
            break;
        uint32_t parts = be32(b + i);
        i += 4;
        if (parts > (uint32_t)(n - i) / 4) {
            /* The list runs past the end: its count still counts, and nothing can follow. */
            total = parts > (uint32_t)(INT_MAX - total) ? INT_MAX : total + (int)parts;
            break;
        }
        i += 4 * (int)parts;
        total += (int)parts;
    }
    return total;
}
