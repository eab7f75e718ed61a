/* wx_config: the analytics settings shared by batch and process (the options of
 * options_analytics), their defaults and their one range check. */
#ifndef WX_CONFIG_H
#define WX_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "outlier.h"
#include "window.h"

/* The largest --grace: a week. */
#define WX_GRACE_MAX_SEC (7 * 86400)

typedef struct wx_config {
    hour_assign_t hour_assign; /* HOUR_ASSIGN_INTERVAL_END */
    int min_valid;             /* 10 of 12 */
    int32_t grace_sec;         /* streaming only: 900 */
    outlier_config_t outlier;
} wx_config_t;

void wx_config_default(wx_config_t *c);
/* 0, or -1 with the setting that is out of range in errstr ("grace must be 0..604800 seconds,
 * got 999999"); the options only parse, this is where the ranges are checked. */
int wx_config_check(const wx_config_t *c, char *errstr, size_t errstr_size);

#endif
