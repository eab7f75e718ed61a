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
