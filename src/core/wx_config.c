/* wx_config: the analytics settings, their defaults and range check (see wx_config.h). */
#include "wx_config.h"

#include <stdio.h>
#include <string.h>

void wx_config_default(wx_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->hour_assign = HOUR_ASSIGN_INTERVAL_END;
    c->min_valid = 10;
    c->grace_sec = 900;
    outlier_config_default(&c->outlier);
}

int wx_config_check(const wx_config_t *c, char *errstr, size_t errstr_size)
{
    if (c->min_valid < 0 || c->min_valid > WINDOW_EXPECTED) {
        snprintf(errstr, errstr_size, "min-valid must be 0..%d, got %d", WINDOW_EXPECTED,
                 c->min_valid);
        return -1;
    }
    if (c->grace_sec < 0 || c->grace_sec > WX_GRACE_MAX_SEC) {
        snprintf(errstr, errstr_size, "grace must be 0..%d seconds, got %d", WX_GRACE_MAX_SEC,
                 (int)c->grace_sec);
        return -1;
    }
    return outlier_config_check(&c->outlier, errstr, errstr_size);
}
