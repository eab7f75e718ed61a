/* dead_letter: constructor for the record of unusable input (see dead_letter.h). */
#include "dead_letter.h"

#include <string.h>

void dead_letter_init(dead_letter_t *d, const char *reason, const char *detail,
                      const char *source)
{
    memset(d, 0, sizeof *d);
    d->reason = reason;
    d->detail = detail;
    d->source = source;
    d->utc = WX_TIME_MIN;
    d->watermark = WX_TIME_MIN;
}

const char *const DEAD_LETTER_REASONS[DEAD_LETTER_REASON_COUNT] = {
    "parse", "too_long", "station", "duplicate", "late", "internal"};

int dead_letter_reason_index(const char *reason)
{
    for (int i = 0; i < DEAD_LETTER_REASON_COUNT; i++)
        if (!strcmp(reason, DEAD_LETTER_REASONS[i]))
            return i;
    return -1;
}
